"""How many Celery tasks wait in the broker's queue (Redis list `ferry`)."""

import redis
from django.conf import settings

REDIS_TIMEOUT = 0.5


def celery_queue_depth() -> dict:
    """{"depth": int | None, "note": str}: None when there is no broker or it did not answer."""
    broker = settings.CELERY_BROKER_URL
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    if not broker.startswith(("redis://", "rediss://", "unix://")):
        return {"depth": None, "note": "in-process (no broker)"}
    try:
        client = redis.Redis.from_url(
            broker, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        with client:
            return {"depth": client.llen(queue), "note": f"tasks waiting in queue “{queue}”"}
    except redis.RedisError as exc:
        return {"depth": None, "note": f"broker did not answer ({exc.__class__.__name__})"}
