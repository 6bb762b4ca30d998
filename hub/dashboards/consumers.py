"""/ws/live-now/: what is live now, for the home page and the dashboards.

On connect the socket sends a snapshot ({"type": "snapshot", "sessions": [...]}) of the sessions live now
with their viewer counts, then forwards the events of the "live-now" group (livestreams.realtime):

- {"type": "session_status", "session": {...}} when a session starts, ends or is cancelled;
- {"type": "viewers", "session_id": .., "count": ..} when a room's audience changes.

Only sessions the user may see pass (hub.dashboards.selectors.live_now_visible). With ?dashboard=1 the socket
follows a dashboard: officials and hub staff only, and only sessions inside the dashboard's filters
(region, building, organization; same query parameters as the page), so an official's wall screen shows
their own region and nothing else.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.http import QueryDict

from hub.consumers import JsonSocket
from livestreams.realtime import LIVE_NOW_GROUP
from partyorgs.permissions import get_scope

from .filters import DashboardFilter, DashboardFilterForm
from .selectors import live_now, live_now_may_see, live_now_row

# Visibility answers remembered per connection; a busy district has far fewer sessions than this.
MEMO_LIMIT = 5000


def dashboard_filter_for(user, params: QueryDict) -> DashboardFilter | None:
    """The dashboard filter of an official or staff member; None for anyone else or for bad filters."""
    scope = get_scope(user)
    if not (scope.is_official or scope.is_staff):
        return None
    form = DashboardFilterForm(params, scope=scope)
    return form.to_filter() if form.is_valid() else None


class LiveNowConsumer(JsonSocket):
    """Frames from the page go through JsonSocket (errors for bad frames, `ping` answered with `pong`)."""

    async def connect(self):
        self.user = self.scope["user"]
        self.filter = None
        self.memo: dict[int, bool] = {}
        params = QueryDict(self.scope.get("query_string", b"").decode("latin-1"))
        if params.get("dashboard"):
            self.filter = await database_sync_to_async(dashboard_filter_for)(self.user, params)
            if self.filter is None:
                await self.close(code=4403)
                return
        # Join the group before taking the snapshot: an event in between is then delivered after it.
        await self.join_groups(LIVE_NOW_GROUP)
        await self.accept()
        await self.resync()

    async def resync(self) -> None:
        """The snapshot: on connect, and again after Redis came back (events may have been lost)."""
        snapshot = await database_sync_to_async(live_now)(self.filter, user=self.user)
        self.memo.clear()
        for row in snapshot["rows"]:
            self.memo[row["id"]] = True
        await self.send_json({"type": "snapshot", "sessions": snapshot["rows"]})

    async def disconnect(self, code):
        await self.leave_groups()

    # --- group events ---------------------------------------------------------------------------

    async def hub_event(self, message):
        event = message.get("event") or {}
        try:
            session_id = int(event.get("session_id"))
        except (TypeError, ValueError):
            return
        if event.get("type") == "session_status":
            # Asked again on every status change: a change of status can change who may see it.
            row = await database_sync_to_async(live_now_row)(
                self.filter, user=self.user, session_id=session_id
            )
            self._remember(session_id, row is not None)
            if row is not None:
                await self.send_json({"type": "session_status", "session": row})
        elif event.get("type") == "viewers":
            allowed = self.memo.get(session_id)
            if allowed is None:
                allowed = await database_sync_to_async(live_now_may_see)(
                    self.filter, user=self.user, session_id=session_id
                )
                self._remember(session_id, allowed)
            if allowed:
                await self.send_json(
                    {"type": "viewers", "session_id": session_id, "count": int(event.get("count") or 0)}
                )

    # --- helpers ----------------------------------------------------------------------------------

    def _remember(self, session_id: int, allowed: bool) -> None:
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        self.memo[session_id] = allowed
