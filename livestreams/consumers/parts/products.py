"""The sales room's products on the room socket (docs/live-room-protocol.md, "Products").

- snapshot `products`: the session's product cards and the pinned one's id (sales sessions only);
- `product_pin` {"id": <product id>} / `product_unpin`: the hosts pin the product being presented; everyone
  gets `product_pinned` from the service on commit.
"""

from __future__ import annotations

import time
from typing import Any

from django.utils.translation import gettext as _

from hub.consumers import db
from livestreams.consumers.registry import room_action, room_snapshot
from livestreams.selectors.sales_room import room_products
from livestreams.services.room import RoomError
from livestreams.services.sales_room import product_pin, product_unpin


@db
def _snapshot(session) -> list[dict[str, Any]]:
    products = room_products(session=session)
    if products is None:
        return []
    return [{"type": "products", "products": products.cards, "pinned": products.pinned_id}]


@room_snapshot
async def products_snapshot(consumer) -> list[dict[str, Any]]:
    session = consumer.access.session
    if session.kind != "sales":
        return []
    # The sockets of a storm share one read; one that started after this socket joined misses nothing (a
    # pin committed later reaches it as a product_pinned event).
    return await consumer.fanout.shared(
        ("products", session.pk), time.monotonic(), lambda: _snapshot(session)
    )


@db
def _pin(session, user, product_id: int) -> dict[str, Any]:
    product = product_pin(session=session, product_id=product_id, user=user)
    return {"id": product.pk}


@db
def _unpin(session, user) -> dict[str, Any]:
    return {"changed": product_unpin(session=session, user=user)}


def _require_user(consumer) -> None:
    # The rights read at connect answer viewers at once (no database); the service checks again.
    if not consumer.user.is_authenticated or not consumer.access.can_moderate:
        raise RoomError("forbidden", _("Only the hosts of this session can pin a product."))


@room_action("product_pin")
async def pin(consumer, message: dict) -> dict | None:
    _require_user(consumer)
    product_id = message.get("id")
    if type(product_id) is not int:
        raise RoomError("invalid", _("Say which product (its id)."))
    return await _pin(consumer.access.session, consumer.user, product_id)


@room_action("product_unpin")
async def unpin(consumer, message: dict) -> dict | None:
    _require_user(consumer)
    return await _unpin(consumer.access.session, consumer.user)
