"""`/ws/ui/?org=<slug>`: live run and agent updates for a member's browser (session-authenticated)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from portal.realtime import ui_group
from portal.tenants.selectors import membership_for


def _organization_id(user, slug: str) -> int | None:
    try:
        return membership_for(user=user, slug=slug).organization_id
    except Http404:
        return None


class UiConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        query = dict(
            part.split("=", 1) for part in self.scope["query_string"].decode().split("&") if "=" in part
        )
        user = self.scope.get("user")
        organization_id = None
        if user is not None and user.is_authenticated and query.get("org"):
            organization_id = await database_sync_to_async(_organization_id)(user, query["org"])
        if organization_id is None:
            await self.close(code=4404)  # not a member looks like no such organization
            return
        self.group = ui_group(organization_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def ui_events(self, message):
        # One message from a portal process holds its events of the last moments, in order
        # (portal.realtime); the browser gets them one by one, as it always did.
        for event in message["events"]:
            await self.send_json(event)
