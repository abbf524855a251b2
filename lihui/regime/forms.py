from functools import lru_cache

from django import forms
from django.utils.translation import gettext_lazy as _

from lihui.people.models import Person, known_time_zones

from .models import AgendaKind, CadenceWindow, Membership, PresenterRole, Series, Weekday
from .services import SERIES_FIELDS, WINDOW_FIELDS, RosterEntry


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(known_time_zones()) if "/" in z or z == "UTC"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class CadenceFormMixin(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"), choices=Weekday.choices, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = list(self.instance.weekday_list)

    def cadence_data(self, names: list[str]) -> dict:
        data = {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}
        data["weekdays"] = ",".join(str(d) for d in sorted(set(data.get("weekdays") or [])))
        return data

    def _post_clean(self):
        # Validation of the cadence belongs to the service (one path for forms and API);
        # the view maps its errors back onto the fields.
        pass


class SeriesForm(CadenceFormMixin):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices)
    video_link = forms.URLField(
        label=_("video-meeting link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://meeting.tencent.com/…"}),
    )

    class Meta:
        model = Series
        fields = [f for f in SERIES_FIELDS]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3, "placeholder": _("Review last week\nIdentify current challenges\nAgree next week's strategy")}),
            "start_date": DateInput(),
            "end_date": DateInput(),
            "start_time": TimeInput(),
        }

    # Added with delivery: a form (or script) that predates them keeps the series' value.
    KEEP_WHEN_EMPTY = (
        "reminder_minutes", "escalate_after_days", "survey_open_days", "survey_target_percent",
        "start_tolerance_minutes", "end_tolerance_minutes", "review_period",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.KEEP_WHEN_EMPTY:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in self.KEEP_WHEN_EMPTY:
            if data.get(name) in (None, "") and name not in self.errors:
                data[name] = getattr(self.instance, name) if self.instance.pk else Series._meta.get_field(name).default
        return data

    def data_for_service(self) -> dict:
        return self.cadence_data(SERIES_FIELDS)


class WindowForm(CadenceFormMixin):
    class Meta:
        model = CadenceWindow
        fields = WINDOW_FIELDS
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "start_time": TimeInput()}

    def __init__(self, *args, series: Series, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_time"].required = False
        self.fields["duration_minutes"].required = False
        self.fields["start_time"].help_text = _("Empty: the series' time.")
        self.fields["duration_minutes"].help_text = _("Empty: the series' duration.")

    def data_for_service(self) -> dict:
        data = self.cadence_data(WINDOW_FIELDS)
        return {k: v for k, v in data.items() if not (k in ("start_time", "duration_minutes") and v is None)}


def person_label(person) -> str:
    if person.department_id:
        return _("%(name)s (%(department)s)") % {"name": person.name, "department": person.department}
    return person.name


class RosterRowForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none(), required=False)
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
    rotation_position = forms.IntegerField(label=_("rotation"), min_value=1, max_value=99, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else Person.objects.filter(is_active=True)
        self.fields["person"].label_from_instance = person_label


class BaseRosterFormSet(forms.BaseFormSet):
    def __init__(self, *args, people=None, **kwargs):
        self.people = people
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"people": self.people}

    def entries(self) -> list[RosterEntry]:
        return [
            RosterEntry(person=f.cleaned_data["person"], role=f.cleaned_data["role"], rotation_position=f.cleaned_data.get("rotation_position"))
            for f in self.forms
            if f.cleaned_data.get("person") and not f.cleaned_data.get("DELETE")
        ]


RosterFormSet = forms.formset_factory(RosterRowForm, formset=BaseRosterFormSet, extra=3, max_num=200, validate_max=True)


class TemplateRowForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=AgendaKind.choices)
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    presenter_role = forms.ChoiceField(label=_("presenter"), choices=PresenterRole.choices, required=False)
    presenter = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none(), required=False)
    minutes = forms.IntegerField(label=_("minutes"), min_value=1, max_value=600, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = people if people is not None else Person.objects.none()


class BaseTemplateFormSet(forms.BaseFormSet):
    def __init__(self, *args, people=None, **kwargs):
        self.people = people
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"people": self.people}

    def items(self) -> list[dict]:
        """Rows with a title, in order; a row without a title is dropped."""
        out = []
        for f in self.forms:
            data = f.cleaned_data
            if not data or not (data.get("title") or "").strip():
                continue
            out.append(
                {
                    "kind": data["kind"],
                    "title": data["title"].strip(),
                    "presenter_role": data.get("presenter_role") or "",
                    "presenter": data.get("presenter") if not data.get("presenter_role") else None,
                    "minutes": data.get("minutes") or 10,
                }
            )
        return out


TemplateFormSet = forms.formset_factory(TemplateRowForm, formset=BaseTemplateFormSet, extra=2, max_num=60, validate_max=True)
