"""factory_boy factories for every model the tests need. Personas live in conftest.py."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from hub.models import User
from livestreams.models import (
    Comment,
    LiveSession,
    PartyClass,
    PresenceInterval,
    SalesSession,
    SessionAudience,
    Studio,
)
from partyorgs.models import (
    Alliance,
    Building,
    Enterprise,
    Expert,
    Incubator,
    IncubatorTenant,
    Industry,
    PartnerInstitution,
    PartyMember,
    PartyOrganization,
    Region,
    Role,
    Venue,
)
from partyorgs.validators import make_credit_code


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        # allauth requires a verified address to sign in (mandatory verification).
        if create:
            from allauth.account.models import EmailAddress

            obj.save()
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区{n}")
    kind = Region.Kind.DISTRICT


class SubdistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"街道{n}")
    kind = Region.Kind.SUBDISTRICT
    parent = factory.SubFactory(DistrictFactory)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """Creates roots, or children when `parent=` is given (treebeard needs add_root/add_child).

    A child is in its parent's region unless one is given."""

    class Meta:
        model = PartyOrganization

    name = factory.Sequence(lambda n: f"党组织{n}")
    kind = PartyOrganization.Kind.BRANCH
    parent = None
    region = factory.LazyAttribute(lambda o: o.parent.region if o.parent else SubdistrictFactory())

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is not None:
            node = model_class.objects.add_child(parent, create_kwargs=kwargs)
            parent.refresh_from_db()
            return node
        return model_class.objects.add_root(create_kwargs=kwargs)


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    name = factory.Sequence(lambda n: f"大厦{n}")
    kind = Building.Kind.BUILDING
    region = factory.SubFactory(SubdistrictFactory)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"党群服务中心{n}")
    kind = Venue.Kind.SERVICE_CENTER
    region = factory.SubFactory(SubdistrictFactory)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试电子商务有限公司{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code("91", "410103", f"T{n:07d}"))
    industry = Industry.LIVESTREAM
    region = factory.SubFactory(SubdistrictFactory)


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance

    name = factory.Sequence(lambda n: f"党建联盟{n}")
    region = factory.SubFactory(SubdistrictFactory)
    lead_organization = factory.SubFactory(OrganizationFactory, kind=PartyOrganization.Kind.WORKING_COMMITTEE)


class PartnerInstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerInstitution

    alliance = factory.SubFactory(AllianceFactory)
    name = factory.Sequence(lambda n: f"大学{n}")
    kind = PartnerInstitution.Kind.UNIVERSITY


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    institution = factory.SubFactory(PartnerInstitutionFactory)
    name = factory.Sequence(lambda n: f"专家{n}")
    title = "教授"


class IncubatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incubator

    name = factory.Sequence(lambda n: f"孵化器{n}")
    building = factory.SubFactory(BuildingFactory)
    workstations = 30


class IncubatorTenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncubatorTenant

    incubator = factory.SubFactory(IncubatorFactory)
    name = factory.Sequence(lambda n: f"创客团队{n}")
    kind = IncubatorTenant.Kind.MAKER_TEAM
    industry = Industry.TECH
    moved_in_on = date(2024, 1, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyMember

    user = factory.SubFactory(UserFactory)
    branch = factory.SubFactory(OrganizationFactory)
    joined_on = date(2015, 7, 1)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)


def _later(hours: float):
    return factory.LazyFunction(lambda: timezone.now() + timedelta(hours=hours))


class LiveSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveSession
        skip_postgeneration_save = True

    kind = LiveSession.Kind.PARTY_CLASS
    title = factory.Sequence(lambda n: f"红色直播党课{n}")
    host_organization = factory.SubFactory(OrganizationFactory)
    region = factory.LazyAttribute(
        lambda o: o.host_organization.region if o.host_organization else o.host_enterprise.region
    )
    starts_at = _later(1)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    status = LiveSession.Status.SCHEDULED

    @factory.post_generation
    def audience_orgs(obj, create, extracted, **kwargs):
        """audience_orgs=[org, ...] adds them with their subtrees."""
        for org in extracted or []:
            SessionAudience.objects.create(session=obj, organization=org, include_subtree=True)


class PartyClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyClass

    session = factory.SubFactory(LiveSessionFactory)
    class_kind = PartyClass.ClassKind.PARTY_LECTURE


class SalesSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesSession

    session = factory.SubFactory(
        LiveSessionFactory,
        kind=LiveSession.Kind.SALES,
        host_organization=None,
        host_enterprise=factory.SelfAttribute("..enterprise"),
        visibility=LiveSession.Visibility.PUBLIC,
    )
    enterprise = factory.SubFactory(EnterpriseFactory)
    platform = SalesSession.Platform.DOUYIN


class StudioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Studio

    building = factory.SubFactory(BuildingFactory)
    name = factory.Sequence(lambda n: f"直播间{n}")
    opens_at = "08:00"
    closes_at = "22:00"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    session = factory.SubFactory(LiveSessionFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"评论{n}")


class PresenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PresenceInterval

    session = factory.SubFactory(LiveSessionFactory)
    user = factory.SubFactory(UserFactory)
    joined_at = factory.LazyAttribute(lambda o: o.session.starts_at)
    left_at = factory.LazyAttribute(lambda o: o.session.ends_at)
