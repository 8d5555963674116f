"""A schedule deleted (alone or with its workflow) takes its beat entry along."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from portal.schedules.models import Schedule


@receiver(post_delete, sender=Schedule)
def periodic_task_delete(sender, instance: Schedule, **_):
    if instance.periodic_task_id:
        from django_celery_beat.models import PeriodicTask

        PeriodicTask.objects.filter(pk=instance.periodic_task_id).delete()
