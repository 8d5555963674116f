from celery import shared_task
from django.db import InterfaceError, OperationalError

from portal.webhooks.processing import delivery_process


# Only a lost database connection is worth retrying; a workflow that cannot run is recorded on the
# delivery instead (see delivery_process), and a retry of a processed delivery does nothing.
@shared_task(
    name="webhooks.delivery_process",
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=8,
)
def delivery_process_task(delivery_id: int) -> None:
    delivery_process(delivery_id=delivery_id)
