"""The sales room's page part: the pinned product under the player and the product cards beside the comments
(static/js/room-products.js keeps them live), and the external platform's player or link."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from livestreams.selectors.sales_room import room_products
from livestreams.views.room_registry import RoomPagePart, room_page_part
from livestreams.watch import watch_target


@room_page_part
def products_part(request, session, can_manage: bool) -> RoomPagePart | None:
    if session.kind != "sales":
        return None
    products = room_products(session=session)
    if products is None:
        return None
    watch = watch_target(products.platform, session.external_url)
    return RoomPagePart(
        templates={
            "stage": ["livestreams/room/products/_stage.html"],
            "side": ["livestreams/room/products/_side.html"],
        },
        context={
            "sales_watch": watch,
            "sales_products": products.cards,
            "sales_pinned": products.pinned_card(),
            "sales_can_pin": can_manage,
        },
        config={
            "products": products.cards,
            "pinnedProduct": products.pinned_id,
            "canPinProducts": can_manage,
            # Only an address on the platform's own hosts reaches the page (livestreams/watch.py).
            "externalUrl": watch.link_url if watch else None,
        },
        i18n={
            "productPin": _("Pin the product"),
            "productUnpin": _("Unpin"),
            "productPinned": _("Now presenting"),
            "productBuy": _("Go to the shop"),
            "productNoLink": _("No shop link"),
            "productNonePinned": _("No product is being presented right now."),
        },
        scripts=["js/room-products.js"],
    )
