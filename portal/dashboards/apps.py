from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "portal.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self):
        from portal.dashboards import receivers  # noqa: F401 - keeps the aggregates with run_completed
