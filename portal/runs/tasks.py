from celery import shared_task

from portal.runs.services import runs_watchdog


@shared_task(name="runs.watchdog", ignore_result=True)
def runs_watchdog_task() -> int:
    return runs_watchdog()
