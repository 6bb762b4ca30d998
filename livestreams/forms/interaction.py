"""The form that prepares a poll or quiz question for a class (livestreams.services.interaction.poll_save)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from livestreams.models import Poll
from livestreams.models.interaction import POLL_MAX_OPTIONS, POLL_OPTION_MAX_LENGTH, POLL_PROMPT_MAX_LENGTH


class PollForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Poll.Kind.choices, widget=forms.RadioSelect, initial="poll"
    )
    prompt = forms.CharField(label=_("Question"), max_length=POLL_PROMPT_MAX_LENGTH)
    multiple = forms.BooleanField(label=_("Several answers allowed"), required=False)
    options = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One option a line, 2 to %(n)d options.") % {"n": POLL_MAX_OPTIONS},
    )
    correct = forms.CharField(
        label=_("Right answers (quiz)"),
        required=False,
        max_length=40,
        help_text=_("The numbers of the right options, e.g. 2 or 1,3. Only for a quiz question."),
    )

    def clean_options(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]
        if any(len(line) > POLL_OPTION_MAX_LENGTH for line in lines):
            raise ValidationError(
                _("An option can be at most %(n)d characters.") % {"n": POLL_OPTION_MAX_LENGTH}
            )
        return lines

    def clean_correct(self) -> list[int]:
        raw = self.cleaned_data["correct"].strip()
        if not raw:
            return []
        parts = [p for p in re.split(r"[,，、\s]+", raw) if p]
        if not all(p.isdigit() and len(p) <= 2 for p in parts):
            raise ValidationError(_("Write the numbers of the right options, e.g. 2 or 1,3."))
        return sorted({int(p) for p in parts})

    @classmethod
    def for_poll(cls, poll: Poll) -> PollForm:
        options = list(poll.options.all())
        return cls(
            initial={
                "kind": poll.kind,
                "prompt": poll.prompt,
                "multiple": poll.multiple,
                "options": "\n".join(o.text for o in options),
                "correct": ",".join(str(i) for i, o in enumerate(options, start=1) if o.is_correct),
            }
        )
