"""The demo member signs in with an SMS code too (issue 14)."""

import pytest
from django.core.cache import cache
from django.test import Client

from hub import sms
from hub.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_member_signs_in_with_an_sms_code(seeded_demo):
    cache.clear()
    sms.outbox.clear()
    member = User.objects.get(email="member@example.com")
    assert member.phone == "+8613800000001" and member.phone_verified
    c = Client()
    r = c.post("/accounts/login/code/", {"phone": "138 0000 0001"})
    r = c.post(r["Location"], {"code": sms.outbox[-1].params["code"]})
    assert r.status_code == 302 and int(c.session["_auth_user_id"]) == member.pk
