"""ASGI entry point: HTTP through Django, websockets through Channels routing."""

import gc
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


# The garbage collector's full passes stopped the whole process for 130-215 ms with 1,000 agents
# connected (measured in bench/dispatch.py), holding up every request and frame in flight. What is
# loaded by now lives as long as the process, so it is frozen out of every later pass (a pass then
# took about half as long), and a full pass waits for 100 younger ones instead of 10 (seen: 13 → 2
# full passes per process in a bench run). Young cycles are still collected as often as before.
gc.collect()
gc.freeze()
gc.set_threshold(700, 10, 100)
