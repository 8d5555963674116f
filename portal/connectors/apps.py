from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "portal.connectors"
    label = "connectors"
    verbose_name = "Connections"
