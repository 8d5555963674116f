"""How Ferry's Celery tasks retry: only on a lost database connection.

Anything else a task meets (a workflow that cannot run, a delivery already processed) is recorded
where the user looks for it, and a retry would change nothing.
"""

from django.db import InterfaceError, OperationalError

RETRY_ON_LOST_DATABASE = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
}
