"""The admin changes a series through the services, as the series form does: the future is
re-planned, the regime document gets its version and the audit log names the administrator;
what has no service there (cadence windows, the creator) is shown, not changed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lihui.audit.models import AuditEntry
from lihui.meetings.models import Meeting
from lihui.regime.admin import WindowInline
from lihui.regime.models import CadenceWindow, Membership, RegimeVersion, Series
from lihui.regime.services import series_archive

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _client(person) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(person)
    return client


def _form_data(page) -> dict:
    """The change form's POST as a browser would send it unchanged: the series' fields and
    every inline (management form included)."""
    data = {}

    def put(form, name):
        value = form[name].value()
        if value is None or value is False:
            return
        data[form.add_prefix(name)] = value

    form = page.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(formset.management_form, name)
        for one in formset.forms:
            for name in one.fields:
                put(one, name)
    return data


def _change(client, series: Series, **changes):
    url = reverse("admin:regime_series_change", args=[series.pk])
    data = _form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def test_an_admin_save_re_plans_versions_the_regime_and_leaves_an_audit_entry(cast, frozen):
    series = cast.series
    versions = RegimeVersion.objects.filter(series=series).count()
    entries = AuditEntry.objects.filter(series=series).count()

    response = _change(_client(cast.admin), series, duration_minutes="90", title="运营周例会（新）")

    assert response.status_code == 302, response.content.decode()[:3000]
    series.refresh_from_db()
    assert (series.title, series.duration_minutes) == ("运营周例会（新）", 90)
    entry = AuditEntry.objects.filter(series=series).order_by("-pk").first()
    assert AuditEntry.objects.filter(series=series).count() == entries + 1
    assert entry.actor == cast.admin and entry.entity == AuditEntry.Entity.SERIES
    assert {c["field"] for c in entry.changes} >= {"title", "duration_minutes"}
    assert RegimeVersion.objects.filter(series=series).count() == versions + 1
    assert RegimeVersion.objects.filter(series=series).order_by("-number").first().created_by == cast.admin
    coming = Meeting.objects.filter(series=series, start__gte=timezone.now(), origin=Meeting.Origin.RULE)
    assert coming.exists() and set(coming.values_list("duration_minutes", flat=True)) == {90}


def test_an_admin_roster_change_is_audited(cast, frozen):
    series = cast.series
    client = _client(cast.admin)
    url = reverse("admin:regime_series_change", args=[series.pk])
    data = _form_data(client.get(url))
    prefix = next(k[: -len("-TOTAL_FORMS")] for k in data if k.endswith("-TOTAL_FORMS") and "membership" in k)
    member = next(i for i in range(int(data[f"{prefix}-TOTAL_FORMS"])) if data.get(f"{prefix}-{i}-person") == cast.presenter.pk)
    data[f"{prefix}-{member}-role"] = Membership.Role.OPTIONAL

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.get(series=series, person=cast.presenter).role == Membership.Role.OPTIONAL
    roster = AuditEntry.objects.filter(series=series, entity=AuditEntry.Entity.ROSTER).order_by("-pk").first()
    assert roster.actor == cast.admin


def test_a_roster_without_a_chair_is_an_error_on_the_page_and_nothing_changes(cast, frozen):
    series = cast.series
    client = _client(cast.admin)
    url = reverse("admin:regime_series_change", args=[series.pk])
    data = _form_data(client.get(url))
    for key, value in list(data.items()):
        if key.endswith("-role") and value == Membership.Role.CHAIR:
            data[key] = Membership.Role.MEMBER
    data["title"] = "改了标题"
    entries = AuditEntry.objects.filter(series=series).count()

    response = client.post(url, data)

    assert response.status_code == 200 and "errorlist" in response.content.decode()
    series.refresh_from_db()
    assert series.title != "改了标题"
    assert Membership.objects.filter(series=series, role=Membership.Role.CHAIR).count() == 1
    assert AuditEntry.objects.filter(series=series).count() == entries


def test_windows_and_the_creator_are_shown_not_changed_in_the_admin(cast, rf):
    series_admin = site._registry[Series]
    assert "created_by" in series_admin.get_readonly_fields(rf.get("/"))
    request = rf.get("/")
    request.user = cast.admin
    inline = WindowInline(Series, site)
    assert not inline.has_add_permission(request, cast.series)
    assert not inline.has_change_permission(request, cast.series)
    assert not inline.has_delete_permission(request, cast.series)
    assert CadenceWindow.objects.filter(series=cast.series).count() == 0


def test_an_archived_series_is_shown_not_changed(cast, frozen):
    series_archive(actor=cast.chair, series=cast.series)
    client = _client(cast.admin)
    url = reverse("admin:regime_series_change", args=[cast.series.pk])
    assert client.get(url).status_code == 200  # view only
    response = client.post(url, {"title": "x"})
    assert response.status_code == 403
    cast.series.refresh_from_db()
    assert cast.series.title != "x"


def test_a_series_added_in_the_admin_is_created_by_the_service(cast, frozen):
    client = _client(cast.admin)
    url = reverse("admin:regime_series_add")
    data = _form_data(client.get(url))
    prefix = next(k[: -len("-TOTAL_FORMS")] for k in data if k.endswith("-TOTAL_FORMS") and "membership" in k)
    data.update({"title": "管理员建的例会", "frequency": "weekly", "weekdays": "2", "start_time": "10:00", "duration_minutes": "45",
                 "start_date": "2026-12-09", "time_zone": "Asia/Shanghai", f"{prefix}-TOTAL_FORMS": "1",
                 f"{prefix}-0-person": cast.chair.pk, f"{prefix}-0-role": Membership.Role.CHAIR})  # fmt: skip

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    series = Series.objects.get(title="管理员建的例会")
    assert series.created_by == cast.admin
    assert AuditEntry.objects.filter(series=series, actor=cast.admin, verb=AuditEntry.Verb.CREATED).exists()
    assert RegimeVersion.objects.filter(series=series).exists()
    assert series.meetings.filter(start__gte=timezone.now()).exists(), "planned to the horizon"
