"""Studios per building at /studios/, the week calendar of one studio, and its managers' forms."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from livestreams.models import Studio
from livestreams.selectors.studios import can_book_studio, week_start
from tests.sales_helpers import local, register
from tests.support import client_for

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db


def test_merchants_see_the_studios_of_their_building_only(world, merchant, studio, other_studio):
    body = client_for(merchant).get("/studios/").content.decode()
    assert "一号直播间" in body and "外直播间" not in body
    assert client_for(merchant).get(f"/studios/{other_studio.pk}/").status_code == 404


def test_the_calendar_shows_bookings_and_free_stretches(
    world, merchant, studio, django_assert_max_num_queries
):
    day = local(3, 0).date()
    ss = register(merchant, world.enterprise_a, studio=studio, days=3, start=10, hours=2, title="我的场次")
    client = client_for(merchant)
    with django_assert_max_num_queries(12):
        response = client.get(f"/studios/{studio.pk}/?week={day.isoformat()}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "我的场次" in body and f"/sales/{ss.pk}/" in body
    assert "10:00–12:00" in body and "换场整理至 12:30" in body
    # Free before the booking (ending a changeover earlier) and after it; each with a booking link.
    assert "08:00–09:30" in body and "12:30–22:00" in body
    assert "/sales/new/?studio=" in body


def test_other_enterprises_bookings_show_as_booked_without_details(world, organizer, merchant, studio):
    from partyorgs.models import Role
    from tests import factories as f

    neighbour = f.UserFactory(email="neighbour@example.com")
    world.enterprise_b.building = world.building_a
    world.enterprise_b.save()
    Role.objects.create(user=neighbour, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_b)
    register(neighbour, world.enterprise_b, studio=studio, days=3, title="邻居的秘密新品")
    day = local(3, 0).date().isoformat()
    mine = client_for(merchant).get(f"/studios/{studio.pk}/?week={day}").content.decode()
    assert "邻居的秘密新品" not in mine and "已预订" in mine
    managers = client_for(organizer).get(f"/studios/{studio.pk}/?week={day}").content.decode()
    assert "邻居的秘密新品" in managers


def test_a_bad_week_falls_back_to_this_week(world, merchant, studio):
    response = client_for(merchant).get(f"/studios/{studio.pk}/?week=2026-13-45")
    assert response.status_code == 200
    assert week_start(timezone.localdate()).isoformat() in response.content.decode()
    assert "无法识别该日期" in response.content.decode()


def test_an_organizer_adds_and_edits_a_studio_with_validated_hours(world, organizer, merchant):
    client = client_for(organizer)
    data = {
        "building": world.building_a.pk,
        "name": "三号直播间",
        "capacity": "6",
        "equipment": "补光灯、声卡、绿幕",
        "opens_at": "09:00",
        "closes_at": "08:00",
        "changeover_minutes": "20",
        "is_active": "on",
    }
    bad = client.post("/studios/new/", data)
    assert bad.status_code == 200 and "关闭时间必须晚于" in bad.content.decode()
    assert not Studio.objects.exists()
    assert (
        "0" in client.post("/studios/new/", {**data, "closes_at": "21:00", "capacity": "-1"}).content.decode()
    )
    too_long = client.post("/studios/new/", {**data, "closes_at": "21:00", "changeover_minutes": "600"})
    assert too_long.status_code == 200 and not Studio.objects.exists()
    response = client.post("/studios/new/", {**data, "closes_at": "21:00"})
    studio = Studio.objects.get()
    assert response.status_code == 302
    assert (studio.opens_at, studio.closes_at, studio.changeover_minutes) == (time(9), time(21), 20)
    edit = client.post(
        f"/studios/{studio.pk}/edit/", {**data, "closes_at": "22:30", "changeover_minutes": "45"}
    )
    assert edit.status_code == 302
    studio.refresh_from_db()
    assert studio.closes_at == time(22, 30) and studio.changeover_minutes == 45
    assert client_for(merchant).get(f"/studios/{studio.pk}/edit/").status_code == 403
    assert client_for(merchant).get("/studios/new/").status_code == 403


def test_an_organizer_cannot_add_a_studio_to_another_building(world, organizer):
    client_for(organizer).post(
        "/studios/new/",
        {
            "building": world.building_b.pk,
            "name": "x",
            "capacity": "2",
            "opens_at": "08:00",
            "closes_at": "20:00",
            "changeover_minutes": "30",
        },
    )
    assert not Studio.objects.exists()


def test_a_free_slot_link_prefills_the_registration(world, merchant, studio):
    body = client_for(merchant).get(
        f"/studios/{studio.pk}/?week={(timezone.localdate() + timedelta(days=7)).isoformat()}"
    )
    link = body.content.decode().split('href="/sales/new/?')[1].split('"')[0].replace("&amp;", "&")
    form = client_for(merchant).get("/sales/new/?" + link).content.decode()
    assert f'<option value="{studio.pk}" selected>' in form


def test_only_a_merchant_of_the_building_may_book_an_active_studio(
    world, merchant, organizer, official, studio, other_studio
):
    assert can_book_studio(merchant, studio)
    assert not can_book_studio(merchant, other_studio)
    assert not can_book_studio(organizer, studio) and not can_book_studio(official, studio)
    Studio.objects.filter(pk=studio.pk).update(is_active=False)
    studio.refresh_from_db()
    assert not can_book_studio(merchant, studio)
    body = client_for(merchant).get(f"/studios/{studio.pk}/").content.decode()
    assert 'href="/sales/new/?' not in body
