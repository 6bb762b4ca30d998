"""Approval: the building's managers approve or reject from their inbox; merchants never approve and never
see other enterprises' drafts; the merchant is told live and by email."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hub.emails import emails_deliver
from hub.models import Notification, OutgoingEmail
from hub.services import user_group
from livestreams.models import LiveSession, SalesSession, StudioBooking
from livestreams.selectors.sales import public_schedule
from livestreams.services.sales import sales_session_approve, sales_session_reject
from partyorgs.models import Role
from tests import factories as f
from tests.sales_helpers import local, register
from tests.support import client_for

pytest_plugins = ["tests.sales_fixtures"]
pytestmark = pytest.mark.django_db


def test_the_building_manager_approves_and_the_merchant_is_told(
    world, merchant, organizer, pending, django_capture_on_commit_callbacks
):
    client = client_for(organizer)
    inbox = client.get("/sales/inbox/")
    assert inbox.status_code == 200 and pending.session.title in inbox.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sales/{pending.pk}/approve/")
    assert response.status_code == 302 and response["Location"] == "/sales/inbox/"
    pending.refresh_from_db()
    session = pending.session
    assert pending.approval == SalesSession.Approval.APPROVED
    assert pending.reviewed_by == organizer and pending.reviewed_at is not None
    assert session.status == LiveSession.Status.SCHEDULED
    assert session.visibility == LiveSession.Visibility.PUBLIC
    assert StudioBooking.objects.get().state == StudioBooking.State.CONFIRMED
    # Told in the hub and by email, in Chinese.
    note = Notification.objects.get(user=merchant, kind="sales_approved")
    assert note.url == f"/sales/{pending.pk}/" and "审批通过" in note.title
    assert OutgoingEmail.objects.get().to == "merchant@example.com"  # written with the approval
    assert emails_deliver() == 1  # what the task run on commit does
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["merchant@example.com"]
    assert pending.session.title in email.subject and "审批通过" in email.subject
    assert f"/sales/{pending.pk}/" in email.body
    # On the public schedule, and shown as approved on the merchant's list.
    assert session in public_schedule()
    assert "已批准" in client_for(merchant).get("/sales/").content.decode()
    assert f'data-sales-id="{pending.pk}"' not in client.get("/sales/inbox/").content.decode()


def test_the_approval_is_pushed_live_to_the_merchants_open_pages(
    world, merchant, organizer, pending, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(merchant.pk), channel)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sales_session_approve(sales_session=pending, user=organizer)
        message = async_to_sync(layer.receive)(channel)
    finally:
        async_to_sync(layer.group_discard)(user_group(merchant.pk), channel)
    assert message["type"] == "notification.created"
    assert message["notification"]["kind"] == "sales_approved"
    assert message["notification"]["url"] == f"/sales/{pending.pk}/"


def test_rejection_needs_a_reason_and_keeps_the_session_off_the_schedule(
    world, merchant, organizer, pending, studio, django_capture_on_commit_callbacks
):
    client = client_for(organizer)
    client.post(f"/sales/{pending.pk}/reject/", {"reason": "  "})
    pending.refresh_from_db()
    assert pending.approval == SalesSession.Approval.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/sales/{pending.pk}/reject/", {"reason": "与楼宇消防检查时间冲突，请改期"})
    pending.refresh_from_db()
    assert pending.approval == SalesSession.Approval.REJECTED
    assert pending.reject_reason == "与楼宇消防检查时间冲突，请改期"
    assert pending.session.status == LiveSession.Status.DRAFT
    assert pending.session not in public_schedule()
    assert StudioBooking.objects.get().state == StudioBooking.State.RELEASED
    note = Notification.objects.get(user=merchant, kind="sales_rejected")
    assert note.body == "与楼宇消防检查时间冲突，请改期"
    assert emails_deliver() == 1
    assert len(mail.outbox) == 1 and "与楼宇消防检查时间冲突" in mail.outbox[0].body
    page = client_for(merchant).get(f"/sales/{pending.pk}/").content.decode()
    assert "已驳回" in page and "与楼宇消防检查时间冲突，请改期" in page
    assert register(merchant, world.enterprise_a, studio=studio).pk  # the slot is free again


def test_merchants_never_approve(world, merchant, pending):
    client = client_for(merchant)
    assert client.post(f"/sales/{pending.pk}/approve/").status_code == 403
    assert client.post(f"/sales/{pending.pk}/reject/", {"reason": "x"}).status_code == 403
    assert client.get("/sales/inbox/").status_code == 403
    with pytest.raises(PermissionDenied):
        sales_session_approve(sales_session=pending, user=merchant)
    pending.refresh_from_db()
    assert pending.approval == SalesSession.Approval.PENDING


def test_a_merchant_who_also_organizes_cannot_approve_their_own_session(world, merchant, pending):
    Role.objects.create(user=merchant, kind=Role.Kind.ORGANIZER, organization=world.root_a)
    merchant = type(merchant).objects.get(pk=merchant.pk)  # a fresh scope
    with pytest.raises(PermissionDenied):
        sales_session_approve(sales_session=pending, user=merchant)
    assert pending.session.title not in client_for(merchant).get("/sales/inbox/").content.decode()


def test_merchants_never_see_other_enterprises_drafts(world, pending):
    other = f.UserFactory(email="other.merchant@example.com")
    Role.objects.create(user=other, kind=Role.Kind.MERCHANT, enterprise=world.enterprise_b)
    client = client_for(other)
    for url in [f"/sales/{pending.pk}/", f"/sales/{pending.pk}/results/", f"/live/{pending.pk}/"]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/sales/{pending.pk}/approve/",
        f"/sales/{pending.pk}/cancel/",
        f"/sales/{pending.pk}/studio/",
    ]:
        assert client.post(url).status_code == 404, url
    assert pending.session.title not in client.get("/sales/").content.decode()


def test_organizers_of_other_buildings_and_members_see_nothing(
    world, other_organizer, member, outsider, pending
):
    for user in (other_organizer, member, outsider):
        client = client_for(user)
        assert client.get(f"/sales/{pending.pk}/").status_code == 404
        assert client.post(f"/sales/{pending.pk}/approve/").status_code == 404
    assert pending.session.title not in client_for(other_organizer).get("/sales/inbox/").content.decode()
    with pytest.raises(PermissionDenied):
        sales_session_approve(sales_session=pending, user=other_organizer)


def test_officials_see_approved_sessions_read_only(world, official, pending, approved):
    client = client_for(official)
    assert client.get(f"/sales/{approved.pk}/").status_code == 200
    assert client.post(f"/sales/{approved.pk}/approve/").status_code == 403
    assert client.get(f"/sales/{approved.pk}/results/").status_code == 403


def test_officials_do_not_see_drafts(world, official, pending):
    assert client_for(official).get(f"/sales/{pending.pk}/").status_code == 404


def test_staff_approve_anything(world, staff, pending):
    assert sales_session_approve(sales_session=pending, user=staff) is True


def test_approving_twice_approves_once(world, organizer, staff, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_session_approve(sales_session=pending, user=organizer) is True
        assert sales_session_approve(sales_session=pending, user=staff) is False
        assert sales_session_reject(sales_session=pending, user=staff, reason="晚了") is False
    pending.refresh_from_db()
    assert pending.approval == SalesSession.Approval.APPROVED and pending.reviewed_by == organizer
    assert Notification.objects.filter(kind="sales_approved").count() == 1
    assert emails_deliver() == 1
    assert len(mail.outbox) == 1
    response = client_for(organizer).post(f"/sales/{pending.pk}/approve/", follow=True)
    assert "已经审核过" in response.content.decode()


def test_a_session_that_has_started_can_no_longer_be_approved(world, organizer, pending):
    with pytest.raises(ValidationError):
        sales_session_approve(sales_session=pending, user=organizer, now=pending.session.starts_at)
    pending.refresh_from_db()
    assert pending.approval == SalesSession.Approval.PENDING


def test_a_cancelled_session_cannot_be_approved(world, merchant, organizer, pending):
    client_for(merchant).post(f"/sales/{pending.pk}/cancel/")
    response = client_for(organizer).post(f"/sales/{pending.pk}/approve/", follow=True)
    assert "已取消" in response.content.decode()
    pending.refresh_from_db()
    assert pending.approval == SalesSession.Approval.PENDING
    assert f'data-sales-id="{pending.pk}"' not in client_for(organizer).get("/sales/inbox/").content.decode()


def test_the_inbox_lists_pending_sessions_of_managed_buildings_soonest_first(
    world, merchant, organizer, studio, django_assert_max_num_queries
):
    later = register(merchant, world.enterprise_a, studio=studio, days=6, title="晚一点的场次")
    sooner = register(merchant, world.enterprise_a, days=2, title="早一点的场次")
    for i in range(5):
        register(merchant, world.enterprise_a, studio=studio, days=8 + i, title=f"其他场次{i}")
    client = client_for(organizer)
    with django_assert_max_num_queries(12):
        body = client.get("/sales/inbox/").content.decode()
    assert body.index(sooner.session.title) < body.index(later.session.title)


def test_an_email_failure_does_not_undo_the_approval(
    world, organizer, pending, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_session_approve(sales_session=pending, user=organizer)
    pending.refresh_from_db()
    assert pending.approval == SalesSession.Approval.APPROVED
    assert Notification.objects.filter(kind="sales_approved").exists()


def test_approval_keeps_the_room_on_time(world, organizer, pending):
    """An approved session is SCHEDULED with its hosts, which is all the lifecycle beat and the reminders
    of the classes area need."""
    sales_session_approve(sales_session=pending, user=organizer)
    session = LiveSession.objects.get(pk=pending.pk)
    assert session.status == LiveSession.Status.SCHEDULED and session.hosts.exists()
    assert session.starts_at > timezone.now()
    assert local(3, 14) == session.starts_at
