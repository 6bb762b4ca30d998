"""Issue 17, merchant tools (pages): change and resubmit a registration, duplicate, repeat weekly, the
studio availability grid, product images that survive a form error; bad input gets a clear message and
changes nothing."""

from datetime import time

import pytest
from django.utils import timezone

from livestreams.models import PendingProductImage, Product, SalesSession, StudioBooking
from livestreams.services.sales import sales_session_reject
from livestreams.services.studios import studio_book
from tests import factories as f
from tests.classes_helpers import image_upload
from tests.sales_helpers import local, register
from tests.support import client_for
from tests.test_sales_registration import form_data

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"
A = SalesSession.Approval


def edit_data(world, ss, studio=None, **overrides):
    product = ss.products.get()
    data = form_data(
        world,
        studio,
        **{
            "title": ss.session.title,
            "starts_at": ss.session.starts_at.astimezone(timezone.get_current_timezone()).strftime(FMT),
            "ends_at": ss.session.ends_at.astimezone(timezone.get_current_timezone()).strftime(FMT),
            "products-TOTAL_FORMS": "1",
            "products-0-name": product.name,
            "products-0-price": str(product.price),
            "products-0-link": "",
            "products-0-source": str(product.pk),
        },
    )
    for key in ("products-1-name", "products-1-price", "products-1-link", "enterprise"):
        data.pop(key)
    data.update(overrides)
    return data


def test_the_detail_page_offers_change_duplicate_and_repeat_to_the_merchant_only(
    world, merchant, organizer, pending
):
    page = client_for(merchant).get(f"/sales/{pending.pk}/").content.decode()
    assert f"/sales/{pending.pk}/edit/" in page and f"/sales/new/?from={pending.pk}" in page
    assert f"/sales/{pending.pk}/repeat/" in page
    page = client_for(organizer).get(f"/sales/{pending.pk}/").content.decode()
    assert "/edit/" not in page and "?from=" not in page


def test_a_rejected_registration_is_fixed_and_submitted_again_from_its_page(
    world, merchant, organizer, pending, studio
):
    sales_session_reject(sales_session=pending, user=organizer, reason="标题不规范")
    client = client_for(merchant)
    form = client.get(f"/sales/{pending.pk}/edit/").content.decode()
    assert "标题不规范" in form and 'value="丝路优选秋季新品专场"' in form
    response = client.post(
        f"/sales/{pending.pk}/edit/", edit_data(world, pending, studio, title="丝路优选秋季新品专场·郑州")
    )
    assert response.status_code == 302 and response["Location"] == f"/sales/{pending.pk}/"
    pending.refresh_from_db()
    assert pending.approval == A.PENDING and pending.session.title == "丝路优选秋季新品专场·郑州"
    assert StudioBooking.objects.filter(session_id=pending.pk, state="held").count() == 1
    assert Product.objects.filter(sales_session=pending).count() == 1


def test_resubmitting_into_a_taken_slot_says_so_and_offers_the_nearest_slots(
    world, merchant, organizer, pending, studio
):
    sales_session_reject(sales_session=pending, user=organizer, reason="请调整")
    studio_book(studio=studio, enterprise=world.enterprise_b, starts_at=local(3, 14), ends_at=local(3, 16))
    response = client_for(merchant).post(f"/sales/{pending.pk}/edit/", edit_data(world, pending, studio))
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-slot-gone" in body and "js-use-slot" in body
    assert f'data-start="{local(3, 11, 30):%Y-%m-%dT%H:%M}"' in body  # the same day, earlier
    pending.refresh_from_db()
    assert pending.approval == A.REJECTED


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"ends_at": local(3, 13).strftime(FMT)}, "结束时间"),
        ({"starts_at": "下周二"}, "日期"),
        ({"products-0-price": "-5"}, "0"),
        ({"title": ""}, "必填"),
    ],
)
def test_bad_input_when_changing_gets_a_chinese_message_and_changes_nothing(
    world, merchant, pending, studio, overrides, fragment
):
    before = (pending.session.title, pending.session.starts_at)
    response = client_for(merchant).post(
        f"/sales/{pending.pk}/edit/", edit_data(world, pending, studio, **overrides)
    )
    assert response.status_code == 200 and fragment in response.content.decode()
    pending.refresh_from_db()
    assert (pending.session.title, pending.session.starts_at) == before
    assert StudioBooking.objects.get(session_id=pending.pk).state == "held"


