"""A merchant registers a livestream sales session at /sales/new/, with products and an optional studio."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hub.models import Notification
from livestreams.models import LiveSession, Product, SalesSession, StudioBooking
from livestreams.services.sales import ProductData, sales_session_register
from partyorgs.models import Role
from tests import factories as f
from tests.sales_helpers import local, register
from tests.support import client_for

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def form_data(world, studio=None, **overrides):
    data = {
        "enterprise": world.enterprise_a.pk,
        "title": "丝路优选冬季新品首发",
        "description": "河南特产专场",
        "host_names": "李商家、小王",
        "platform": "douyin",
        "external_url": "https://live.douyin.com/123456",
        "starts_at": local(3, 14).strftime(FMT),
        "ends_at": local(3, 16).strftime(FMT),
        "studio": studio.pk if studio else "",
        "campaign": "",
        "products-TOTAL_FORMS": "3",
        "products-INITIAL_FORMS": "0",
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "20",
        "products-0-name": "郑州烩面礼盒",
        "products-0-price": "59.90",
        "products-0-link": "https://example.com/p/1",
        "products-1-name": "新郑红枣",
        "products-1-price": "29",
        "products-1-link": "",
    }
    data.update(overrides)
    return data


def test_a_merchant_registers_a_session_with_products_and_a_held_studio(world, merchant, organizer, studio):
    response = client_for(merchant).post("/sales/new/", form_data(world, studio))
    ss = SalesSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/{ss.pk}/"
    session = ss.session
    assert session.kind == LiveSession.Kind.SALES
    assert session.status == LiveSession.Status.DRAFT
    assert ss.approval == SalesSession.Approval.PENDING
    assert session.host_enterprise == world.enterprise_a and session.region == world.sub_a
    assert list(session.hosts.all()) == [merchant]
    assert session.external_url == "https://live.douyin.com/123456"
    assert session.playback == LiveSession.Playback.EXTERNAL
    assert ss.building == world.building_a
    assert [(p.name, p.price) for p in Product.objects.order_by("id")] == [
        ("郑州烩面礼盒", Decimal("59.90")),
        ("新郑红枣", Decimal("29.00")),
    ]
    booking = StudioBooking.objects.get()
    assert booking.session == session and booking.state == StudioBooking.State.HELD
    assert (booking.starts_at, booking.ends_at) == (local(3, 14), local(3, 16))
    # The building's managers are asked to approve it.
    note = Notification.objects.get(user=organizer)
    assert note.kind == "sales_request" and note.url == "/sales/inbox/"
    page = client_for(merchant).get(response["Location"])
    assert "待审批" in page.content.decode()


def test_host_accounts_of_the_same_enterprise_become_hosts(world, merchant, studio):
    colleague = f.UserFactory(email="colleague@example.com", name="小王")
    Role.objects.create(user=colleague, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_a)
    client_for(merchant).post("/sales/new/", form_data(world, host_users=[colleague.pk]))
    assert set(SalesSession.objects.get().session.hosts.all()) == {merchant, colleague}


def test_host_accounts_of_other_enterprises_are_refused(world, merchant):
    stranger = f.UserFactory(email="stranger@example.com")
    Role.objects.create(user=stranger, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_b)
    response = client_for(merchant).post("/sales/new/", form_data(world, host_users=[stranger.pk]))
    assert response.status_code == 200
    assert not SalesSession.objects.exists()


def test_the_hub_room_needs_no_external_link(world, merchant):
    client_for(merchant).post("/sales/new/", form_data(world, platform="hub", external_url=""))
    assert SalesSession.objects.get().session.playback == LiveSession.Playback.HUB


def test_the_loser_of_a_studio_slot_sees_the_booking_in_the_way_and_the_next_free_slots(
    world, merchant, studio
):
    register(merchant, world.enterprise_a, studio=studio, days=3, start=13, hours=2, title="先到的场次")
    response = client_for(merchant).post("/sales/new/", form_data(world, studio))
    assert response.status_code == 200
    body = response.content.decode()
    assert "已被预订" in body
    assert (
        f"{local(3, 13):%Y-%m-%d} 13:00" in body and "15:30" in body
    )  # the booking in the way, with the gap
    assert 'class="button secondary js-use-slot"' in body  # next free slots to pick
    assert SalesSession.objects.count() == 1 and Product.objects.count() == 1  # nothing of the loser is kept


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"ends_at": local(3, 13).strftime(FMT)}, "结束时间"),
        ({"starts_at": local(-1, 14).strftime(FMT), "ends_at": local(-1, 15).strftime(FMT)}, "将来"),
        ({"starts_at": "明天下午"}, "日期"),
        ({"products-0-price": "-1"}, "0"),
        ({"products-0-price": "12.345"}, "2"),
        (
            {
                "products-0-name": "",
                "products-0-price": "",
                "products-0-link": "",
                "products-1-name": "",
                "products-1-price": "",
            },
            "至少",
        ),
        ({"products-1-link": "不是链接"}, "URL"),
        ({"title": ""}, "必填"),
        ({"starts_at": local(3, 8).strftime(FMT), "ends_at": local(3, 21).strftime(FMT)}, "12"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_creates_nothing(world, merchant, studio, overrides, fragment):
    response = client_for(merchant).post("/sales/new/", form_data(world, studio, **overrides))
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not LiveSession.objects.exists() and not StudioBooking.objects.exists()


def test_a_studio_outside_opening_hours_is_refused_in_chinese(world, merchant, studio):
    data = form_data(world, studio, starts_at=local(3, 21).strftime(FMT), ends_at=local(3, 23).strftime(FMT))
    response = client_for(merchant).post("/sales/new/", data)
    assert "08:00" in response.content.decode() and "22:00" in response.content.decode()
    assert not LiveSession.objects.exists()


def test_a_merchant_cannot_book_a_studio_of_another_building(world, merchant, other_studio):
    response = client_for(merchant).post("/sales/new/", form_data(world, other_studio))
    assert response.status_code == 200
    assert not StudioBooking.objects.exists()
    with pytest.raises(ValidationError) as caught:  # the service refuses it too
        sales_session_register(
            user=merchant,
            enterprise=world.enterprise_a,
            title="x",
            platform="douyin",
            starts_at=local(3, 10),
            ends_at=local(3, 11),
            host_names="x",
            products=[ProductData(name="x", price=Decimal("1"))],
            studio=other_studio,
        )
    assert "studio" in caught.value.message_dict


def test_a_merchant_cannot_register_for_another_enterprise(world, merchant):
    response = client_for(merchant).post("/sales/new/", form_data(world, enterprise=world.enterprise_b.pk))
    assert response.status_code == 200 and not SalesSession.objects.exists()
    with pytest.raises(PermissionDenied):
        register(merchant, world.enterprise_b)


@pytest.mark.parametrize("persona", ["organizer", "official", "member", "outsider", "staff"])
def test_only_merchants_register(personas, persona, world):
    client = client_for(personas[persona])
    assert client.get("/sales/new/").status_code == 403
    assert client.post("/sales/new/", form_data(world)).status_code == 403
    assert not SalesSession.objects.exists()


def test_the_form_is_prefilled_from_a_calendar_link_and_survives_nonsense(world, merchant, studio):
    client = client_for(merchant)
    ok = client.get(f"/sales/new/?studio={studio.pk}&starts_at={local(3, 10).strftime(FMT)}&ends_at=x")
    assert ok.status_code == 200
    assert local(3, 10).strftime(FMT) in ok.content.decode()
    assert client.get("/sales/new/?studio=abc&starts_at=%00").status_code == 200


def test_the_list_shows_the_merchants_own_sessions_with_their_state(
    world, merchant, pending, django_assert_max_num_queries
):
    other = register_other(world)
    client = client_for(merchant)
    for i in range(5):
        register(merchant, world.enterprise_a, days=5 + i, title=f"更多场次{i}")
    with django_assert_max_num_queries(12):
        response = client.get("/sales/")
    body = response.content.decode()
    assert response.status_code == 200
    assert pending.session.title in body and "待审批" in body
    assert other.session.title not in body


def test_the_list_filters_and_ignores_malformed_parameters(world, merchant, pending):
    client = client_for(merchant)
    assert pending.session.title not in client.get("/sales/?approval=approved").content.decode()
    assert pending.session.title in client.get("/sales/?approval=pending").content.decode()
    for query in ["?page=abc", "?page=-1", "?approval=zzz", "?platform=%FF", "?page=99999"]:
        assert client.get("/sales/" + query).status_code == 200


def register_other(world):
    other_merchant = f.UserFactory(email="other.merchant@example.com")
    Role.objects.create(user=other_merchant, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_b)
    return register(other_merchant, world.enterprise_b, title="外企业的草稿场次")


def test_a_merchant_cancels_a_session_and_frees_its_studio(world, merchant, pending, studio):
    client = client_for(merchant)
    response = client.post(f"/sales/{pending.pk}/cancel/")
    assert response.status_code == 302
    pending.session.refresh_from_db()
    assert pending.session.status == LiveSession.Status.CANCELLED
    assert StudioBooking.objects.get().state == StudioBooking.State.CANCELLED
    assert client.post(f"/sales/{pending.pk}/cancel/").status_code == 302  # already cancelled: no error
    assert register(merchant, world.enterprise_a, studio=studio).pk  # the slot is free again


def _png(name="product.png"):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 16, 46)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_product_may_have_an_image(world, merchant):
    data = form_data(world)
    data["products-0-image"] = _png()
    response = client_for(merchant).post("/sales/new/", data)
    assert response.status_code == 302
    product = Product.objects.get(name="郑州烩面礼盒")
    assert product.image.name.startswith("products/") and product.image.width == 40
    assert not Product.objects.get(name="新郑红枣").image


def test_a_file_that_is_not_an_image_is_refused(world, merchant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = form_data(world)
    data["products-0-image"] = SimpleUploadedFile("fake.png", b"not an image", content_type="image/png")
    response = client_for(merchant).post("/sales/new/", data)
    assert response.status_code == 200 and "图片" in response.content.decode()
    assert not SalesSession.objects.exists()


def test_an_incubator_tenant_books_the_incubators_studios_and_its_managers_approve(world, organizer, studio):
    enterprise = f.EnterpriseFactory(name="鲸选直播创客", region=world.sub_a, building=None)
    incubator = f.IncubatorFactory(name="白鲸·孵化器", building=world.building_a)
    f.IncubatorTenantFactory(incubator=incubator, name="鲸选直播创客", enterprise=enterprise)
    maker = f.UserFactory(email="maker@example.com")
    Role.objects.create(user=maker, kind=Role.Kind.MERCHANT, enterprise=enterprise)
    no_studio = register(maker, enterprise, title="创客第一场")
    assert no_studio.building == world.building_a
    in_studio = register(maker, enterprise, studio=studio, days=4, title="创客第二场")
    assert in_studio.building == world.building_a
    inbox = client_for(organizer).get("/sales/inbox/").content.decode()
    assert "创客第一场" in inbox and "创客第二场" in inbox


def test_the_detail_page_needs_few_queries(
    world, merchant, organizer, pending, django_assert_max_num_queries
):
    for user in (merchant, organizer):
        client = client_for(user)
        with django_assert_max_num_queries(14):
            assert client.get(f"/sales/{pending.pk}/").status_code == 200
