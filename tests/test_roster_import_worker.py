"""Issue 14: a branch's roster file is checked by a real Celery worker while the organizer's page polls its
progress; a valid file invites the newcomers (SMS, on commit, in the worker) and corrects the members, a file
with problems lists them all and changes nothing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub import sms
from hub.exports import Sheet, xlsx_bytes
from hub.sms import sms_file_read
from partyorgs.models import Invitation, PartyMember, RosterImport
from partyorgs.roster_import import TEMPLATE_HEADER
from tests.support import client_for, start_celery_worker, wait_until

pytestmark = pytest.mark.realtime
S = RosterImport.State


@pytest.fixture
def sms_worker(transactional_db, tmp_path):
    """A real worker whose text messages land in a file this test reads (hub.sms.FileBackend)."""
    sms_file = str(tmp_path / "sms.jsonl")
    worker = start_celery_worker(HUB_TEST_SMS_BACKEND="hub.sms.FileBackend", HUB_TEST_SMS_FILE=sms_file)
    yield worker, sms_file
    worker.stop()


def _upload(client, branch, name, content) -> RosterImport:
    response = client.post(f"/orgs/{branch.pk}/roster/import/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    job = RosterImport.objects.latest("pk")
    assert response["Location"] == f"/roster/imports/{job.pk}/"
    return job


def _finished(job) -> RosterImport:
    return wait_until(
        lambda: RosterImport.objects.filter(pk=job.pk).exclude(state__in=[S.QUEUED, S.CHECKING]).first(),
        timeout=60,
        message=f"roster import {job.pk} to finish",
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_checks_the_roster_and_imports_it_all_or_nothing(world, organizer, member, sms_worker):
    worker, sms_file = sms_worker
    client = client_for(organizer)
    bad = xlsx_bytes(
        [
            Sheet(
                title="名册",
                columns=TEMPLATE_HEADER,
                rows=[
                    ["刘一", "13812345678", "", "预备党员", date(2023, 7, 1)],
                    ["李二", "123", "", "党员", ""],
                ],
            )
        ]
    )
    job = _upload(client, world.branch_a, "名册.xlsx", bad)
    page = client.get(f"/roster/imports/{job.pk}/").content.decode()
    assert 'id="import-status"' in page
    job = _finished(job)
    assert (job.state, job.problem_count, bytes(job.content)) == (S.REFUSED, 2, b"")
    assert not Invitation.objects.exists()
    page = client.get(f"/roster/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "未导入任何数据" in page and "<td>3</td><td>B 手机号</td>" in page and "hx-trigger" not in page
    assert "<td>3</td><td>D 党员状态</td>" in page

    good = xlsx_bytes(
        [
            Sheet(
                title="名册",
                columns=TEMPLATE_HEADER,
                rows=[
                    ["刘一", "13812345678", "", "预备党员", date(2023, 7, 1)],
                    ["陈党员", "", "member@example.com", "正式党员", "2012-07-01"],
                ],
            )
        ]
    )
    job = _finished(_upload(client, world.branch_a, "名册.xlsx", good))
    assert (job.state, job.invited, job.updated) == (S.IMPORTED, 1, 1)
    inv = Invitation.objects.get()
    assert (inv.phone, inv.name, inv.member_status, inv.member_joined_on, inv.created_by) == (
        "+8613812345678",
        "刘一",
        PartyMember.Status.PROBATIONARY,
        date(2023, 7, 1),
        organizer,
    )
    assert PartyMember.objects.get(user=member).joined_on == date(2012, 7, 1)
    page = client.get(f"/roster/imports/{job.pk}/").content.decode()
    assert "已导入：邀请 1 人，更正 1 人" in page
    # The SMS went from the worker, after its transaction committed, with the invitation's link.
    [message] = wait_until(lambda: sms_file_read(sms_file), timeout=30, message="the worker's SMS")
    assert message.phone == "+8613812345678" and f"/invitations/{inv.token}/" in message.text
    assert sms.outbox == []


@pytest.mark.django_db(transaction=True)
def test_only_the_uploader_sees_an_import(world, organizer, staff, sms_worker):
    job = _upload(client_for(organizer), world.branch_a, "r.csv", "姓名,手机号\n刘一,13812345678\n".encode())
    _finished(job)
    assert client_for(staff).get(f"/roster/imports/{job.pk}/").status_code == 404
