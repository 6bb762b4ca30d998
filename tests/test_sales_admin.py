"""The admin of the sales area answers for staff (bookings are read there, made in the hub)."""

import pytest
from django.test import Client

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["campaign", "studio", "salessession", "promotionsession", "studiobooking", "salesresult"]
)
def test_staff_open_every_sales_list_in_the_admin(staff, pending, model):
    client = Client()
    client.force_login(staff)
    assert client.get(f"/admin/livestreams/{model}/").status_code == 200


def test_a_sales_session_opens_in_the_admin_with_its_products(staff, pending):
    client = Client()
    client.force_login(staff)
    body = client.get(f"/admin/livestreams/salessession/{pending.pk}/change/").content.decode()
    assert "郑州烩面礼盒" in body
    assert client.get("/admin/livestreams/studiobooking/add/").status_code == 403
