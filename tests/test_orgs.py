"""The organization tree (/orgs/) and an organization's page (/orgs/<id>/)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partyorgs.models import PartyOrganization
from partyorgs.selectors import org_tree
from tests import factories as f

K = PartyOrganization.Kind
pytestmark = pytest.mark.django_db


def _tree_names(html: str) -> list[str]:
    return re.findall(r'data-org-id="\d+">\s*<a href="/orgs/\d+/">([^<]+)</a>', html)


def test_it_shows_the_organizers_subtree_with_member_counts(client, organizer, world):
    f.MemberFactory.create_batch(3, branch=world.branch_a)
    f.MemberFactory.create_batch(2, branch=world.branch_a2)
    f.MemberFactory(branch=world.branch_b)
    client.force_login(organizer)
    resp = client.get("/orgs/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert _tree_names(html) == ["淮河路街道党工委", "网红大厦党委", "孵化器联合党支部", "机关党支部"]
    assert "外街道党工委" not in html
    rows = {r.org.name: r for r in org_tree(user=organizer)}
    assert (rows["淮河路街道党工委"].total, rows["淮河路街道党工委"].members) == (5, 0)
    assert (rows["网红大厦党委"].total, rows["孵化器联合党支部"].members) == (3, 3)
    assert [
        rows[n].level for n in ["淮河路街道党工委", "网红大厦党委", "孵化器联合党支部", "机关党支部"]
    ] == [
        0,
        1,
        2,
        1,
    ]
    assert "5 名党员" in html


def test_it_nests_the_tree_as_well_formed_lists(client, organizer, world):
    client.force_login(organizer)
    html = client.get("/orgs/").content.decode()
    tree = html[html.index('<ul class="tree"') : html.index("</main>")]
    assert tree.count("<ul") == tree.count("</ul>")
    assert tree.count("<li") == tree.count("</li>")


def test_a_member_sees_their_branch_and_the_organizations_above_it(client, member, world):
    client.force_login(member)
    names = _tree_names(client.get("/orgs/").content.decode())
    assert names == ["淮河路街道党工委", "网红大厦党委", "孵化器联合党支部"]


def test_an_official_sees_every_organization_of_their_district(client, official, world):
    client.force_login(official)
    names = _tree_names(client.get("/orgs/").content.decode())
    assert set(names) == {"淮河路街道党工委", "网红大厦党委", "孵化器联合党支部", "机关党支部"}


def test_a_signed_in_person_without_a_role_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.get("/orgs/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    resp = client.get("/orgs/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/login/?next=/orgs/")


def _grow(parent, breadth: int, depth: int, members_per_branch: int = 1):
    """A tree under parent: `breadth` children per node, `depth` levels, members in every node."""
    level = [parent]
    for _ in range(depth):
        nxt = []
        for node in level:
            for _ in range(breadth):
                child = f.OrganizationFactory(parent=node, kind=K.BRANCH)
                f.MemberFactory.create_batch(members_per_branch, branch=child)
                nxt.append(child)
                node.refresh_from_db()
        level = nxt


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_tree_page_runs_the_same_number_of_queries_whatever_the_tree_size(
    client, organizer, world, django_assert_max_num_queries
):
    client.force_login(organizer)
    small = _queries_for(client, "/orgs/")
    _grow(world.branch_a2, breadth=3, depth=3)  # 39 more organizations, 39 members
    big = _queries_for(client, "/orgs/")
    assert big == small
    with django_assert_max_num_queries(12):
        client.get("/orgs/")
    assert PartyOrganization.objects.count() > 40


def test_an_organizations_page_runs_the_same_number_of_queries_whatever_the_tree_size(
    client, organizer, world
):
    client.force_login(organizer)
    url = f"/orgs/{world.root_a.pk}/"
    small = _queries_for(client, url)
    _grow(world.branch_a2, breadth=3, depth=3)
    f.MemberFactory.create_batch(5, branch=world.root_a)
    assert _queries_for(client, url) == small


def test_a_subtree_is_one_query(world, django_assert_num_queries):
    _grow(world.committee_a, breadth=2, depth=3)
    world.root_a.refresh_from_db()
    with django_assert_num_queries(1):
        names = [o.name for o in world.root_a.subtree()]
    assert len(names) == 1 + 1 + 1 + 1 + 14


def test_an_organizations_page_shows_children_counts_and_the_roster_to_its_organizer(
    client, organizer, world
):
    f.MemberFactory(branch=world.branch_a, user=f.UserFactory(name="周党员"))
    client.force_login(organizer)
    html = client.get(f"/orgs/{world.committee_a.pk}/").content.decode()
    assert "孵化器联合党支部" in html
    assert "1 名党员" in html
    client.force_login(organizer)
    html = client.get(f"/orgs/{world.branch_a.pk}/").content.decode()
    assert "周党员" in html
    assert "邀请" in html  # the organizer may invite into it


def test_a_member_sees_their_branch_page_without_the_roster(client, member, world):
    other = f.MemberFactory(branch=world.branch_a, user=f.UserFactory(name="吴同志"))
    client.force_login(member)
    resp = client.get(f"/orgs/{world.branch_a.pk}/")
    assert resp.status_code == 200
    assert other.user.name not in resp.content.decode()
    assert "本组织 2 人" in resp.content.decode()


def test_organizations_outside_the_scope_do_not_exist(client, organizer, member, world):
    client.force_login(organizer)
    assert client.get(f"/orgs/{world.root_b.pk}/").status_code == 404
    client.force_login(member)
    assert client.get(f"/orgs/{world.branch_a2.pk}/").status_code == 404


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999", "0"])
def test_unknown_or_malformed_ids_answer_404(client, staff, pk):
    client.force_login(staff)
    assert client.get(f"/orgs/{pk}/").status_code == 404
    assert client.get("/orgs/abc/").status_code == 404