def test_an_approved_registration_is_not_edited(world, merchant, approved):
    response = client_for(merchant).get(f"/sales/{approved.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/sales/{approved.pk}/"


def test_duplicating_prefills_the_form_with_products_and_studio_but_no_time(
    world, merchant, approved, studio
):
    page = client_for(merchant).get(f"/sales/new/?from={approved.pk}").content.decode()
    assert 'value="丝路优选秋季新品专场"' in page and 'value="郑州烩面礼盒"' in page
    assert f'<option value="{studio.pk}" selected>' in page
    assert 'name="starts_at" value="' not in page  # the new time is the merchant's to choose
    assert f'data-duplicate-of="{approved.pk}"' in page


@pytest.mark.parametrize("query", ["?from=abc", "?from=999999", "?from=-1"])
def test_duplicating_something_unknown_is_a_404(world, merchant, query):
    assert client_for(merchant).get(f"/sales/new/{query}").status_code == 404


def test_duplicating_another_enterprises_session_is_a_404(world, merchant):
    other = f.UserFactory(email="other-merchant@example.com")
    from partyorgs.models import Role

    Role.objects.create(user=other, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_b)
    theirs = register(other, world.enterprise_b)
    assert client_for(merchant).get(f"/sales/new/?from={theirs.pk}").status_code == 404


def test_repeat_lists_every_conflict_and_registers_nothing(world, merchant, approved, studio):
    studio_book(studio=studio, enterprise=world.enterprise_b, starts_at=local(17, 13), ends_at=local(17, 15))
    before = SalesSession.objects.count()
    response = client_for(merchant).post(f"/sales/{approved.pk}/repeat/", {"weeks": "3"})
    body = response.content.decode()
    assert response.status_code == 200 and "data-repeat-problems" in body
    assert f"{local(17, 14):%Y-%m-%d} 14:00" in body
    assert SalesSession.objects.count() == before


@pytest.mark.parametrize("weeks", ["0", "13", "四", ""])
def test_repeat_with_a_bad_number_of_weeks_says_so(world, merchant, approved, weeks):
    before = SalesSession.objects.count()
    response = client_for(merchant).post(f"/sales/{approved.pk}/repeat/", {"weeks": weeks})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert SalesSession.objects.count() == before


def test_repeat_registers_the_weeks(world, merchant, approved):
    response = client_for(merchant).post(f"/sales/{approved.pk}/repeat/", {"weeks": "2"})
    assert response.status_code == 302
    assert SalesSession.objects.filter(approval=A.PENDING).count() == 2


def test_images_survive_a_form_error_and_are_saved_with_the_registration(world, merchant, studio):
    client = client_for(merchant)
    data = form_data(world, studio, title="")  # an error elsewhere in the form
    data["products-0-image"] = image_upload("box.jpg", size=(600, 400))
    response = client.post("/sales/new/", data)
    body = response.content.decode()
    kept = PendingProductImage.objects.get(user=merchant)
    assert response.status_code == 200 and "data-kept-image" in body
    assert f'name="products-0-pending_image" value="{kept.pk}"' in body and kept.image.url in body
    data = form_data(world, studio)
    data["products-0-pending_image"] = str(kept.pk)
    response = client.post("/sales/new/", data)
    assert response.status_code == 302
    product = Product.objects.get(name="郑州烩面礼盒")
    assert product.image.name == kept.image.name
    assert not PendingProductImage.objects.exists()


def test_someone_elses_kept_image_is_ignored(world, merchant, organizer, studio):
    client_for(organizer)  # another user's kept image
    from django.core.files.base import ContentFile

    from livestreams.services.sales import pending_image_keep

    theirs = pending_image_keep(user=organizer, image=ContentFile(b"x", name="t.jpg"))
    data = form_data(world, studio)
    data["products-0-pending_image"] = str(theirs.pk)
    data["products-1-pending_image"] = "nonsense"
    assert client_for(merchant).post("/sales/new/", data).status_code == 302
    assert not Product.objects.get(name="郑州烩面礼盒").image
    assert PendingProductImage.objects.filter(pk=theirs.pk).exists()


def test_the_availability_grid_shows_free_and_busy(world, merchant, studio, django_assert_max_num_queries):
    f.StudioFactory(building=world.building_a, name="二号直播间", opens_at=time(8), closes_at=time(22))
    studio_book(studio=studio, enterprise=world.enterprise_b, starts_at=local(7, 10), ends_at=local(7, 12))
    day = local(7, 0).date()
    client = client_for(merchant)
    with django_assert_max_num_queries(16):
        response = client.get(f"/studios/availability/?week={day:%Y-%m-%d}")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-day="{day:%Y-%m-%d}"' in body and 'class="busy"' in body
    assert "08:00–09:30" in body and "12:30–22:00" in body
    assert "/sales/new/?studio=" in body  # a free stretch links to the registration form


@pytest.mark.parametrize("week", ["soon", "2026-13-40", "9" * 50])
def test_a_bad_week_on_the_availability_grid_shows_this_week(world, merchant, studio, week):
    response = client_for(merchant).get(f"/studios/availability/?week={week}")
    body = response.content.decode()
    assert response.status_code == 200 and 'class="message error"' in body
    assert f'data-day="{timezone.localdate():%Y-%m-%d}"' in body


def test_the_history_page_draws_the_growth_chart(world, merchant):
    from tests.test_sales_growth import _result

    _result(world.enterprise_a, local(-40, 19), "100.00", 1)
    _result(world.enterprise_a, local(-5, 19), "150.00", 2)
    body = client_for(merchant).get("/sales/history/").content.decode()
    assert 'id="growth-chart"' in body and 'id="growth-data"' in body and "sales_history.js" in body
    assert '<span class="up">' in body  # a rise, red in sales.css
