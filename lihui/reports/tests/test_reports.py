"""Department reports: achievement (达成率) both ways, KPI numbers as people type them,
who may file, submitting, the change since the last meeting, and the report form."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from lihui.meetings.models import AgendaItem, Meeting
from lihui.meetings.services.agenda import agenda_ensure
from lihui.people.models import Person
from lihui.reports.models import Kpi, KpiValue, Report, achievement
from lihui.reports.selectors import previous_meeting, reports_attach
from lihui.reports.services import report_save
from lihui.testing.factories import DepartmentFactory, PersonFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=SH)
LAST = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SH)  # Monday meetings of the cast's series
NEXT = dt.datetime(2026, 11, 30, 9, 30, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def english():
    """Service messages are compared in English (the pages follow each person's language)."""
    with translation.override("en"):
        yield


# --- achievement --------------------------------------------------------------------------------

D = Decimal


@pytest.mark.parametrize(
    "target, actual, higher, expected",
    [
        (D("98"), D("97"), True, D("98.9")),  # 98.97…, rounded down: a miss never shows as more
        (D("98"), D("98"), True, D("100.0")),
        (D("98"), D("99"), True, D("101.0")),
        (D("2"), D("2.6"), False, D("76.9")),
        (D("2"), D("1"), False, D("200.0")),
        (D("2"), D("2"), False, D("100.0")),
        (D("0"), D("5"), True, None),  # a zero target: no ratio
        (D("-5"), D("5"), True, None),
        (D("2"), D("0"), False, None),  # lower is better, zero complaints: no ratio
        (D("2"), D("-1"), False, None),
        (D("98"), D("-3"), True, None),  # a negative actual
        (None, D("97"), True, None),
        (D("98"), None, True, None),
        (None, None, False, None),
    ],
)
def test_achievement(target, actual, higher, expected):
    assert achievement(target, actual, higher_is_better=higher) == expected


KPI_NUMBER = st.decimals(min_value=D("0.0001"), max_value=D("9999999999.9999"), places=4, allow_nan=False, allow_infinity=False)


def meets(target: Decimal, actual: Decimal, higher: bool) -> bool:
    return actual >= target if higher else actual <= target


@given(target=KPI_NUMBER, actual=KPI_NUMBER, higher=st.booleans())
def test_meeting_the_target_is_at_least_100(target, actual, higher):
    value = achievement(target, actual, higher_is_better=higher)
    assert value is not None
    if meets(target, actual, higher):
        assert value >= 100
    # the exact ratio rounded down to 0.1
    exact = (actual / target if higher else target / actual) * 100
    assert D("0") <= exact - value < D("0.1")


@given(target=KPI_NUMBER, actual=KPI_NUMBER, higher=st.booleans())
@example(target=D("98"), actual=D("97.96"), higher=True)
@example(target=D("2"), actual=D("2.0009"), higher=False)
def test_achievement_is_at_least_100_exactly_when_the_target_is_met(target, actual, higher):
    value = achievement(target, actual, higher_is_better=higher)
    assert (value >= 100) == meets(target, actual, higher)


# --- a department, its head presenting, and a meeting with the report item ------------------


@pytest.fixture
def sales(cast):
    """The member heads 销售部 with two KPIs; the meetings' agendas give them a report item."""
    department = DepartmentFactory(name="销售部", head=cast.presenter)
    Person.objects.filter(pk=cast.presenter.pk).update(department=department)
    Person.objects.update(language="en")
    department.kpis_made = [
        Kpi.objects.create(department=department, name="订单准时发货率", unit="%", default_target=D("98"), position=0),
        Kpi.objects.create(department=department, name="客诉数", unit="件", higher_is_better=False, default_target=D("2"), position=1),
    ]
    return department


def meeting_at(cast, start) -> Meeting:
    meeting = cast.series.meetings.get(start=start)
    agenda_ensure(meeting=meeting)
    return meeting


def report_item(meeting: Meeting, presenter: Person) -> AgendaItem:
    return meeting.items.get(kind="report", presenter=presenter)


@pytest.fixture
def item(cast, sales) -> AgendaItem:
    return report_item(meeting_at(cast, NEXT), cast.presenter)


def rows(item: AgendaItem) -> list[tuple]:
    return sorted(KpiValue.objects.filter(report__item=item).values_list("kpi__name", "target", "actual"))


def texts(item: AgendaItem) -> tuple:
    return tuple(Report.objects.filter(item=item).values_list("progress", "problems", "plan", "feedback").first() or ())


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("98.5", D("98.5")),
        (" 98.5 ", D("98.5")),
        ("1,234", D("1234")),
        ("1，234", D("1234")),
        ("97%", D("97")),
        ("97％", D("97")),
        ("９８", D("98")),  # full-width digits (a Chinese input method): read as 98
        ("-3", D("-3")),
        ("0", D("0")),
        ("0.00006", D("0.0001")),  # kept to four places
        (98, D("98")),
        ("", None),  # left blank: no value yet, not an error
    ],
)
def test_kpi_numbers_as_people_type_them(cast, sales, item, typed, stored):
    on_time, complaints = sales.kpis_made
    kpi = complaints if str(typed).startswith("-") else on_time  # a percentage cannot be negative
    report_save(actor=cast.presenter, item=item, data={}, kpis=[{"kpi": kpi.pk, "target": "98", "actual": typed}])
    value = KpiValue.objects.get(report__item=item, kpi=kpi)
    assert value.actual == stored and value.target == D("98")


