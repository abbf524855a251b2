from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kpi


class ReportForm(forms.Form):
    progress = forms.CharField(label=_("progress"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    problems = forms.CharField(label=_("problems and risks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label=_("next-period plan"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(label=_("customer feedback and market notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class KpiForm(forms.ModelForm):
    class Meta:
        model = Kpi
        fields = ["name", "unit", "higher_is_better", "default_target"]
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": _("e.g. on-time shipping rate"), "class": "kpi-name"}),
            "unit": forms.TextInput(attrs={"placeholder": _("unit, e.g. %"), "class": "kpi-unit"}),
            "default_target": forms.TextInput(attrs={"placeholder": _("default target"), "class": "kpi-target", "inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the row has no visible labels: each input names itself
            field.widget.attrs.setdefault("aria-label", str(field.label)[:1].upper() + str(field.label)[1:])
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
