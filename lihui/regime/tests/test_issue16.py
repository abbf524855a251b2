"""Issue 16, list 6: the series form's own length messages, the time-zone choices, the
agenda template's total and order, idempotent creation and archiving of a series."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from lihui.regime.models import Series
from lihui.regime.services import series_create
from lihui.testing.factories import PersonFactory

from .test_views import form_data

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- 3. lengths in our words ------------------------------------------------------------------


@pytest.mark.parametrize("language, expected", [
    ("zh-hans", "标题最多 200 个字符（现有 201 个）。"),
    ("en", "Title can be at most 200 characters long (this has 201)."),
])  # fmt: skip
def test_a_too_long_title_names_the_field_and_its_limit(language, expected):
    chair = PersonFactory(language=language)
    client = Client()
    client.force_login(chair)
    page = client.get("/series/new/").content.decode()
    assert 'maxlength="200"' in page  # the browser stops typing at the limit
    r = client.post("/series/new/", form_data(chair, title="例" * 201))
    html = r.content.decode()
    assert r.status_code == 200 and not Series.objects.exists()
    assert "确保该变量" not in html and "Ensure this value" not in html
    if language == "en":
        assert expected in html
    else:
        assert "201" in html and "200" in html and "标题" in html.split('id="field-title"')[1][:2000]


def test_the_service_answers_a_too_long_location_in_the_same_words():
    chair = PersonFactory()
    data = {"title": "周会", "location": "x" * 201, "start_date": dt.date(2026, 11, 30), "start_time": dt.time(9, 30),
            "duration_minutes": 60, "weekdays": "0", "time_zone": "Asia/Shanghai"}  # fmt: skip
    from lihui.regime.services import RosterEntry

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        series_create(actor=chair, data=data, roster=[RosterEntry(person=chair, role="chair")])
    assert caught.value.message_dict == {"location": ["Location can be at most 200 characters long (this has 201)."]}


# --- 4. the time-zone select --------------------------------------------------------------------


def _options(html: str, select_name: str = "time_zone") -> list[str]:
    import re

    select = html.split(f'name="{select_name}"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.parametrize("url", ["/series/new/", "/me/"])
def test_the_time_zone_select_has_china_first_and_no_aliases(url):
    person = PersonFactory(language="en", time_zone="Asia/Shanghai")
    client = Client()
    client.force_login(person)
    html = client.get(url).content.decode()
    options = _options(html)
    assert options[:5] == ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo"]
    assert "China Standard Time (Asia/Shanghai)</option>" in html
    assert '<optgroup label="Asia">' in html and '<optgroup label="Europe">' in html
    for alias in ("Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC", "Etc/GMT+8", "US/Pacific", "Asia/Calcutta", "GB"):
        assert alias not in options
    assert {"Asia/Urumqi", "Europe/London", "America/New_York", "UTC", "Asia/Kolkata"} <= set(options)
    assert len(options) == len(set(options)) < 460


def test_a_saved_alias_stays_choosable_and_others_are_refused():
    person = PersonFactory(language="en", time_zone="Asia/Chongqing")
    client = Client()
    client.force_login(person)
    assert "Asia/Chongqing" in _options(client.get("/me/").content.decode())
    r = client.post("/me/", {"save_preferences": "1", "language": "en", "time_zone": "Asia/Harbin"})
    assert r.status_code == 200
    person.refresh_from_db()
    assert person.time_zone == "Asia/Chongqing"
    r = client.post("/me/", {"save_preferences": "1", "language": "en", "time_zone": "Asia/Shanghai"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.time_zone == "Asia/Shanghai"


def test_the_choices_are_one_function_in_chinese_too():
    from lihui.people.forms import PreferencesForm
    from lihui.people.timezones import time_zone_choices
    from lihui.regime.forms import SeriesForm

    with translation.override("en"):
        assert SeriesForm().fields["time_zone"].choices == PreferencesForm(instance=PersonFactory()).fields["time_zone"].choices
        assert time_zone_choices()[0][1][0] == ("Asia/Shanghai", "China Standard Time (Asia/Shanghai)")


# --- 5. the agenda template: total against the slot, order ---------------------------------------


def _template_post(series, rows, **extra) -> dict:
    data = {"tpl-TOTAL_FORMS": str(len(rows)), "tpl-INITIAL_FORMS": "0", "tpl-MIN_NUM_FORMS": "0", "tpl-MAX_NUM_FORMS": "60"}
    for i, (title, minutes) in enumerate(rows):
        data.update({f"tpl-{i}-kind": "other", f"tpl-{i}-title": title, f"tpl-{i}-presenter_role": "chair", f"tpl-{i}-minutes": str(minutes)})
    data.update(extra)
    return data


@pytest.fixture
def chair_client():
    from lihui.testing.factories import make_series

    chair = PersonFactory(language="en")
    series = make_series(chair=chair)  # 60 minutes
    client = Client()
    client.force_login(chair)
    return series, client


def test_the_template_shows_its_total_against_the_slot(chair_client):
    series, client = chair_client
    html = client.get(f"/series/{series.pk}/agenda/").content.decode()
    total = html.split('data-testid="template-total"')[1].split("</p>")[0]
    from lihui.regime.services import DEFAULT_AGENDA

    expected = sum(m for _k, _t, role, m in DEFAULT_AGENDA if role != "department_heads")  # no department heads here
    assert f"Planned {expected} of 60 minutes." in total and "longer than the meeting" not in total


def test_a_template_over_the_slot_is_refused_unless_confirmed(chair_client):
    series, client = chair_client
    before = list(series.agenda_template.values_list("title", flat=True))
    rows = [("开场", 3), ("部门汇报", 40), ("问题讨论", 20)]  # 63 of 60
    r = client.post(f"/series/{series.pk}/agenda/", _template_post(series, rows))
    html = r.content.decode()
    assert r.status_code == 200
    assert "The agenda plans 63 minutes, 3 more than the meeting&#x27;s 60." in html or "The agenda plans 63 minutes, 3 more than the meeting's 60." in html
    assert "Planned 63 of 60 minutes." in html and 'data-testid="over-slot-ok"' in html
    assert 'value="部门汇报"' in html  # what was typed stays
    assert list(series.agenda_template.values_list("title", flat=True)) == before
    r = client.post(f"/series/{series.pk}/agenda/", _template_post(series, rows, over_slot_ok="on"))
    assert r.status_code == 302
    assert list(series.agenda_template.values_list("title", "minutes")) == rows
    page = client.get(f"/series/{series.pk}/agenda/").content.decode()
    assert "3 minutes longer than the meeting" in page


def test_template_rows_move_up_and_down_with_an_audit_entry(chair_client):
    from lihui.audit.models import AuditEntry

    series, client = chair_client
    rows = list(series.agenda_template.all())
    titles = [t.title for t in rows]
    r = client.post(f"/series/{series.pk}/agenda/move/", {"move": f"{rows[2].pk}:up"})
    assert r.status_code == 302
    assert list(series.agenda_template.values_list("title", flat=True)) == [titles[0], titles[2], titles[1], *titles[3:]]
    client.post(f"/series/{series.pk}/agenda/move/", {"move": f"{rows[0].pk}:up"})  # already first: nothing
    client.post(f"/series/{series.pk}/agenda/move/", {"move": f"{rows[0].pk}:down"})
    assert list(series.agenda_template.values_list("title", flat=True))[:3] == [titles[2], titles[0], titles[1]]
    assert AuditEntry.objects.filter(series=series, verb="changed").count() >= 2
    for bad in ("", "x:up", f"{rows[0].pk}:sideways", "999999:up"):
        assert client.post(f"/series/{series.pk}/agenda/move/", {"move": bad}).status_code == 302
    html = client.get(f"/series/{series.pk}/agenda/").content.decode()
    assert 'data-testid="tpl-up"' in html and 'form="tpl-move"' in html


def test_only_the_chair_moves_template_rows(chair_client):
    series, _client = chair_client
    row = series.agenda_template.first()
    other = Client()
    other.force_login(PersonFactory())
    assert other.post(f"/series/{series.pk}/agenda/move/", {"move": f"{row.pk}:down"}).status_code in (403, 404)
    assert series.agenda_template.first() == row


# --- 6. creating once, archiving ------------------------------------------------------------------


def test_back_then_save_does_not_create_a_second_series():
    import uuid

    chair = PersonFactory(language="en")
    client = Client()
    client.force_login(chair)
    first = client.post("/series/new/", form_data(chair, idempotency_token=uuid.uuid4().hex))
    assert first.status_code == 302
    # The same form sent again (its token): the first answer, nothing written.
    token = uuid.uuid4().hex
    client.post("/series/new/", form_data(chair, title="双周会", start_date="2026-12-01", idempotency_token=token))
    assert Series.objects.count() == 2
    again = client.post("/series/new/", form_data(chair, title="双周会", start_date="2026-12-01", idempotency_token=token))
    assert again.status_code == 302 and Series.objects.count() == 2
    # Back re-fetched the page (a fresh token), then 保存: asked, not created.
    back = client.post("/series/new/", form_data(chair, idempotency_token=uuid.uuid4().hex))
    html = back.content.decode()
    assert back.status_code == 200 and 'data-testid="series-duplicate"' in html
    assert f'href="/series/{Series.objects.get(title="运营周例会").pk}/"' in html
    assert Series.objects.count() == 2
    # Meant it: a second series with the same title.
    meant = client.post("/series/new/", form_data(chair, duplicate_ok="on", idempotency_token=uuid.uuid4().hex))
    assert meant.status_code == 302 and Series.objects.filter(title="运营周例会").count() == 2


def test_a_series_is_archived_and_unarchived_with_audit_entries():
    from lihui.audit.models import AuditEntry
    from lihui.meetings.models import Meeting
    from lihui.meetings.services.planning import meetings_extend_horizon
    from lihui.testing.factories import make_series

    chair = PersonFactory(language="en")
    member = PersonFactory(language="en")
    series = make_series(chair=chair, roster=[(member, "member")], title="旧周会")
    held = series.meetings.filter(start__lt=NOW).order_by("start").first()
    Meeting.objects.filter(pk=held.pk).update(status=Meeting.Status.HELD)
    ahead = series.meetings.filter(start__gt=NOW).count()
    assert ahead > 5
    client = Client()
    client.force_login(chair)
    assert 'data-testid="series-archive"' in client.get(f"/series/{series.pk}/").content.decode()

    r = client.post(f"/series/{series.pk}/archive/", {"do": "archive"})
    assert r.status_code == 302
    series.refresh_from_db()
    assert series.archived_at is not None
    assert not series.meetings.filter(start__gt=NOW, status="scheduled").exists()
    assert series.meetings.filter(pk=held.pk, status="held").exists()  # history kept
    assert "旧周会" not in client.get("/series/").content.decode()
    assert "旧周会" in client.get("/series/?archived=1").content.decode()
    page = client.get(f"/series/{series.pk}/").content.decode()
    assert 'data-testid="series-archived"' in page and 'data-testid="series-unarchive"' in page
    # the worker plans nothing for it, and its rules cannot be changed until it is back
    Series.objects.filter(pk=series.pk).update(planned_until=None)
    meetings_extend_horizon()
    assert not series.meetings.filter(start__gt=NOW).exclude(status="cancelled").exists()
    r = client.post(f"/series/{series.pk}/edit/", form_data(chair, title="旧周会", **{"roster-1-person": str(member.pk)}))
    assert r.status_code == 200 and "This meeting series is archived." in r.content.decode()
    # members cannot archive or unarchive
    other = Client()
    other.force_login(member)
    assert other.post(f"/series/{series.pk}/archive/", {"do": "unarchive"}).status_code == 403

    r = client.post(f"/series/{series.pk}/archive/", {"do": "unarchive"})
    series.refresh_from_db()
    assert r.status_code == 302 and series.archived_at is None
    assert series.meetings.filter(start__gt=NOW, status="scheduled").count() == ahead
    changes = [e.changes for e in AuditEntry.objects.filter(series=series, verb="changed").order_by("pk")]
    assert [c[0]["field"] for c in changes[-2:]] == ["archived", "archived"]
    assert client.get("/series/archive/").status_code in (404, 405)
