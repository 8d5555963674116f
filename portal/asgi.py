"""ASGI entry point: HTTP through Django, websockets through Channels routing."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup(set_prefix=False)


from channels.routing import ProtocolTypeRouter  # noqa: E402

from portal.routing import websocket_application  # noqa: E402
from portal.sync_threads import PooledSyncThreads, SyncChainASGIHandler  # noqa: E402

application = ProtocolTypeRouter(
    {"http": PooledSyncThreads(SyncChainASGIHandler()), "websocket": websocket_application}
)