@pytest.mark.parametrize(
    "typed",
    ["abc", "1e400", "NaN", "nan", "sNaN", "Infinity", "-inf", "98.5.1", "9 8", "1e10", "-10000000000", "98..5", "９８．５", "%", "--3"],
)
def test_bad_kpi_numbers_give_a_field_error_and_save_nothing(cast, sales, item, typed):
    on_time, complaints = sales.kpis_made
    report_save(
        actor=cast.presenter, item=item, data={"progress": "旧的进展", "plan": "旧的计划"},
        kpis=[{"kpi": on_time.pk, "target": "98", "actual": "95"}, {"kpi": complaints.pk, "target": "2", "actual": "3"}],
    )  # fmt: skip
    before_rows, before_texts = rows(item), texts(item)
    with pytest.raises(ValidationError) as exc:
        report_save(
            actor=cast.presenter, item=item, data={"progress": "新的进展", "plan": "新的计划"}, submit=True,
            kpis=[{"kpi": on_time.pk, "target": "98", "actual": "96"}, {"kpi": complaints.pk, "target": "2", "actual": typed}],
        )  # fmt: skip
    errors = exc.value.message_dict
    assert list(errors) == ["kpis.1.actual"]
    assert errors["kpis.1.actual"] == ["Enter a number, e.g. 98.5."]
    assert rows(item) == before_rows and texts(item) == before_texts
    assert Report.objects.get(item=item).submitted_at is None


def test_bad_targets_are_caught_too(cast, sales, item):
    on_time, _ = sales.kpis_made
    with pytest.raises(ValidationError) as exc:
        report_save(actor=cast.presenter, item=item, data={"progress": "x"}, kpis=[{"kpi": on_time.pk, "target": "九十八", "actual": "97"}])
    assert list(exc.value.message_dict) == ["kpis.0.target"]
    assert not KpiValue.objects.exists() and texts(item) == ("", "", "", "")


def test_a_number_that_rounds_out_of_range_is_refused(cast, sales, item):
    on_time, _ = sales.kpis_made
    try:
        report_save(actor=cast.presenter, item=item, data={}, kpis=[{"kpi": on_time.pk, "target": "98", "actual": "9999999999.99999"}])
    except ValidationError as exc:
        assert list(exc.message_dict) == ["kpis.0.actual"]
    else:
        assert KpiValue.objects.get(kpi=on_time).actual < D("1e10")


def test_a_kpi_of_another_department_is_refused(cast, sales, item):
    finance = DepartmentFactory(name="财务部")
    theirs = Kpi.objects.create(department=finance, name="回款率", default_target=D("95"))
    retired = Kpi.objects.create(department=sales, name="旧指标", active=False)
    for kpi in (theirs.pk, retired.pk, 999999, None):
        with pytest.raises(ValidationError) as exc:
            report_save(actor=cast.presenter, item=item, data={"progress": "x"}, kpis=[{"kpi": kpi, "target": "1", "actual": "1"}])
        assert exc.value.message_dict == {"kpis.0.kpi": ["Not a KPI of this department."]}
    assert not KpiValue.objects.exists()


