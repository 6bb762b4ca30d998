from decimal import Decimal

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _

from livestreams.models import LiveSession, PartyClass

register = template.Library()


def live_now_labels() -> dict:
    """Display names for the live lists in the browser: the socket's events carry codes, not words."""
    return {
        "kinds": {k: str(v) for k, v in LiveSession.Kind.choices},
        "class_kinds": {k: str(v) for k, v in PartyClass.ClassKind.choices},
        "statuses": {k: str(v) for k, v in LiveSession.Status.choices},
        # {n} is replaced by the number in the browser.
        "viewers": _("{n} watching"),
        "empty": _("Nothing is live right now."),
        "reconnecting": _("Connection lost, reconnecting…"),
    }


@register.simple_tag
def live_now_labels_script(element_id: str = "live-now-labels"):
    return json_script(live_now_labels(), element_id)


def dashboard_labels() -> dict:
    """Words the charts draw in the browser; {n}, {total}, {rate}, {quarter} and {at} are filled there."""
    return {
        "gmv": _("GMV (yuan)"),
        "growth": _("Growth over the previous month (%)"),
        "rate": _("Attendance rate (%)"),
        "overall": _("Overall attendance rate: {rate}%"),
        "days": _("Days since the last Party class"),
        "days_unit": _("{n} days"),
        "never": _("never held"),
        "of_total": _("{n} of {total} branches held no Party class in {quarter}."),
        "all_held": _("Every branch held a Party class in {quarter}."),
        "no_data": _("No data for this period"),
        "as_of": _("figures as of {at}"),
        "prev_none": _("no sales the month before"),
        "over_prev": _("over the previous month"),
        "load_failed": _("This chart could not be loaded; it will be tried again."),
    }


@register.simple_tag
def dashboard_labels_script(element_id: str = "dashboard-labels"):
    return json_script(dashboard_labels(), element_id)


@register.filter
def grouped(value, decimals: int = 0):
    """1234567.5 -> "1,234,567.50" with `decimals` places: the grouping the browser's Intl zh-CN uses too,
    whatever the language's own format says (the charts and the cards must read the same)."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
        return f"{number:,.{int(decimals)}f}" if decimals else f"{round(number):,}"
    except (ArithmeticError, TypeError, ValueError):
        return value
