from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "portal.agents"
    label = "agents"
    verbose_name = "Agents"

    def ready(self):
        from portal.agents import receivers  # noqa: F401 - connects to workflow events