def test_presenter_and_chair_file_a_member_may_not(cast, sales, item):
    on_time, _ = sales.kpis_made
    report_save(actor=cast.presenter, item=item, data={"progress": "销售部进展"}, kpis=[{"kpi": on_time.pk, "actual": "97"}])
    report_save(actor=cast.chair, item=item, data={"problems": "仓库人手不足"}, kpis=[])
    report_save(actor=cast.admin, item=item, data={"plan": "增派临时工"}, kpis=[])
    assert texts(item) == ("销售部进展", "仓库人手不足", "增派临时工", "")
    assert Report.objects.get(item=item).department == sales
    other = PersonFactory()
    for person in (cast.minute_taker, cast.outsider, other):
        with pytest.raises(PermissionDenied):
            report_save(actor=person, item=item, data={"progress": "篡改"}, kpis=[])
    assert texts(item)[0] == "销售部进展"


def test_only_report_items_have_reports(cast, sales, item):
    opening = item.meeting.items.get(kind="opening")
    with pytest.raises(ValidationError):
        report_save(actor=cast.chair, item=opening, data={"progress": "x"}, kpis=[])
    assert not Report.objects.filter(item=opening).exists()


def test_submit_sets_submitted_at_once(cast, sales, item, frozen):
    report_save(actor=cast.presenter, item=item, data={"progress": "草稿"}, kpis=[])
    assert Report.objects.get(item=item).submitted_at is None
    frozen.shift(dt.timedelta(hours=1))
    report_save(actor=cast.presenter, item=item, data={"progress": "定稿"}, kpis=[], submit=True)
    first = Report.objects.get(item=item).submitted_at
    assert first == NOW + dt.timedelta(hours=1)
    frozen.shift(dt.timedelta(hours=1))
    report_save(actor=cast.presenter, item=item, data={"progress": "补充"}, kpis=[], submit=True)
    report_save(actor=cast.presenter, item=item, data={"progress": "再补充"}, kpis=[])
    report = Report.objects.get(item=item)
    assert report.submitted_at == first and report.progress == "再补充"


# --- the change since the last meeting --------------------------------------------------------


def test_change_since_the_last_meeting(cast, sales):
    on_time, complaints = sales.kpis_made
    last, this = meeting_at(cast, LAST), meeting_at(cast, NEXT)
    assert previous_meeting(meeting=this) == last
    report_save(actor=cast.presenter, item=report_item(last, cast.presenter), data={},
                kpis=[{"kpi": on_time.pk, "target": "98", "actual": "95.5"}, {"kpi": complaints.pk, "target": "2", "actual": "4"}])  # fmt: skip
    report_save(actor=cast.presenter, item=report_item(this, cast.presenter), data={}, kpis=[{"kpi": on_time.pk, "target": "98", "actual": "97"}])

    items = list(this.items.order_by("position"))
    reports_attach(items=items, meeting=this)
    item = next(i for i in items if i.kind == "report")
    by_name = {r.kpi.name: r for r in item.kpi_rows}
    assert list(by_name) == ["订单准时发货率", "客诉数"]
    row = by_name["订单准时发货率"]
    assert (row.target, row.actual, row.previous, row.change, row.achievement) == (D("98"), D("97"), D("95.5"), D("1.5"), D("98.9"))
    row = by_name["客诉数"]  # not reported this time: the default target, no actual, no change
    assert (row.target, row.actual, row.previous, row.change, row.achievement) == (D("2"), None, D("4"), None, None)
    assert all(i.kpi_rows == [] for i in items if i.kind != "report")

    # a cancelled meeting in between is passed over
    between = meeting_at(cast, dt.datetime(2026, 11, 16, 9, 30, tzinfo=SH))
    assert previous_meeting(meeting=last) == between
    last.status = Meeting.Status.CANCELLED
    last.save()
    assert previous_meeting(meeting=this) == between
    reports_attach(items=items, meeting=this)
    assert next(i for i in items if i.kind == "report").kpi_rows[0].previous is None


