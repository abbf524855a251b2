from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QUESTIONS
from .services import MAX_TEXT

# The labels under the 1–5 row: agreement, from 1 to 5.
SCALE = [
    (1, _("Strongly disagree")),
    (2, _("Disagree")),
    (3, _("Neutral")),
    (4, _("Agree")),
    (5, _("Strongly agree")),
]
# "Overall" is a rating, not a statement to agree with.
RATING = [
    (1, _("Very poor")),
    (2, _("Poor")),
    (3, _("Fair")),
    (4, _("Good")),
    (5, _("Very good")),
]


class SurveyForm(forms.Form):
    """Five 1–5 questions, a comment and one suggestion. Checks types and ranges; the
    service checks the same again (the API comes in without this form)."""

    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    suggestion = forms.CharField(
        label=_("One suggestion"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What one change would make the next meeting better?"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scores = {}
        for name, label in QUESTIONS:
            scores[name] = forms.TypedChoiceField(
                label=label,
                choices=RATING if name == "overall" else SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose a score from 1 to 5."),
                    "invalid_choice": _("The score must be a whole number from 1 to 5."),
                },
            )
        self.fields = {**scores, **self.fields}

    def score_fields(self):
        return [self[name] for name, _label in QUESTIONS]

    def scores(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name, _label in QUESTIONS}
