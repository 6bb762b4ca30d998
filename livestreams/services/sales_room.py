"""Writes of the sales room: the host pins the product being presented (小黄车 / 讲解中) and viewers' clicks on
product links are counted.

- `product_pin` / `product_unpin`: moderators only (livestreams.permissions.can_manage); the product must be
  one of the session's own. A conditional UPDATE, then `product_pinned` is pushed to the room on commit.
- `product_click_count`: one `UPDATE ... SET clicks = clicks + 1` per click, so concurrent clicks are all
  counted without a read-modify-write race; the caller redirects to the product's stored link only.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import User
from livestreams import realtime as rt
from livestreams.models import LiveSession, Product, SalesSession
from livestreams.permissions import can_manage
from livestreams.selectors.sales_room import product_card
from livestreams.services.room import RoomError


def _sales_session(session: LiveSession) -> SalesSession:
    ss = SalesSession.objects.filter(session_id=session.pk).first()
    if ss is None:
        raise RoomError("invalid", _("This session has no products: it is not a livestream sales session."))
    return ss


def _require_host(session: LiveSession, user: User) -> None:
    if not user.is_authenticated or not can_manage(user, session):
        raise RoomError("forbidden", _("Only the hosts of this session can pin a product."))
    # The session's status is read afresh: it changes while the host's socket is open.
    status = LiveSession.objects.filter(pk=session.pk).values_list("status", flat=True).first()
    if status in (LiveSession.Status.ENDED, LiveSession.Status.CANCELLED):
        raise RoomError("closed", _("The session is over: products can no longer be pinned."))


def _publish_pinned(session_id: int, product: Product | None) -> None:
    event = {"type": "product_pinned", "product": product_card(product) if product else None}
    transaction.on_commit(lambda: rt.room_publish(session_id, event), robust=True)


@transaction.atomic
def product_pin(*, session: LiveSession, product_id: int, user: User) -> Product:
    """Pin one of the session's products in its room. Pinning the pinned product again changes nothing."""
    _require_host(session, user)
    ss = _sales_session(session)
    product = Product.objects.filter(pk=product_id, sales_session_id=ss.pk).first()
    if product is None:
        raise RoomError("not_found", _("That product is not one of this session's products."))
    changed = (
        SalesSession.objects.filter(pk=ss.pk)
        .exclude(pinned_product_id=product.pk)
        .update(pinned_product=product, pinned_at=timezone.now())
    )
    if changed:
        _publish_pinned(session.pk, product)
    return product


@transaction.atomic
def product_unpin(*, session: LiveSession, user: User) -> bool:
    """Take the pinned product down. True when this call did; False when nothing was pinned."""
    _require_host(session, user)
    ss = _sales_session(session)
    changed = SalesSession.objects.filter(pk=ss.pk, pinned_product__isnull=False).update(
        pinned_product=None, pinned_at=None
    )
    if changed:
        _publish_pinned(session.pk, None)
    return bool(changed)


def product_click_count(*, product: Product) -> str:
    """Count one click on the product's link and return the link to send the viewer to (the stored one)."""
    Product.objects.filter(pk=product.pk).update(clicks=F("clicks") + 1)
    return product.link
