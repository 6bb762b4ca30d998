"""Share cards, short links and QR codes; sign-in (签到) in the room and by the venue's QR code."""

from __future__ import annotations

import io
import re
import time

import pytest
import segno
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from PIL import Image

from livestreams import share
from livestreams.models import Attendance, LiveSession, PartyClass
from livestreams.services.checkin import attendance_check_in
from tests import factories as f
from tests.classes_helpers import class_session
from tests.room_helpers import clean_room_redis
from tests.support import client_for

S = LiveSession.Status


@pytest.fixture(autouse=True)
def _clean_redis():
    clean_room_redis()


@pytest.fixture
def live_class(world):
    return class_session(world, status=S.LIVE)


def png_matrix(data: bytes, scale: int = 10, border: int = 2) -> list[list[bool]]:
    """The dark/light modules of a segno PNG, read back from its pixels (the centre of every module)."""
    image = Image.open(io.BytesIO(data)).convert("L")
    size = image.width // scale - 2 * border
    assert image.width == image.height == (size + 2 * border) * scale
    return [
        [
            image.getpixel(((c + border) * scale + scale // 2, (r + border) * scale + scale // 2)) < 128
            for c in range(size)
        ]
        for r in range(size)
    ]


def test_short_codes_round_trip_and_refuse_what_is_not_one():
    for pk in (1, 35, 36, 12345, 2**40):
        assert share.session_id_of(share.short_code(pk)) == pk
    for bad in ("", "0", "0a", "a-b", "x" * 13, "é"):
        assert share.session_id_of(bad) is None


def test_the_png_qr_code_encodes_the_short_link_of_the_session(live_class, member):
    client = client_for(member)
    response = client.get(f"/live/{live_class.pk}/qr.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    link = f"http://testserver/s/{share.short_code(live_class.pk)}/"
    expected = segno.make(link, error="m", micro=False)
    assert png_matrix(response.content) == [[bool(v) for v in row] for row in expected.matrix]


def test_the_svg_qr_code_is_an_svg_of_the_same_code(live_class, member):
    response = client_for(member).get(f"/live/{live_class.pk}/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    link = f"http://testserver/s/{share.short_code(live_class.pk)}/"
    assert svg == share.qr_svg(link, title=live_class.title)


def test_the_short_link_opens_the_room_and_a_private_room_still_asks_who_you_are(live_class, outsider):
    anonymous = client_for(None)
    response = anonymous.get(f"/s/{share.short_code(live_class.pk)}/")
    assert response.status_code == 302 and response["Location"] == f"/live/{live_class.pk}/"
    # The room itself still checks: an anonymous visitor signs in first, an outsider finds nothing.
    room = anonymous.get(response["Location"])
    assert room.status_code == 302 and room["Location"].startswith("/accounts/login/?next=")
    assert client_for(outsider).get(f"/live/{live_class.pk}/").status_code == 404
    assert client_for(outsider).get(f"/live/{live_class.pk}/share/").status_code == 404
    assert client_for(outsider).get(f"/live/{live_class.pk}/qr.png").status_code == 404
    assert anonymous.get(f"/live/{live_class.pk}/qr.svg").status_code == 302
    assert anonymous.get("/s/0zz/").status_code == 404


def test_the_share_card_shows_the_link_the_qr_and_for_organizers_the_venue_sign_in(
    live_class, organizer, member
):
    PartyClass.objects.filter(pk=live_class.pk).update(class_kind=PartyClass.ClassKind.GROUP_MEETING)
    html = client_for(organizer).get(f"/live/{live_class.pk}/share/").content.decode()
    assert f"http://testserver/s/{share.short_code(live_class.pk)}/" in html
    assert html.count("<svg") >= 1 and 'id="share-qr"' in html
    assert f"/live/{live_class.pk}/share/print/" in html and f"/live/{live_class.pk}/checkin/screen/" in html
    printed = client_for(organizer).get(f"/live/{live_class.pk}/share/print/").content.decode()
    assert 'id="print-venue-qr"' in printed and "党小组会" in printed and live_class.title in printed
    # A member may share the link but gets no venue sign-in code to print.
    member_html = client_for(member).get(f"/live/{live_class.pk}/share/print/").content.decode()
    assert 'id="print-qr"' in member_html and 'id="print-venue-qr"' not in member_html
    assert client_for(member).get(f"/live/{live_class.pk}/checkin/screen/").status_code == 403


def test_a_public_sales_session_has_a_share_card_for_anyone(world):
    sales = f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=S.SCHEDULED).session
    response = client_for(None).get(f"/live/{sales.pk}/share/")
    assert response.status_code == 200
    assert 'id="print-venue-qr"' not in response.content.decode()


# --- Sign-in (签到) ----------------------------------------------------------------------------------


def test_one_tap_in_the_room_signs_a_member_in_once(live_class, member):
    first = attendance_check_in(user=member, session=live_class)
    again = attendance_check_in(user=member, session=live_class)
    assert first.newly and not again.newly and again.signed_in_at == first.signed_in_at
    assert Attendance.objects.get(session=live_class, member__user=member).signed_in_at == first.signed_in_at


def test_sign_in_is_refused_before_the_class_outside_the_audience_and_with_a_wrong_code(
    world, live_class, member, organizer
):
    scheduled = class_session(world, status=S.SCHEDULED)
    with pytest.raises(ValidationError, match="直播进行中"):
        attendance_check_in(user=member, session=scheduled)
    other = f.MemberFactory(branch=world.branch_b).user
    with pytest.raises(ValidationError):
        attendance_check_in(user=other, session=live_class)
    with pytest.raises(ValidationError):
        attendance_check_in(user=organizer, session=live_class)  # not a Party member
    PartyClass.objects.filter(pk=live_class.pk).update(signin_code="A7K2")
    with pytest.raises(ValidationError):
        attendance_check_in(user=member, session=live_class, code="WRONG")
    assert not Attendance.objects.filter(session=live_class, signed_in_at__isnull=False).exists()
    assert attendance_check_in(user=member, session=live_class, code="a7k2 ").newly
    sales = f.SalesSessionFactory(enterprise=world.enterprise_a, session__status=S.LIVE).session
    with pytest.raises(ValidationError):
        attendance_check_in(user=member, session=sales)


def test_the_rooms_sign_in_form_works_without_javascript(live_class, member):
    client = client_for(member)
    response = client.post(f"/live/{live_class.pk}/checkin/")
    assert response.status_code == 302 and response["Location"] == f"/live/{live_class.pk}/"
    assert Attendance.objects.get(session=live_class).signed_in_at is not None
    html = client.get(f"/live/{live_class.pk}/").content.decode()
    assert 'data-signed-in="yes"' in html


def test_a_bad_sign_in_answers_with_a_message_and_changes_nothing(world, member):
    scheduled = class_session(world, status=S.SCHEDULED)
    client = client_for(member)
    response = client.post(f"/live/{scheduled.pk}/checkin/", {"code": "x" * 500})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)]
    assert not Attendance.objects.filter(signed_in_at__isnull=False).exists()
    assert client.get(f"/live/{scheduled.pk}/checkin/").status_code == 405


def test_the_wall_qr_signs_in_during_the_class_after_signing_in_to_the_hub(live_class, member):
    path = share.venue_path(live_class, kind="wall")
    anonymous = client_for(None).get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=/s/")
    response = client_for(member).get(path)
    assert response.status_code == 302 and response["Location"] == f"/live/{live_class.pk}/"
    assert Attendance.objects.get(session=live_class).signed_in_at is not None


def test_a_wall_qr_of_one_class_does_not_sign_in_to_another_and_not_after_the_class(
    world, live_class, member
):
    other = class_session(world, status=S.LIVE)
    token = share.venue_token(live_class, kind="wall")
    client = client_for(member)
    client.get(f"/s/{share.short_code(other.pk)}/in/{token}/")
    assert not Attendance.objects.filter(session=other, signed_in_at__isnull=False).exists()
    LiveSession.objects.filter(pk=live_class.pk).update(status=S.ENDED)
    response = client.get(share.venue_path(live_class, kind="wall"))
    assert response.status_code == 302
    assert not Attendance.objects.filter(signed_in_at__isnull=False).exists()
    assert client.get(f"/s/{share.short_code(live_class.pk)}/in/not-a-token-at-all/").status_code == 302


def test_the_screen_qr_stops_working_within_two_windows(live_class, member):
    now = time.time()
    token = share.venue_token(live_class, kind="screen", now=now)
    assert share.venue_token_session(token, now=now) == live_class.pk
    assert share.venue_token_session(token, now=now + share.SCREEN_WINDOW_SECONDS) == live_class.pk
    assert share.venue_token_session(token, now=now + 2 * share.SCREEN_WINDOW_SECONDS + 1) is None
    assert share.venue_token_session(token[:-2] + "xx", now=now) is None
    old = share.venue_path(live_class, kind="screen", now=now - 5 * share.SCREEN_WINDOW_SECONDS)
    client_for(member).get(old)
    assert not Attendance.objects.filter(signed_in_at__isnull=False).exists()


def test_the_check_in_screen_refreshes_its_code_for_the_organizer(live_class, organizer):
    client = client_for(organizer)
    page = client.get(f"/live/{live_class.pk}/checkin/screen/").content.decode()
    assert 'hx-trigger="every 10s"' in page and "<svg" in page
    fragment = client.get(f"/live/{live_class.pk}/checkin/screen/", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().startswith('<div class="screen-qr"')


# --- Fixes seen in the room and on home -------------------------------------------------------------


def test_the_room_shows_the_real_audience_and_the_classes_own_kind(live_class, member):
    PartyClass.objects.filter(pk=live_class.pk).update(class_kind=PartyClass.ClassKind.GROUP_MEETING)
    html = client_for(member).get(f"/live/{live_class.pk}/").content.decode()
    audience = re.search(r'<dd id="room-audience">(.*?)</dd>', html, re.S).group(1)
    assert "孵化器联合党支部" in audience and "仅限受众" not in audience
    assert '<span class="kind">党小组会</span>' in html
    home = client_for(member).get("/").content.decode()
    assert "党小组会" in home


def test_the_calendar_pages_by_month_and_by_week(member):
    client = client_for(member)
    month = client.get("/classes/calendar/?view=month").content.decode()
    assert "上个月" in month and "下个月" in month and "上一页" not in month
    week = client.get("/classes/calendar/?view=week").content.decode()
    assert "上一周" in week and "下一周" in week


def test_the_nav_calls_studios_by_another_name_than_the_live_room(merchant):
    html = client_for(merchant).get("/").content.decode()
    nav = re.search(r'<nav id="site-nav".*?</nav>', html, re.S).group(0)
    assert "直播场地" in nav and "直播间" not in nav


def test_a_title_with_markup_stays_text_in_the_card_and_its_qr_code(live_class, organizer):
    LiveSession.objects.filter(pk=live_class.pk).update(title="<script>alert(1)</script>党课")
    client = client_for(organizer)
    for url in (
        f"/live/{live_class.pk}/share/",
        f"/live/{live_class.pk}/share/print/",
        f"/live/{live_class.pk}/qr.svg",
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;党课" in body
