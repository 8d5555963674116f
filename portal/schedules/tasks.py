from celery import shared_task
from django.db import InterfaceError, OperationalError

from portal.schedules.services import schedule_fire


# Only a lost database connection is worth retrying; a workflow that cannot run is said on the
# schedule instead (see schedule_fire). A late retry joins the run the first try started.
@shared_task(
    name="schedules.fire",
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def schedule_fire_task(schedule_id: int) -> None:
    schedule_fire(schedule_id=schedule_id)
