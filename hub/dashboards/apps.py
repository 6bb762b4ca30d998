from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """An app of its own so that Celery discovers hub.dashboards.tasks like every other app's tasks."""

    name = "hub.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")
