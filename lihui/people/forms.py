from django import forms
from django.utils.translation import gettext_lazy as _

from lihui.regime.forms import time_zone_choices

from .models import Person


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices)

    class Meta:
        model = Person
        fields = ["language", "time_zone"]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("token name"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("e.g. project tracker sync")}))
