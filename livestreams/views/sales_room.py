"""The sales room's one page of its own: the counting redirect of product links."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from livestreams.selectors.sales_room import product_for_click
from livestreams.services.sales_room import product_click_count


@never_cache
@require_GET
def product_go(request, pk: int):
    """Count a click on a product's link and send the viewer to the shop: only to the product's own stored
    link (never to an address from the request), and only for products of sessions the viewer may see."""
    product = product_for_click(user=request.user, pk=pk)
    if product is None:
        raise Http404
    response = HttpResponseRedirect(product_click_count(product=product))
    response["Referrer-Policy"] = "no-referrer"
    return response
