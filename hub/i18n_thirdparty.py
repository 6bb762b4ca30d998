"""msgids of Django and django-allauth whose Chinese in the libraries' own catalogs is mixed with English
("Email地址", "token") or missing (a msgid Django 5.2 changed). They are listed here only so that makemessages
keeps them in our catalog (locale/zh_Hans), which LOCALE_PATHS puts before the libraries' catalogs; our
Chinese then wins on every allauth page, message and email. Nothing imports this module.

When allauth or Django is upgraded, tests/test_allauth_pages.py finds any new English on the pages."""

from django.utils.translation import gettext_noop as _
from django.utils.translation import ngettext_lazy

ALLAUTH = [
    _("Email Addresses"),
    _("Email Address"),
    _("The following email addresses are associated with your account:"),
    _("Primary"),
    _("Re-send Verification"),
    _("Add Email Address"),
    _("Add Email"),
    _("Do you really want to remove the selected email address?"),
    _("Current email"),
    _("Change Email"),
    _("Confirm Email Address"),
    _("Verify Your Email Address"),
    _("Username or email"),
    _("The password reset token was invalid."),
    _("Bad Token"),
    _("Hello from %(site_name)s!"),
    _("Email Changed"),
    _("Email Removed"),
    _("Email Confirmation"),
    _("Please Confirm Your Email Address"),
    _("Your email has been confirmed."),
    _("Email address %(deleted_email)s has been removed from your account."),
    _("You cannot remove your primary email address (%(email)s)."),
    _("You have confirmed %(email)s."),
    _("Removed email address %(email)s."),
    _("Primary email address set."),
]

DJANGO = [
    _("Enter a valid email address."),
    # Django 5.2 changed this msgid (%(min_length)d → %d); its zh_Hans catalog still has the old one only.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
]
