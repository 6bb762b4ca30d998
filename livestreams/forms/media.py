"""Forms of the media area: what the media server posts to its callbacks, and the recorded lecture upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from livestreams.services.media.tools import CONTAINERS


class CallbackForm(forms.Form):
    """What nginx-rtmp posts (application/x-www-form-urlencoded); the publisher's ?key= comes along."""

    # Not stripped: the stream name and key are checked exactly as nginx-rtmp uses them.
    name = forms.CharField(max_length=200, strip=False)
    clientid = forms.CharField(max_length=32)
    key = forms.CharField(max_length=200, required=False, strip=False)
    addr = forms.GenericIPAddressField(required=False)
    path = forms.CharField(max_length=1000, required=False)


class LectureForm(forms.Form):
    video = forms.FileField(
        label=gettext_lazy("Video file of the lecture"),
        help_text=gettext_lazy(
            "MP4 (H.264 and AAC) is broadcast as it is; other formats are converted while broadcasting."
        ),
        # The containers the upload takes (the server checks them again, by name and by content).
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(CONTAINERS)}),
    )
