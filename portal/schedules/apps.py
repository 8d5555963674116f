from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "portal.schedules"
    label = "schedules"
    verbose_name = "Workflow schedules"

    def ready(self):
        from portal.schedules import receivers  # noqa: F401 - a deleted schedule takes its beat entry along
