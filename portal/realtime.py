"""Live updates for browsers on /ws/ui/: one channel-layer group per organization, sent after commit."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def ui_group(organization_id: int) -> str:
    return f"ui-org-{organization_id}"


def ui_event_on_commit(organization_id: int, kind: str, data: dict) -> None:
    def send():
        async_to_sync(get_channel_layer().group_send)(
            ui_group(organization_id), {"type": "ui.event", "kind": kind, "data": data}
        )

    transaction.on_commit(send)
