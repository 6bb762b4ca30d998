from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyorgsConfig(AppConfig):
    name = "partyorgs"
    verbose_name = _("Party organizations and enterprises")
