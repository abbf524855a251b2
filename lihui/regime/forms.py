from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lihui.people.models import Person
from lihui.people.selectors import people_meant, people_named
from lihui.people.timezones import time_zone_choices
from lihui.web import length_messages

from .models import AgendaKind, CadenceWindow, Membership, PresenterRole, Series, Weekday
from .services import SERIES_FIELDS, WINDOW_FIELDS, RosterEntry


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
        length_messages(self)

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
    record_history = forms.BooleanField(
        label=_("Enter the meetings since the start date as history (补录)"),
        required=False,
        help_text=_("Only for a start date in the past. Unticked, planning starts with the next meeting, numbered 1."),
    )
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
        self.fields["time_zone"].choices = time_zone_choices(current=self.instance.time_zone if self.instance.pk else None)
        if self.instance.pk:
            del self.fields["record_history"]  # a choice made when the series is created

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
    # A person picker (people/_person_picker.html), not a <select> of the whole organisation:
    # `person` is its hidden id; `person_name` its text, resolved by name when sent without an
    # id that matches it (no JS). A POST without `person_name` is decided by the id alone.
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none(), required=False, widget=forms.HiddenInput)
    person_name = forms.CharField(label=_("person"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
    rotation_position = forms.IntegerField(label=_("rotation"), min_value=1, max_value=99, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else Person.objects.filter(is_active=True)
        self.fields["person"].label_from_instance = person_label
        self.person_text = ""  # what the picker shows; BaseRosterFormSet.forms fills it

    def clean(self):
        data = super().clean()
        if not self.is_bound or self.add_prefix("person_name") not in self.data:
            return data
        typed, person = data.get("person_name") or "", data.get("person")
        if "person" in self.errors and typed:
            del self.errors["person"]  # a stale id: the typed name decides
        if not typed:
            data["person"] = None  # the picker was emptied: no one on this row
        elif person is None or person.name != typed:
            data["person"] = None
            matches = people_meant(typed=typed, rows=people_named(name=typed))
            found = self.fields["person"].queryset.filter(pk=matches[0]["id"]).first() if len(matches) == 1 else None
            if found is not None:
                data["person"] = found
            elif len(matches) > 1:
                self.add_error("person", gettext("Several people are called “%(name)s”; choose one of them.") % {"name": typed})
            else:
                self.add_error("person", gettext("No one is called “%(name)s”.") % {"name": typed})
        return data


class BaseRosterFormSet(forms.BaseFormSet):
    def __init__(self, *args, people=None, **kwargs):
        self.people = people
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"people": self.people}

    @cached_property
    def forms(self):
        """The rows, each with the text its person picker shows: the name as sent, or the name
        of the person whose id it holds (one query for all rows)."""
        rows = super().forms
        ids = {}
        for f in rows:
            name_key = f.add_prefix("person_name")
            if f.is_bound and name_key in f.data:
                f.person_text = f.data.get(name_key, "")
            else:
                value = f.data.get(f.add_prefix("person")) if f.is_bound else f.initial.get("person")
                value = getattr(value, "pk", value)
                if str(value or "").isdigit():
                    ids[f] = int(value)
        if ids:
            names = dict(Person.objects.filter(pk__in=set(ids.values())).values_list("id", "name"))
            for f, pk in ids.items():
                f.person_text = names.get(pk, "")
        return rows

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
        length_messages(self)


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
