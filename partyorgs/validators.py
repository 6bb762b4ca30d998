"""Validators for identifiers of Chinese organizations."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the code uses the digits and 21 capital letters (no I, O, S, V, Z).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# GB 11714-1997 organization code embedded at positions 9-17.
_ORG_CODE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 characters are given."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(_ORG_CODE_CHARSET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_credit_code(value: str) -> None:
    """Check a unified social credit code (统一社会信用代码) against GB 32100-2015."""
    code = (value or "").strip()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _(
                "The code contains characters that are not allowed: %(chars)s (use digits and capital letters without I, O, S, V, Z)."
            ),
            code="charset",
            params={"chars": " ".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 must be the digits of an administrative division code."), code="division"
        )
    if code[17] != credit_code_check_char(code[:17]):
        raise ValidationError(
            _("The check character (the last one) does not match; please check the code."), code="check"
        )


def make_credit_code(prefix: str, division: str, org_body: str) -> str:
    """Build a valid code from its parts: 2-char prefix, 6-digit division, 8-char organization body.

    Used by demo data and factories, which need many distinct valid codes.
    """
    org = org_body + org_code_check_char(org_body)
    first17 = prefix + division + org
    return first17 + credit_code_check_char(first17)
