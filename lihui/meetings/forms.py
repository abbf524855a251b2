from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lihui.people.models import Person
from lihui.regime.forms import DateInput, TimeInput
from lihui.regime.models import AgendaKind


class MoveForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DateInput())
    start_time = forms.TimeField(label=_("start time"), widget=TimeInput())
    duration_minutes = forms.IntegerField(label=_("duration (minutes)"), min_value=1, max_value=24 * 60)
    location = forms.CharField(label=_("location"), max_length=200, required=False)
    # Set once the person has seen that the day is a public holiday or company day off.
    holiday_ok = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def day_off_to_confirm(self) -> str:
        """The holiday on the chosen day, if the person has not yet confirmed it; else ""."""
        from lihui.regime.selectors import day_off_name

        if self.cleaned_data.get("holiday_ok"):
            return ""
        return day_off_name(day=self.cleaned_data["date"])

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "holiday_ok"}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.TextInput(attrs={"placeholder": _("e.g. Double 11 duty: no meeting this week")}))


class ExtraMeetingForm(MoveForm):
    pass


class ItemForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=AgendaKind.choices)
    presenter = forms.ModelChoiceField(label=_("presenter"), queryset=Person.objects.none(), required=False)
    minutes_allotted = forms.IntegerField(label=_("minutes allotted"), min_value=1, max_value=600)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    minutes_used = forms.IntegerField(label=_("minutes used"), min_value=0, max_value=600)
    reason = forms.CharField(label=_("reason for the amendment"), max_length=300)

    def __init__(self, *args, people=None, presenter_only: bool = False, amend: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = people if people is not None else Person.objects.none()
        if presenter_only:  # a presenter describes their own item; its place and time are the chair's
            for name in ("title", "kind", "presenter", "minutes_allotted"):
                del self.fields[name]
        if not amend:  # after the meeting only: the time used, and why the record changes
            del self.fields["minutes_used"], self.fields["reason"]


class AddItemForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=AgendaKind.choices, initial=AgendaKind.DISCUSSION)
    minutes_allotted = forms.IntegerField(label=_("minutes"), min_value=1, max_value=600, initial=10)


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("this meeting's purpose"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("One objective per line, on top of the standing purpose.")}),
    )


class MaterialForm(forms.Form):
    file = forms.FileField(label=_("pre-read material"), allow_empty_file=True)


class GuestForm(forms.Form):
    # Offered: guest_candidates(item) — active, non-admin colleagues not on the roster, by department.
    person = forms.ModelChoiceField(label=_("colleague"), queryset=Person.objects.none(), required=False)
    name = forms.CharField(label=_("or an outside guest's name"), max_length=100, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    reason = forms.CharField(label=_("reason"), max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": _("e.g. finance, for the budget item")}))

    def __init__(self, *args, item, **kwargs):
        from .selectors import guest_candidates

        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = guest_candidates(item=item)
        groups: dict[str, list] = {}
        for person in field.queryset:
            groups.setdefault(person.department.name if person.department_id else "", []).append((person.pk, person.name))
        no_department = groups.pop("", [])
        field.widget.choices = [("", "---------")] + [(name, rows) for name, rows in groups.items()]
        if no_department:
            field.widget.choices.append((gettext("No department"), no_department))
