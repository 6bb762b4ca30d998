"""The language switcher (hub.views.language_set, at Django's /i18n/setlang/ address), extended in issue 14
(l14lang) to store a signed-in person's choice. Opened with GET it changes nothing and sends everyone back
to the page they came from (the home page here); choosing is a POST (tests/test_l14lang_views.py)."""

EVERYONE = ["organizer", "merchant", "official", "member", "outsider", "staff", "anonymous"]


def setup(w):
    pass


def pages(w):
    yield "/i18n/setlang/", dict.fromkeys(EVERYONE, 302)
    yield "/i18n/setlang/?next=/accounts/profile/", dict.fromkeys(EVERYONE, 302)