def test_reports_in_count_on_the_meeting_page(cast, sales, frozen):
    finance = DepartmentFactory(name="财务部", head=cast.minute_taker)
    Kpi.objects.create(department=finance, name="回款率", default_target=D("95"))
    meeting = meeting_at(cast, NEXT)
    reports = list(meeting.items.filter(kind="report").order_by("position"))
    assert [r.presenter_id for r in reports] == [cast.minute_taker.pk, cast.presenter.pk]  # 财 cai before 销 xiao
    client = Client()
    client.force_login(cast.chair)

    def badge() -> str:
        html = client.get(f"/meetings/{meeting.pk}/").content.decode()
        return html.split('data-testid="reports-in">')[1].split("<")[0]

    assert badge() == "0 of 2 reports in"
    report_save(actor=cast.presenter, item=reports[1], data={"progress": "x"}, kpis=[], submit=True)
    report_save(actor=cast.minute_taker, item=reports[0], data={"progress": "草稿"}, kpis=[])  # a draft does not count
    assert badge() == "1 of 2 reports in"
    report_save(actor=cast.minute_taker, item=reports[0], data={}, kpis=[], submit=True)
    assert badge() == "2 of 2 reports in"


# --- the report form ------------------------------------------------------------------------


def form_data(sales, *, actual="97", complaints="1", **texts) -> dict:
    on_time, complaint = sales.kpis_made
    return {
        "progress": "Q4 目标完成 92%", "problems": "", "plan": "", "feedback": "",
        f"kpi-{on_time.pk}-target": "98", f"kpi-{on_time.pk}-actual": actual,
        f"kpi-{complaint.pk}-target": "2", f"kpi-{complaint.pk}-actual": complaints,
        **texts,
    }  # fmt: skip


