"""Reads of the sales room: the session's products as room cards, the pinned one, and click counts.

`product_card` is the one shape of a product in the room (the page's first render, the `products` snapshot
and the `product_pinned` event). Its `go` address is the hub's counting redirect, never the shop link itself:
the page never needs the stored link, so a click always passes through the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.urls import reverse

from hub.models import User
from livestreams.models import LiveSession, Product, SalesSession
from livestreams.permissions import visible_q


def product_card(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "name": product.name,
        "price": f"{product.price:.2f}",
        "image": product.image.url if product.image else None,
        "go": reverse("sales:product_go", args=[product.pk]) if product.link else None,
    }


@dataclass(frozen=True)
class RoomProducts:
    """A sales session's products in the room: the cards (registration order) and the pinned product's id."""

    cards: list[dict[str, Any]]
    pinned_id: int | None
    platform: str

    def pinned_card(self) -> dict[str, Any] | None:
        return next((c for c in self.cards if c["id"] == self.pinned_id), None)


def room_products(*, session: LiveSession) -> RoomProducts | None:
    """The room's products, or None when the session is not a merchant's sales session (two queries)."""
    ss = (
        SalesSession.objects.filter(session_id=session.pk)
        .only("session_id", "pinned_product_id", "platform")
        .first()
    )
    if ss is None:
        return None
    products = list(Product.objects.filter(sales_session_id=ss.pk).order_by("id"))
    return RoomProducts(
        cards=[product_card(p) for p in products], pinned_id=ss.pinned_product_id, platform=ss.platform
    )


def product_for_click(*, user: User | AnonymousUser, pk: int) -> Product | None:
    """A product whose link the user may follow: of a sales session the user may see (public sessions for
    anyone, anonymous viewers included), with a stored link. None otherwise (the view answers 404)."""
    visible = LiveSession.objects.filter(visible_q(user)).values("pk")
    return (
        Product.objects.filter(Q(sales_session__session__in=visible), pk=pk)
        .exclude(link="")
        .only("pk", "link")
        .first()
    )


def product_clicks(session: LiveSession | SalesSession) -> dict[int, int]:
    """Clicks on each product's link in the room, by product id (every product of the session, 0 included)."""
    ss_id = session.pk
    rows: QuerySet[Product] = Product.objects.filter(sales_session_id=ss_id)
    return {pk: clicks for pk, clicks in rows.values_list("pk", "clicks")}


def session_clicks(session: LiveSession | SalesSession) -> int:
    """All product-link clicks of a session."""
    return sum(product_clicks(session).values())
