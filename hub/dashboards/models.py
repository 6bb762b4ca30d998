"""Tallies of sessions that have ended, so that the dashboards add up a few rows per session instead of
scanning every presence and attendance record.

Celery writes them (hub.dashboards.services.tallies_refresh) a few minutes after a session ends, once its
presence intervals and attendance records are final; the selectors count sessions without a tally from
the raw records, so the figures are the same before and after.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionTally(models.Model):
    """One ended session: the distinct people present in its room. Its presence never changes afterwards."""

    session = models.OneToOneField(
        "livestreams.LiveSession", primary_key=True, on_delete=models.CASCADE, related_name="dashboard_tally"
    )
    viewers = models.PositiveIntegerField(_("distinct viewers"))
    counted_at = models.DateTimeField(_("counted"))

    class Meta:
        verbose_name = _("session tally")
        verbose_name_plural = _("session tallies")

    def __str__(self):
        return f"{self.session_id}: {self.viewers}"


class BranchAttendanceTally(models.Model):
    """One ended Party class, one branch: attendance records of the branch's members, added up."""

    session = models.ForeignKey(
        "livestreams.LiveSession", on_delete=models.CASCADE, related_name="dashboard_attendance"
    )
    branch = models.ForeignKey("partyorgs.PartyOrganization", on_delete=models.CASCADE, related_name="+")
    records = models.PositiveIntegerField(_("records"))
    attended = models.PositiveIntegerField(_("attended"))
    excused = models.PositiveIntegerField(_("excused"))

    class Meta:
        verbose_name = _("branch attendance tally")
        verbose_name_plural = _("branch attendance tallies")
        constraints = [
            models.UniqueConstraint(fields=["session", "branch"], name="dashboards_attendance_tally_unique")
        ]

    def __str__(self):
        return f"{self.session_id}/{self.branch_id}: {self.attended}/{self.records}"
