from celery import shared_task

from portal.task_retries import RETRY_ON_LOST_DATABASE
from portal.webhooks.processing import delivery_process


# A workflow that cannot run is recorded on the delivery (see delivery_process), and a retry of a
# processed delivery does nothing.
@shared_task(name="webhooks.delivery_process", ignore_result=True, **RETRY_ON_LOST_DATABASE)
def delivery_process_task(delivery_id: int) -> None:
    delivery_process(delivery_id=delivery_id)
