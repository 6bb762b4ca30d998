"""Validators with bad input: unified social credit codes (GB 32100-2015) and dates."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from partyorgs.models import IncubatorTenant, Invitation, PartyMember
from partyorgs.validators import credit_code_check_char, make_credit_code, validate_credit_code
from tests import factories as f

S = IncubatorTenant.Status


@pytest.mark.parametrize(
    "code",
    # Published codes of real companies, and one built by the demo helper.
    [
        "91350100M000100Y43",
        "91110108551385082Q",
        "9144030071526726XG",
        "91440300708461136T",
        make_credit_code("91", "410103", "MA000001"),
    ],
)
def test_it_accepts_valid_credit_codes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    "code, message",
    [
        ("", "应为18位"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100Y433", "应为18位"),
        ("91350100m000100y43", "不允许的字符"),
        ("91350100M0001I0Y43", "不允许的字符"),  # I is not used by GB 32100
        ("91350100M000100Z43", "不允许的字符"),
        ("9135010OM000100Y43", "不允许的字符"),
        ("91AB0100M000100Y43", "行政区划"),
        ("91350100M000100Y44", "校验码"),
        ("913100007178869886", "校验码"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "不允许的字符"),  # full-width characters
    ],
)
def test_it_refuses_bad_credit_codes_with_a_message_in_chinese(code, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        validate_credit_code(code)
    assert message in " ".join(err.value.messages)


def test_every_single_character_typo_is_caught():
    """A valid code with any one character changed fails its check character (or charset)."""
    code = "91350100M000100Y43"
    for i in range(17):
        for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            typo = code[:i] + c + code[i + 1 :]
            if typo != code and typo[2:8].isdigit():
                assert credit_code_check_char(typo[:17]) != code[17] or typo == code, typo


@pytest.mark.django_db
def test_the_enterprise_model_refuses_a_bad_code(world):
    ent = f.EnterpriseFactory.build(region=world.sub_a, credit_code="91350100M000100Y44")
    with pytest.raises(ValidationError) as err:
        ent.full_clean()
    assert "credit_code" in err.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, moved_in, left, field",
    [
        (S.MOVED_IN, date.today() + timedelta(days=3), None, "moved_in_on"),
        (S.MOVED_IN, date(2024, 1, 1), date(2024, 6, 1), "left_on"),
        (S.GRADUATED, date(2024, 1, 1), None, "left_on"),
        (S.LEFT, date(2024, 6, 1), date(2024, 1, 1), "left_on"),
    ],
)
def test_tenant_dates_must_make_sense(world, status, moved_in, left, field):
    tenant = f.IncubatorTenantFactory.build(
        incubator=f.IncubatorFactory(building=world.building_a),
        status=status,
        moved_in_on=moved_in,
        left_on=left,
    )
    with pytest.raises(ValidationError) as err:
        tenant.full_clean()
    assert field in err.value.message_dict


@pytest.mark.django_db
def test_a_tenant_that_graduated_after_moving_in_is_fine(world):
    tenant = f.IncubatorTenantFactory.build(
        incubator=f.IncubatorFactory(building=world.building_a),
        status=S.GRADUATED,
        moved_in_on=date(2022, 1, 1),
        left_on=date(2024, 1, 1),
    )
    tenant.full_clean()


@pytest.mark.django_db
def test_a_member_cannot_join_in_the_future_or_outside_a_branch(world):
    user = f.UserFactory()
    with pytest.raises(ValidationError, match="入党日期不能晚于今天"):
        PartyMember(
            user=user, branch=world.branch_a, joined_on=timezone.localdate() + timedelta(days=1)
        ).full_clean()
    with pytest.raises(ValidationError, match="党员必须隶属于一个党支部"):
        PartyMember(user=user, branch=world.committee_a, joined_on=date(2020, 7, 1)).full_clean()
    PartyMember(user=user, branch=world.branch_a, joined_on=date(2020, 7, 1)).full_clean()


@pytest.mark.django_db
def test_an_invitations_scope_must_match_its_role(world):
    base = {
        "email": "a@example.com",
        "expires_at": timezone.now() + timedelta(days=1),
        "created_by": f.UserFactory(),
    }
    with pytest.raises(ValidationError) as err:
        Invitation(role_kind="official", organization=world.root_a, **base).full_clean()
    assert "region" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        Invitation(role_kind="member", organization=world.branch_a, region=world.sub_a, **base).full_clean()
    assert "region" in err.value.message_dict
    Invitation(role_kind="merchant", enterprise=world.enterprise_a, **base).full_clean()
