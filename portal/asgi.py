"""ASGI entry point: HTTP through Django, websockets through Channels routing."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from portal.routing import websocket_application  # noqa: E402
from portal.sync_threads import PooledSyncThreads  # noqa: E402

application = ProtocolTypeRouter(
    {"http": PooledSyncThreads(django_asgi_app), "websocket": websocket_application}
)