def test_report_form_shows_errors_and_keeps_what_was_typed(cast, sales, item):
    client = Client()
    client.force_login(cast.presenter)
    url = f"/items/{item.pk}/report/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "订单准时发货率" in html and "客诉数" in html and 'value="98"' in html  # the default target

    r = client.post(url, form_data(sales, actual="九七", problems="仓库人手不足", submit="1"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Some KPI values are not numbers." in html and "Enter a number, e.g. 98.5." in html
    assert 'value="九七"' in html  # what was typed is still there
    assert 'class="has-error"' in html
    assert "Q4 目标完成 92%" in html and "仓库人手不足" in html
    assert not KpiValue.objects.exists()
    report = Report.objects.get(item=item)
    assert (report.progress, report.problems, report.submitted_at) == ("", "", None)

    r = client.post(url, form_data(sales, actual="97.5%", complaints="1", submit="1"))
    assert r.status_code == 302 and r.url == f"/meetings/{item.meeting_id}/"
    report.refresh_from_db()
    assert report.progress == "Q4 目标完成 92%" and report.submitted_at == NOW
    assert rows(item) == [("客诉数", D("2"), D("1")), ("订单准时发货率", D("98"), D("97.5"))]
    html = client.get(url).content.decode()
    assert 'value="97.5"' in html and "Submitted" in html and "99.4%" in html and "200.0%" in html


def test_report_form_permissions(cast, sales, item):
    client = Client()
    client.force_login(cast.minute_taker)
    assert client.get(f"/items/{item.pk}/report/").status_code == 403
    assert client.post(f"/items/{item.pk}/report/", form_data(sales)).status_code == 403
    assert not KpiValue.objects.exists()
    client.force_login(cast.outsider)
    assert client.get(f"/items/{item.pk}/report/").status_code == 404
    client.force_login(cast.chair)
    assert client.get(f"/items/{item.pk}/report/").status_code == 200
    opening = item.meeting.items.get(kind="opening")
    r = client.get(f"/items/{opening.pk}/report/")
    assert r.status_code == 302 and r.url == f"/items/{opening.pk}/"


# --- issue 16: drafts, Markdown in the minutes, negative percentages ---------------------------


def test_a_draft_report_is_seen_by_its_presenter_chair_and_minute_taker_only(cast, sales, item):
    from lihui.regime.models import Membership

    colleague = PersonFactory(name="同事甲", language="en")
    Membership.objects.create(series=cast.series, person=colleague, role="member")
    report_save(actor=cast.presenter, item=item, data={"progress": "草稿里的数字还没核对"}, kpis=[])
    url = f"/meetings/{item.meeting_id}/"

    def page(person) -> str:
        client = Client()
        client.force_login(person)
        return client.get(url).content.decode()

    for insider in (cast.presenter, cast.chair, cast.minute_taker):
        html = page(insider)
        assert "草稿里的数字还没核对" in html and 'data-testid="report-draft"' in html
    html = page(colleague)
    assert "草稿里的数字还没核对" not in html and 'data-testid="report-not-submitted"' in html
    assert "The report is not submitted yet." in html

    report_save(actor=cast.presenter, item=item, data={}, kpis=[], submit=True)
    html = page(colleague)
    assert "草稿里的数字还没核对" in html and 'data-testid="report-draft"' not in html


def test_the_api_hides_a_draft_from_other_members(cast, sales, item):
    from lihui.regime.models import Membership

    colleague = PersonFactory(name="同事乙", language="en")
    Membership.objects.create(series=cast.series, person=colleague, role="member")
    report_save(actor=cast.presenter, item=item, data={"progress": "未核对"}, kpis=[])
    client = Client()
    client.force_login(colleague)
    body = client.get(f"/api/v1/agenda-items/{item.pk}/report").json()
    assert body["progress"] == "" and body["submitted_at"] is None
    client.force_login(cast.chair)
    assert client.get(f"/api/v1/agenda-items/{item.pk}/report").json()["progress"] == "未核对"


def test_bold_and_line_breaks_of_a_report_survive_in_the_minutes(cast, sales, item):
    from lihui.markdown import markdown_html
    from lihui.minutes.documents import minutes_markdown
    from lihui.minutes.selectors import minutes_assemble

    report_save(actor=cast.presenter, item=item, data={"progress": "**发货率 97%**\n第二行：仓库扩容", "problems": "缺人"}, kpis=[], submit=True)
    text = minutes_markdown(minutes_assemble(meeting=item.meeting))
    html = str(markdown_html(text))
    assert "<strong>发货率 97%</strong><br" in html and "第二行：仓库扩容" in html
    assert "\\*\\*" not in text
    # the meeting page shows the report the same way
    client = Client()
    client.force_login(cast.chair)
    page = client.get(f"/meetings/{item.meeting_id}/").content.decode()
    assert "<strong>发货率 97%</strong><br>" in page


def test_a_draft_is_marked_in_the_assembled_minutes(cast, sales, item):
    from lihui.minutes.documents import minutes_markdown
    from lihui.minutes.selectors import minutes_assemble

    report_save(actor=cast.presenter, item=item, data={"progress": "x"}, kpis=[])
    assert "Report draft, not submitted" in minutes_markdown(minutes_assemble(meeting=item.meeting))


@pytest.mark.parametrize("field", ["target", "actual"])
def test_a_negative_percentage_is_refused(cast, sales, item, field):
    on_time, _complaints = sales.kpis_made
    row = {"kpi": on_time.pk, "target": "98", "actual": "97", field: "-5"}
    with pytest.raises(ValidationError) as caught:
        report_save(actor=cast.presenter, item=item, data={}, kpis=[row])
    assert caught.value.message_dict == {f"kpis.0.{field}": ["A percentage cannot be negative."]}
    assert not KpiValue.objects.exists()
    # a count may well be below its target, but a negative count is a different KPI's business
    _on, complaints = sales.kpis_made
    report_save(actor=cast.presenter, item=item, data={}, kpis=[{"kpi": complaints.pk, "target": "-1", "actual": "0"}])


def test_the_report_form_shows_the_negative_percentage_error(cast, sales, item):
    client = Client()
    client.force_login(cast.presenter)
    r = client.post(f"/items/{item.pk}/report/", form_data(sales, actual="-5"))
    assert r.status_code == 200 and "A percentage cannot be negative." in r.content.decode()
