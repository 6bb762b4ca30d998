"""The Django admin of hub, partyorgs and live sessions: every list with search and filters, the tree."""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from hub.models import Notification, User
from partyorgs.models import IncubatorTenant, Invitation, PartyOrganization, Role
from partyorgs.services import invitation_create
from tests import factories as f

pytestmark = pytest.mark.django_db

APPS = ("hub", "partyorgs")
LIVE_MODELS = ("livesession", "sessionaudience")


def _our_admins():
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if opts.app_label in APPS or (opts.app_label == "livestreams" and opts.model_name in LIVE_MODELS):
            yield model, model_admin


@pytest.fixture
def filled(world, organizer, member):
    """At least one row of every model, so that lists and filters have something to show."""
    alliance = f.AllianceFactory(region=world.sub_a, lead_organization=world.root_a)
    expert = f.ExpertFactory(institution=f.PartnerInstitutionFactory(alliance=alliance))
    inc = f.IncubatorFactory(building=world.building_a)
    f.IncubatorTenantFactory(incubator=inc, enterprise=world.enterprise_a)
    f.VenueFactory(region=world.sub_a, building=world.building_a)
    alliance.organizations.add(world.branch_a)
    f.LiveSessionFactory(host_organization=world.root_a, audience_orgs=[world.branch_a])
    invitation_create(user=organizer, email="x@example.com", role_kind="member", organization=world.branch_a)
    Notification.objects.create(user=member, kind="test", title="通知")
    return expert


def test_every_model_of_hub_and_partyorgs_is_in_the_admin():
    from django.apps import apps

    registered = {m for m, _ in _our_admins()}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            assert model in registered, model
    for model, model_admin in _our_admins():
        assert model_admin.search_fields, model
        assert model_admin.list_filter, model


def test_every_list_answers_with_a_search_and_each_filter(admin_client, filled):
    checked = 0
    for model, model_admin in _our_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"q": "淮河"}).status_code == 200, url
        changelist = model_admin.get_changelist_instance(admin_client.get(url).wsgi_request)
        for spec in changelist.filter_specs:
            for choice in list(spec.choices(changelist))[1:3]:
                resp = admin_client.get(url + choice["query_string"])
                assert resp.status_code == 200, (url, choice["query_string"])
                checked += 1
        if model_admin.has_add_permission(admin_client.get(url).wsgi_request):
            add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            assert admin_client.get(add).status_code == 200, add
        obj = model_admin.get_queryset(admin_client.get(url).wsgi_request).first()
        if obj is not None:
            change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
            assert admin_client.get(change).status_code == 200, change
    assert checked > 30


def test_the_organization_list_is_treebeards_tree(admin_client, world):
    resp = admin_client.get(reverse("admin:partyorgs_partyorganization_changelist"))
    assert "tree" in resp.templates[0].name
    html = resp.content.decode()
    assert "淮河路街道党工委" in html


def test_the_admin_adds_an_organization_under_a_parent(admin_client, world):
    resp = admin_client.post(
        reverse("admin:partyorgs_partyorganization_add"),
        {
            "name": "新党支部",
            "kind": PartyOrganization.Kind.BRANCH,
            "region": world.sub_a.pk,
            "treebeard_position": "first-child",
            "treebeard_ref_node": world.committee_a.pk,
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    node = PartyOrganization.objects.get(name="新党支部")
    assert PartyOrganization.objects.get_parent(node) == world.committee_a
    world.committee_a.refresh_from_db()
    assert node in world.committee_a.subtree()


def test_the_admin_creates_an_account_that_signs_in_by_email(admin_client, world):
    resp = admin_client.post(
        reverse("admin:hub_user_add"),
        {
            "email": "new.person@example.com",
            "usable_password": "true",
            "password1": "Xq9!long-pass",
            "password2": "Xq9!long-pass",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:3000]
    assert User.objects.get(email="new.person@example.com").check_password("Xq9!long-pass")


def test_the_admin_refuses_a_bad_credit_code_with_a_message_in_chinese(admin_client, world):
    resp = admin_client.post(
        reverse("admin:partyorgs_enterprise_add"),
        {
            "name": "坏代码公司",
            "credit_code": "91350100M000100Y44",
            "industry": "livestream",
            "region": world.sub_a.pk,
            "branch_mode": "none",
            "is_non_public": "on",
        },
    )
    assert resp.status_code == 200
    assert "校验码（最后一位）不正确" in resp.content.decode()


def test_the_admin_refuses_a_tenant_that_left_before_it_moved_in(admin_client, world):
    inc = f.IncubatorFactory(building=world.building_a)
    resp = admin_client.post(
        reverse("admin:partyorgs_incubatortenant_add"),
        {
            "incubator": inc.pk,
            "name": "团队",
            "kind": "maker_team",
            "industry": "tech",
            "status": "left",
            "moved_in_on": "2024-05-01",
            "left_on": "2024-04-01",
            "workstations": 1,
        },
    )
    assert resp.status_code == 200
    assert "迁出日期不能早于入驻日期" in resp.content.decode()
    assert not IncubatorTenant.objects.exists()


def test_invitations_are_withdrawn_in_the_admin_not_created_there(admin_client, filled):
    assert admin_client.get(reverse("admin:partyorgs_invitation_add")).status_code == 403
    inv = Invitation.objects.get()
    admin_client.post(
        reverse("admin:partyorgs_invitation_changelist"), {"action": "withdraw", "_selected_action": [inv.pk]}
    )
    inv.refresh_from_db()
    assert inv.status == "withdrawn"


def test_roles_are_granted_in_the_admin(admin_client, world, outsider):
    resp = admin_client.post(
        reverse("admin:partyorgs_role_add"),
        {"user": outsider.pk, "kind": "official", "region": world.district_a.pk},
    )
    assert resp.status_code == 302
    assert Role.objects.filter(user=outsider, kind="official").exists()
    resp = admin_client.post(
        reverse("admin:partyorgs_role_add"),
        {"user": outsider.pk, "kind": "official", "organization": world.root_a.pk},
    )
    assert resp.status_code == 200  # the role's scope must match its kind
    assert Role.objects.filter(user=outsider).count() == 1


def test_people_who_are_not_staff_do_not_get_in(client, organizer):
    client.force_login(organizer)
    resp = client.get(reverse("admin:partyorgs_enterprise_changelist"))
    assert resp.status_code == 302
    assert "/admin/login/" in resp["Location"]


def test_dates_in_the_admin_are_checked(admin_client, world):
    user = f.UserFactory()
    resp = admin_client.post(
        reverse("admin:partyorgs_partymember_add"),
        {
            "user": user.pk,
            "branch": world.branch_a.pk,
            "status": "full",
            "joined_on": date(2999, 1, 1).isoformat(),
        },
    )
    assert "入党日期不能晚于今天" in resp.content.decode()
    resp = admin_client.post(
        reverse("admin:partyorgs_partymember_add"),
        {"user": user.pk, "branch": world.branch_a.pk, "status": "full", "joined_on": "2020-02-30"},
    )
    assert "输入一个有效的日期" in resp.content.decode()
