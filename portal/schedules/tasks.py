from celery import shared_task

from portal.schedules.services import schedule_fire
from portal.task_retries import RETRY_ON_LOST_DATABASE


# A workflow that cannot run is said on the schedule (see schedule_fire); a late retry joins the
# run the first try started.
@shared_task(name="schedules.fire", ignore_result=True, **RETRY_ON_LOST_DATABASE)
def schedule_fire_task(schedule_id: int) -> None:
    schedule_fire(schedule_id=schedule_id)
