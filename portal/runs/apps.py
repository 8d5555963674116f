from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "portal.runs"
    label = "runs"
    verbose_name = "Runs and Processed Snapshots"

    def ready(self):
        from portal.runs import receivers  # noqa: F401 - the next queued run goes out when one ends
