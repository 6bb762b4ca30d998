"""Issue 17, merchant tools (services and selectors): nearest free studio slots (the reported case), editing
and resubmitting a registration (keeping the studio slot while it is free), duplicating, repeating weekly
(all or nothing, every conflict listed), kept product images and their cleanup, the availability grid."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from hub.models import Notification
from livestreams.models import PendingProductImage, Product, SalesSession, StudioBooking
from livestreams.selectors.studios import studio_nearest_slots, studios_availability, week_start
from livestreams.services.sales import (
    ProductData,
    pending_image_keep,
    pending_images_cleanup,
    products_of,
    sales_session_approve,
    sales_session_register,
    sales_session_reject,
    sales_session_repeat,
    sales_session_update,
)
from livestreams.services.studios import StudioConflict, studio_book
from tests import factories as f
from tests.sales_helpers import local, register

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db

A = SalesSession.Approval


def book(studio, world, start, end):
    return studio_book(studio=studio, enterprise=world.enterprise_b, starts_at=start, ends_at=end)


def update(ss, user, **overrides):
    session = ss.session
    booking = StudioBooking.objects.filter(session_id=ss.pk).order_by("-pk").first()
    kwargs = {
        "title": session.title,
        "platform": ss.platform,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "host_names": ss.host_names,
        "products": products_of(ss),
        "studio": booking.studio if booking else None,
    }
    kwargs.update(overrides)
    return sales_session_update(sales_session=ss, user=user, **kwargs)


# --- Nearest free slots ----------------------------------------------------------------------------------


def test_the_reported_case_offers_the_free_afternoon_of_the_same_day_first(world, studio):
    # 12-01 (here: day 3) is booked 08:00–16:00 and 19:00–22:00; 16:30–18:30 is free (the gap after the
    # first booking ends 16:30, and 18:30 leaves the gap before 19:00). A request for 20:00–22:00 used to be
    # offered only next-day slots.
    book(studio, world, local(3, 8), local(3, 16))
    book(studio, world, local(3, 19), local(3, 22))
    with pytest.raises(StudioConflict) as caught:
        studio_book(
            studio=studio, enterprise=world.enterprise_a, starts_at=local(3, 20), ends_at=local(3, 22)
        )
    suggestions = caught.value.suggestions
    assert (local(3, 16, 30), local(3, 18, 30)) in suggestions
    nearest = min(suggestions, key=lambda s: abs(s[0] - local(3, 20)))
    assert nearest == (local(3, 16, 30), local(3, 18, 30))
    # Later ones (the next morning, day 4) count too when they are nearer than earlier ones.
    assert (local(4, 8), local(4, 10)) in suggestions


def test_nearest_slots_go_both_ways_and_never_overlap_each_other(world, studio):
    book(studio, world, local(3, 12), local(3, 14))
    slots = studio_nearest_slots(
        studio=studio,
        starts_at=local(3, 12),
        duration=timedelta(hours=2),
        not_before=timezone.now(),
        count=4,
    )
    # Both 2.5 h from 12:00: 09:30–11:30 ends a gap before the booking, 14:30 starts right after its gap.
    assert slots[:2] == [(local(3, 9, 30), local(3, 11, 30)), (local(3, 14, 30), local(3, 16, 30))]
    assert len(slots) == 4
    for (_s1, e1), (s2, _e2) in zip(slots, slots[1:], strict=False):
        assert s2 >= e1 + timedelta(minutes=30)  # real alternatives, each keeping the changeover gap


def test_nearest_slots_respect_opening_hours_and_the_approval_lead(world, studio):
    not_before = local(3, 10)
    slots = studio_nearest_slots(
        studio=studio, starts_at=local(3, 7), duration=timedelta(hours=3), not_before=not_before
    )
    assert slots and all(s >= not_before for s, _e in slots)
    assert all(timezone.localtime(e).time() <= time(22) for _s, e in slots)


def test_a_conflict_suggests_the_other_studios_of_the_building_too(world, studio):
    second = f.StudioFactory(
        building=world.building_a, name="二号直播间", opens_at=time(8), closes_at=time(22)
    )
    book(studio, world, local(3, 19), local(3, 22))
    with pytest.raises(StudioConflict) as caught:
        studio_book(
            studio=studio, enterprise=world.enterprise_a, starts_at=local(3, 20), ends_at=local(3, 22)
        )
    assert caught.value.elsewhere[0] == (second, local(3, 20), local(3, 22))


def test_a_conflict_with_its_suggestions_takes_a_fixed_number_of_queries(
    world, studio, django_assert_max_num_queries
):
    for day in range(2, 9):
        book(studio, world, local(day, 9), local(day, 11))
    for n in range(4):
        f.StudioFactory(building=world.building_a, name=f"{n}号小直播间")
    studio.refresh_from_db()
    # The savepoint (3 statements), the conflict check, the bookings in the way, this studio's bookings,
    # the other studios, their bookings: whatever the number of bookings and studios.
    with django_assert_max_num_queries(8), pytest.raises(StudioConflict):
        studio_book(studio=studio, enterprise=world.enterprise_a, starts_at=local(3, 9), ends_at=local(3, 11))


# --- Editing and resubmitting ------------------------------------------------------------------------------


def test_a_pending_registration_changes_and_keeps_its_held_slot(world, merchant, pending):
    held = StudioBooking.objects.get(session_id=pending.pk)
    update(pending, merchant, title="改过的标题", host_names="李商家、小王")
    pending.refresh_from_db()
    assert pending.session.title == "改过的标题" and pending.approval == A.PENDING
    assert list(StudioBooking.objects.filter(session_id=pending.pk)) == [held]  # the same held row
    held.refresh_from_db()
    assert held.state == StudioBooking.State.HELD


def test_moving_a_pending_registration_moves_its_slot(world, merchant, pending, studio):
    update(pending, merchant, starts_at=local(4, 10), ends_at=local(4, 12))
    states = dict(StudioBooking.objects.filter(session_id=pending.pk).values_list("starts_at", "state"))
    assert states == {local(3, 14): "cancelled", local(4, 10): "held"}


def test_a_rejected_registration_is_fixed_resubmitted_keeps_its_slot_and_is_approved(
    world, merchant, organizer, pending, studio
):
    sales_session_reject(sales_session=pending, user=organizer, reason="商品图片不清楚")
    assert StudioBooking.objects.get(session_id=pending.pk).state == StudioBooking.State.RELEASED
    Notification.objects.all().delete()
    update(pending, merchant, title="丝路优选秋季新品专场（改）")
    pending.refresh_from_db()
    assert (pending.approval, pending.reject_reason, pending.reviewed_by) == (A.PENDING, "", None)
    active = StudioBooking.objects.get(session_id=pending.pk, state=StudioBooking.State.HELD)
    assert (active.studio, active.starts_at, active.ends_at) == (studio, local(3, 14), local(3, 16))
    assert Notification.objects.get(user=organizer).kind == "sales_request"
    assert sales_session_approve(sales_session=pending, user=organizer) is True
    active.refresh_from_db()
    assert active.state == StudioBooking.State.CONFIRMED


def test_resubmitting_when_the_slot_was_taken_meanwhile_changes_nothing_and_offers_the_nearest(
    world, merchant, organizer, pending, studio
):
    sales_session_reject(sales_session=pending, user=organizer, reason="时间冲突")
    book(studio, world, local(3, 14), local(3, 16))  # someone else takes the released slot
    with pytest.raises(StudioConflict) as caught:
        update(pending, merchant, title="新标题")
    assert caught.value.suggestions
    assert (local(3, 11, 30), local(3, 13, 30)) in caught.value.suggestions  # the same day, earlier
    pending.refresh_from_db()
    assert pending.approval == A.REJECTED and pending.session.title != "新标题"


def test_an_approved_or_foreign_registration_cannot_be_changed(world, merchant, approved, outsider):
    with pytest.raises(ValidationError):
        update(approved, merchant, title="x")
    with pytest.raises(PermissionDenied):
        update(approved, outsider, title="x")


def test_editing_keeps_product_ids_and_images_and_drops_removed_products(world, merchant, studio):
    ss = register(merchant, world.enterprise_a, studio=studio)
    first = ss.products.get()
    first.image.save("a.jpg", ContentFile(b"fake"), save=True)
    rows = products_of(ss)
    rows[0].name = "郑州烩面礼盒（大）"
    rows.append(ProductData(name="新郑红枣", price=Decimal("29")))
    update(ss, merchant, products=rows)
    names = list(Product.objects.filter(sales_session=ss).values_list("pk", "name", "image"))
    assert names[0] == (first.pk, "郑州烩面礼盒（大）", first.image.name)
    assert names[1][1] == "新郑红枣"
    update(ss, merchant, products=[ProductData(name="新郑红枣", price=Decimal("29"))])
    assert list(Product.objects.filter(sales_session=ss).values_list("name", flat=True)) == ["新郑红枣"]


# --- Duplicating and repeating -----------------------------------------------------------------------------


def test_a_repeat_registers_each_following_week_with_products_and_studio(world, merchant, approved, studio):
    created = sales_session_repeat(sales_session=approved, user=merchant, weeks=3)
    assert [c.session.starts_at for c in created] == [local(3 + 7 * k, 14) for k in (1, 2, 3)]
    for c in created:
        assert c.approval == A.PENDING and c.session.title == approved.session.title
        assert list(c.products.values_list("name", flat=True)) == ["郑州烩面礼盒"]
        assert StudioBooking.objects.get(session_id=c.pk).studio == studio


def test_a_repeat_with_conflicts_registers_nothing_and_lists_every_conflict(
    world, merchant, approved, studio
):
    book(studio, world, local(10, 15), local(10, 17))
    book(studio, world, local(24, 13), local(24, 14))
    before = SalesSession.objects.count()
    with pytest.raises(ValidationError) as caught:
        sales_session_repeat(sales_session=approved, user=merchant, weeks=4)
    messages = caught.value.messages
    assert len(messages) == 2
    assert messages[0].startswith(f"{local(10, 14):%Y-%m-%d} 14:00")
    assert messages[1].startswith(f"{local(24, 14):%Y-%m-%d} 14:00")
    assert SalesSession.objects.count() == before


def test_a_repeat_of_bad_length_is_refused(world, merchant, approved):
    for weeks in (0, 13):
        with pytest.raises(ValidationError):
            sales_session_repeat(sales_session=approved, user=merchant, weeks=weeks)


# --- Kept images --------------------------------------------------------------------------------------------


def test_a_kept_image_becomes_the_products_and_old_ones_are_cleaned_up(world, merchant, studio):
    kept = pending_image_keep(user=merchant, image=ContentFile(b"jpeg", name="x.jpg"))
    name = kept.image.name
    ss = sales_session_register(
        user=merchant,
        enterprise=world.enterprise_a,
        title="t",
        platform="douyin",
        starts_at=local(3, 14),
        ends_at=local(3, 16),
        host_names="李商家",
        products=[ProductData(name="郑州烩面礼盒", price=Decimal("59.90"), pending=kept)],
    )
    assert ss.products.get().image.name == name
    assert not PendingProductImage.objects.exists()
    stale = pending_image_keep(user=merchant, image=ContentFile(b"jpeg", name="y.jpg"))
    storage, stale_name = stale.image.storage, stale.image.name
    assert pending_images_cleanup() == 0
    assert pending_images_cleanup(now=timezone.now() + timedelta(hours=25)) == 1
    assert not storage.exists(stale_name) and storage.exists(name)


# --- Availability ----------------------------------------------------------------------------------------------


def test_availability_shows_free_and_busy_per_studio_and_day_in_two_queries(
    world, merchant, studio, django_assert_max_num_queries
):
    second = f.StudioFactory(
        building=world.building_a, name="二号直播间", opens_at=time(8), closes_at=time(22)
    )
    book(studio, world, local(7, 10), local(7, 12))
    first_day = week_start(timezone.localdate() + timedelta(days=7))
    for n in range(4):
        f.StudioFactory(building=world.building_a, name=f"{n}号小直播间")
    with django_assert_max_num_queries(9):  # the scope's reads, the studios, every booking of the week
        rows = studios_availability(user=merchant, first_day=first_day)
    by_studio = {r.studio: r for r in rows}
    assert {studio, second} <= set(by_studio) and len(rows) == 6 and all(r.bookable for r in rows)
    day = [c for c in by_studio[studio].cells if c.day == local(7, 0).date()][0]
    assert day.busy == [(local(7, 10), local(7, 12, 30))]
    assert day.free == [(local(7, 8), local(7, 9, 30)), (local(7, 12, 30), local(7, 22))]
    other = [c for c in by_studio[second].cells if c.day == local(7, 0).date()][0]
    assert other.busy == [] and other.free == [(local(7, 8), local(7, 22))]
