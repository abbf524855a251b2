from django import forms
from django.utils.translation import gettext_lazy as _

from lihui.regime.forms import DateInput, TimeInput


class MoveForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DateInput())
    start_time = forms.TimeField(label=_("start time"), widget=TimeInput())
    duration_minutes = forms.IntegerField(label=_("duration (minutes)"), min_value=1, max_value=24 * 60)
    location = forms.CharField(label=_("location"), max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.TextInput(attrs={"placeholder": _("e.g. Double 11 duty: no meeting this week")}))


class ExtraMeetingForm(MoveForm):
    pass
