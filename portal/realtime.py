"""Live updates for browsers on /ws/ui/: one channel-layer group per organization, sent after commit."""

from django.db import transaction

from portal.channel_sends import group_send_sync


def ui_group(organization_id: int) -> str:
    return f"ui-org-{organization_id}"


def ui_event_on_commit(organization_id: int, kind: str, data: dict) -> None:
    def send():
        group_send_sync(ui_group(organization_id), {"type": "ui.event", "kind": kind, "data": data})

    transaction.on_commit(send)
