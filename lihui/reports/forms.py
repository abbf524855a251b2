from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kpi


class KpiForm(forms.ModelForm):
    class Meta:
        model = Kpi
        fields = ["name", "unit", "higher_is_better", "default_target"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": _("e.g. on-time shipping rate")})}
