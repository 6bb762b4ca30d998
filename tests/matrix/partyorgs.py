"""Pages of the registry: organizations, enterprises, incubators. Anyone with a role may open the lists;
objects outside a persona's scope answer 404; a signed-in person without a role gets 403."""

from tests import factories as f


def setup(w):
    world = w.world
    w.incubator_a = f.IncubatorFactory(name="白鲸·孵化器", building=world.building_a)
    w.incubator_b = f.IncubatorFactory(name="外孵化器", building=world.building_b)
    # The merchant's enterprise is a tenant of the incubator of subdistrict A.
    f.IncubatorTenantFactory(incubator=w.incubator_a, name="丝路优选", enterprise=world.enterprise_a)


ROLES = {"organizer": 200, "merchant": 200, "official": 200, "member": 200, "staff": 200}
NO_ROLE = {"outsider": 403, "anonymous": 302}


def pages(w):
    world = w.world
    yield "/orgs/", {**ROLES, **NO_ROLE}
    yield "/enterprises/", {**ROLES, **NO_ROLE}
    yield "/enterprises/?industry=bad&building=x&page=-1", {**ROLES, **NO_ROLE}
    yield "/incubators/", {**ROLES, **NO_ROLE}
    # Subdistrict A: the organizer manages it all, the official reads the district, the member sees the
    # branch and the organizations above it, the merchant the organization of their enterprise.
    yield (
        f"/orgs/{world.root_a.pk}/",
        {"organizer": 200, "official": 200, "member": 200, "staff": 200, **NO_ROLE},
    )
    yield f"/orgs/{world.branch_a.pk}/", {**ROLES, **NO_ROLE}
    yield f"/orgs/{world.branch_a2.pk}/", {"organizer": 200, "official": 200, "staff": 200, **NO_ROLE}
    yield f"/enterprises/{world.enterprise_a.pk}/", {**ROLES, **NO_ROLE}
    yield f"/incubators/{w.incubator_a.pk}/", {**ROLES, **NO_ROLE}
    # Subdistrict B is outside every persona's scope but staff's.
    yield f"/orgs/{world.root_b.pk}/", {"staff": 200, **NO_ROLE}
    yield f"/orgs/{world.branch_b.pk}/", {"staff": 200, **NO_ROLE}
    yield f"/enterprises/{world.enterprise_b.pk}/", {"staff": 200, **NO_ROLE}
    yield f"/incubators/{w.incubator_b.pk}/", {"staff": 200, **NO_ROLE}
    # Ids that do not exist.
    yield "/orgs/99999999999999999999/", {**NO_ROLE, "staff": 404}
    yield "/enterprises/0/", {**NO_ROLE, "staff": 404}
