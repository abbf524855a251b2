"""The regime document (例会制度): the written rules of a series, generated from its
configuration, in the active language.

`regime_document()` reads the configuration into a structure (title, facts, numbered
chapters of clauses); `regime_markdown()` writes it as Markdown, the single source of the
page (`lihui.markdown.markdown_html`), the .docx (`lihui.documents.markdown_into`) and the
stored versions. Chapters follow the seed text's headings (会议目的, 会议频率, 参会人员 …);
numbering is Chinese in Chinese (第一章 / 一、) and decimal in English (1. / 1.1).

Everything a person typed (titles, names, purposes, ground rules, robot names) goes through
`markdown_escape`, so it stays text. Robots are named with their kind and what they post,
never with their URL or secret.

Versions: `regime_version_ensure()` renders the document in the company's language
(settings.LANGUAGE_CODE) and stores version N+1 only when the text differs from the latest.
The regime services call it at the end of every configuration change, inside their
transaction. Things changed elsewhere that the text also shows (group robots, set up in
`notify`; people's names; departments' KPIs) are caught when the document is next read:
the document page and the API's current-version reads call it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from lihui import documents as d
from lihui import events
from lihui.markdown import markdown_escape
from lihui.notify import kinds as k
from lihui.notify.kinds import ROBOT_LABELS
from lihui.notify.models import Channel

from .models import AgendaKind, AgendaTemplateItem, CadenceWindow, Membership, PresenterRole, RegimeVersion, Series
from .selectors import series_reporting_departments

# --- structure ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Clause:
    """One numbered clause: `text` is Markdown (user text already escaped); `block` an
    optional Markdown block (a list or a table) under it."""

    text: str
    block: str = ""


@dataclasses.dataclass(frozen=True)
class Chapter:
    title: str
    clauses: tuple[Clause, ...]


@dataclasses.dataclass(frozen=True)
class Document:
    title: str
    language: str
    facts: tuple[tuple[str, str], ...]  # (label, Markdown value) under the title
    chapters: tuple[Chapter, ...]
    version: int | None = None
    effective_date: dt.date | None = None


# --- small helpers --------------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (enough for chapters and clauses)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _zh(language: str | None = None) -> bool:
    return (language or translation.get_language() or "").lower().startswith("zh")


def esc(value: object) -> str:
    """User text as inline Markdown text: one line, nothing parsed as markup."""
    return markdown_escape(" ".join(str(value or "").split()))


def _day(day: dt.date) -> str:
    if _zh():
        return f"{day.year}年{day.month}月{day.day}日"
    return date_format(day, "j F Y")


def _number(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{value.normalize():f}"
    return text


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; every cell is escaped by the caller (`esc`), so `|` cannot split it."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def _join(items: list[str]) -> str:
    return _("、").join(items) if _zh() else ", ".join(items)


def _lower_first(text: str) -> str:
    """「Every Monday …」 inside an English sentence: "every Monday …"."""
    return text[:1].lower() + text[1:]


def _person(person) -> str:
    return esc(person.name or person.username)


# The seed's advice on meeting culture (会议文化的建设), when the chair wrote no rules.
def standard_ground_rules() -> list[str]:
    return [
        _("Come prepared: read the agenda and the materials before the meeting."),
        _("Start on time and end on time; keep to the time allotted to each item."),
        _("Everyone takes part: share your views and suggestions openly."),
        _("Keep the discussion professional and respectful; discuss problems, not persons, and avoid needless arguments."),
        _("Stay on the topic; take details outside the meeting."),
        _("Every discussion ends in a decision or an action item with an owner and a due date."),
        _("Phones on silent; no side work during the meeting."),
    ]


# --- the document -----------------------------------------------------------------------


def regime_document(*, series: Series) -> Document:
    """The regime of `series` in the active language. Reads the roster, windows and agenda
    template fresh from the database (not from a prefetch a caller may hold, which a
    service may just have changed)."""
    roster = list(Membership.objects.filter(series_id=series.pk).select_related("person", "person__department"))
    order = {Membership.Role.CHAIR: 0, Membership.Role.DEPUTY_CHAIR: 1, Membership.Role.MINUTE_TAKER: 2, Membership.Role.MEMBER: 3,
             Membership.Role.OPTIONAL: 4}  # fmt: skip
    roster.sort(key=lambda m: (order.get(m.role, 9), m.person.sort_key, m.person_id))
    windows = list(CadenceWindow.objects.filter(series_id=series.pk).order_by("start_date", "id"))
    template = list(AgendaTemplateItem.objects.filter(series_id=series.pk).select_related("presenter"))
    heads = list(series_reporting_departments(series=series))  # as the planner gives them report items
    kpis = events.department_kpis(departments=heads)  # the reports app keeps which KPIs a department reports
    robots = list(Channel.objects.filter(series_id=series.pk, enabled=True).order_by("name", "id"))
    department = series.department if series.department_id else None

    chair = next((m.person for m in roster if m.role == Membership.Role.CHAIR), None)
    ctx = _Context(series=series, roster=roster, chair=chair)

    # 「运营周例会制度」 reads well; a title in Latin letters gets corner brackets in Chinese
    # (「South China weekly ops review」制度), not 「…review制度」.
    shown = esc(series.title)
    if _zh() and shown and not ("\u4e00" <= shown[-1] <= "\u9fff"):
        shown = f"「{shown}」"
    title = _("Meeting regime of %(title)s") % {"title": shown}
    facts = [(_("Applies to"), _("the meeting series %(title)s and everyone on its roster") % {"title": f"“{esc(series.title)}”"})]
    if department:
        facts.append((_("Owning department"), esc(department.name)))
    if chair:
        facts.append((_("Chair"), _person(chair)))

    chapters = (
        Chapter(_("Purpose"), _purpose(ctx)),
        Chapter(_("Cadence"), _cadence(ctx, windows)),
        Chapter(_("Participants"), _participants(ctx)),
        Chapter(_("Agenda and time management"), _agenda(ctx, template)),
        Chapter(_("Department reports and KPIs"), _reports(ctx, template, heads, kpis)),
        Chapter(pgettext("regime chapter", "Minutes"), _minutes(ctx, robots)),
        Chapter(_("Follow-up"), _follow_up(ctx, robots)),
        Chapter(_("Recap and feedback"), _recap(ctx)),
        Chapter(_("Meeting culture"), _culture(ctx)),
        Chapter(_("Tools"), _tools(ctx, robots)),
        Chapter(_("Evaluation and continuous improvement"), _evaluation(ctx)),
        Chapter(_("Supplementary provisions"), _provisions(ctx)),
    )
    return Document(title=title, language=translation.get_language() or settings.LANGUAGE_CODE, facts=tuple(facts), chapters=chapters)


@dataclasses.dataclass(frozen=True)
class _Context:
    series: Series
    roster: list[Membership]
    chair: object

    @property
    def chair_name(self) -> str:
        return _person(self.chair) if self.chair else _("the chair")

    def minute_takers(self) -> list:
        s = self.series
        if s.minute_taker_rotates:
            rotation = sorted((m for m in self.roster if m.rotation_position is not None), key=lambda m: m.rotation_position)
            return [m.person for m in rotation]
        return [m.person for m in self.roster if m.role == Membership.Role.MINUTE_TAKER]


def _purpose(ctx: _Context) -> tuple[Clause, ...]:
    s = ctx.series
    purposes = [esc(p) for p in s.purposes] or [
        _("review the progress of the last period against its goals;"),
        _("discuss the current problems and challenges and agree on solutions;"),
        _("decide the priorities and the plan for the next period, with an owner and a due date for each action."),
    ]
    return (
        Clause(
            _(
                "This regime sets out how the meeting series %(title)s (hereafter “the meeting”) is held: when it meets, "
                "who takes part, how it is prepared, run and recorded, and how its results are followed up."
            )
            % {"title": f"“{esc(s.title)}”"}
        ),
        Clause(_("The standing purposes of the meeting are:"), _bullets(purposes)),
        Clause(
            _(
                "Each meeting may add objectives of its own; they are stated on its agenda, and at the recap the meeting "
                "checks whether its purpose was met. The meeting is a place to think and decide, not only to report."
            )
        ),
    )


def _holiday_rule(policy: str) -> str:
    return {
        Series.HolidayPolicy.SKIP: _(
            "A meeting that falls on a public holiday or a company day off does not take place; the next meeting follows the cadence."
        ),
        Series.HolidayPolicy.NEXT_WORKDAY: _(
            "A meeting that falls on a public holiday or a company day off moves to the next working day, at the same time."
        ),
        Series.HolidayPolicy.KEEP: _("A meeting that falls on a public holiday or a company day off is held as planned."),
    }.get(policy, _("A meeting that falls on a public holiday is held as planned."))


def _cadence(ctx: _Context, windows: list[CadenceWindow]) -> tuple[Clause, ...]:
    s = ctx.series
    when = _("The meeting is held %(cadence)s (time zone %(zone)s), starting on %(start)s") % {
        "cadence": _lower_first(s.describe_cadence()),
        "zone": esc(s.time_zone),
        "start": _day(s.start_date),
    }
    if s.end_date:
        when += _(" and ending on %(end)s") % {"end": _day(s.end_date)}
    elif s.count:
        when += ngettext(", for %(n)s meeting", ", for %(n)s meetings", s.count) % {"n": s.count}
    when += _(".")
    clauses = [Clause(when)]
    if s.location:
        clauses.append(Clause(_("The meeting is held at %(place)s.") % {"place": esc(s.location)}))
    if windows:
        lines = []
        for w in windows:
            kind = _("Peak period") if w.kind == CadenceWindow.Kind.PEAK else _("Calm period")
            name = f"“{esc(w.name)}”" if w.name else ""
            lines.append(
                _("%(kind)s %(name)s, %(start)s to %(end)s: %(cadence)s.")
                % {"kind": kind, "name": name, "start": _day(w.start_date), "end": _day(w.end_date), "cadence": w.describe_cadence()}
            )
        clauses.append(
            Clause(_("In the following periods the meeting follows a temporary cadence instead of the one above:"), _bullets(lines))
        )
    else:
        clauses.append(
            Clause(
                _(
                    "In a business peak the chair may set a temporary, more frequent cadence (for example every two days), "
                    "and in a calm period a less frequent one; such periods are written into this regime when they are set."
                )
            )
        )
    clauses.append(Clause(_holiday_rule(s.holiday_policy) + " " + _("Make-up workdays count as working days.")))
    clauses.append(
        Clause(
            _(
                "The chair may move, cancel or add a single meeting without changing the cadence; everyone concerned "
                "is told at once, with the reason."
            )
        )
    )
    return tuple(clauses)


def _role(m: Membership) -> str:
    return str(Membership.Role(m.role).label) if m.role in Membership.Role.values else m.role


def _participants(ctx: _Context) -> tuple[Clause, ...]:
    s = ctx.series
    clauses = [
        Clause(
            _(
                "The chair, %(chair)s, convenes and leads the meeting, keeps it to its purpose and its time, "
                "and decides when the participants cannot agree."
            )
            % {"chair": ctx.chair_name}
        )
    ]
    deputy = next((m.person for m in ctx.roster if m.role == Membership.Role.DEPUTY_CHAIR), None)
    if deputy is not None:
        clauses.append(Clause(_("When the chair is away, the deputy chair, %(person)s, starts and runs the meeting.") % {"person": _person(deputy)}))
    takers = ctx.minute_takers()
    if s.minute_taker_rotates and takers:
        clauses.append(
            Clause(_("The minutes are taken in turn, in this order: %(people)s.") % {"people": _join([_person(p) for p in takers])})
        )
    elif takers:
        clauses.append(Clause(_("The minute-taker is %(person)s.") % {"person": _join([_person(p) for p in takers])}))
    else:
        clauses.append(Clause(_("The chair names a minute-taker for each meeting.")))
    rows = [
        [str(i), _person(m.person), esc(m.person.department.name) if m.person.department_id else "—", esc(_role(m))]
        for i, m in enumerate(ctx.roster, 1)
    ]
    clauses.append(
        Clause(
            _("The roster of the meeting:"),
            _table([_("No."), str(capfirst(pgettext("person", "name"))), _("Department"), _("Role")], rows),
        )
    )
    clauses.append(
        Clause(
            _(
                "Members attend every meeting; optional members attend when the agenda concerns them. For a topic that "
                "needs them, experts from other departments are invited as guests (finance for budget items, "
                "marketing for market trends)."
            )
        )
    )
    clauses.append(
        Clause(
            _(
                "Attendance is recorded as present, late, remote, excused or absent. Whoever cannot attend tells the "
                "chair before the meeting; absentees and their reasons are listed in the minutes."
            )
        )
    )
    return tuple(clauses)


def _presenter(item) -> str:
    if item.presenter_role == PresenterRole.CHAIR:
        return _("The chair")
    if item.presenter_role == PresenterRole.MINUTE_TAKER:
        return _("The minute-taker")
    if item.presenter_role == PresenterRole.DEPARTMENT_HEADS:
        return _("Each department head")
    if item.presenter_id and item.presenter:
        return _person(item.presenter)
    return "—"


def _agenda(ctx: _Context, template: list) -> tuple[Clause, ...]:
    s = ctx.series
    clauses = [
        Clause(
            ngettext(
                "Every meeting has an agenda, made from the template below. It is sent to all participants "
                "%(n)s hour before the meeting, with the pre-read materials.",
                "Every meeting has an agenda, made from the template below. It is sent to all participants "
                "%(n)s hours before the meeting, with the pre-read materials.",
                s.agenda_lead_hours,
            )
            % {"n": s.agenda_lead_hours}
        )
    ]
    if template:
        # A "department heads" line becomes one report per department head on the roster
        # (as lihui.meetings.services.agenda.agenda_ensure makes it): count it that often.
        heads = series_reporting_departments(series=s).count()

        def times(t) -> int:
            return heads if t.presenter_role == PresenterRole.DEPARTMENT_HEADS else 1

        rows = [
            [str(i), esc(t.title), _presenter(t), f"{t.minutes} × {heads}" if times(t) != 1 else str(t.minutes)]
            for i, t in enumerate(template, 1)
        ]
        total = sum(t.minutes * times(t) for t in template)
        clauses.append(
            Clause(
                _("Agenda template (planned %(total)s of %(length)s minutes):") % {"total": total, "length": s.duration_minutes},
                _table([_("No."), _("Item"), _("Presenter"), str(capfirst(_("minutes allotted")))], rows),
            )
        )
    else:
        clauses.append(Clause(_("The chair sets the agenda of each meeting; there is no standing template.")))
    clauses.append(
        Clause(
            ngettext(
                "The meeting starts on time: a start more than %(n)s minute late counts as late.",
                "The meeting starts on time: a start more than %(n)s minutes late counts as late.",
                s.start_tolerance_minutes,
            )
            % {"n": s.start_tolerance_minutes}
            + " "
            + ngettext(
                "Each item keeps to its allotted time, and the meeting ends on time; running more than %(n)s minute over counts as an overrun.",
                "Each item keeps to its allotted time, and the meeting ends on time; running more than %(n)s minutes over counts as an overrun.",
                s.end_tolerance_minutes,
            )
            % {"n": s.end_tolerance_minutes}
        )
    )
    clauses.append(
        Clause(_("During the meeting the time used by each item is recorded; a topic that needs more time is continued outside the meeting or put on the next agenda."))
    )
    return tuple(clauses)


def _reports(ctx: _Context, template: list, heads: list, kpis: list) -> tuple[Clause, ...]:
    reporting = any(t.presenter_role == PresenterRole.DEPARTMENT_HEADS or t.kind == AgendaKind.REPORT for t in template)
    clauses = []
    if reporting:
        clauses.append(
            Clause(
                _(
                    "At every meeting each department head reports on the department: progress, problems and risks, "
                    "the plan for the next period, and customer feedback and market notes."
                )
            )
        )
    else:
        clauses.append(Clause(_("The agenda template holds no department report; departments report when the chair puts them on the agenda.")))
    if heads:
        clauses.append(
            Clause(
                _("The departments that report: %(list)s.")
                % {"list": _join([f"{esc(h.name)}（{_person(h.head)}）" if _zh() else f"{esc(h.name)} ({_person(h.head)})" for h in heads])}
            )
        )
    if kpis:
        rows = [
            [
                esc(kpi.department.name),
                esc(kpi.name),
                esc(kpi.unit) or "—",
                _number(kpi.default_target),
                _("higher is better") if kpi.higher_is_better else _("lower is better"),
            ]
            for kpi in kpis
        ]
        clauses.append(
            Clause(
                _("Each report gives the target and the actual value of the department's KPIs:"),
                _table([_("Department"), _("KPI"), _("Unit"), _("Target"), _("Direction")], rows),
            )
        )
    clauses.append(
        Clause(
            _(
                "Achievement is the actual value divided by the target (the target divided by the actual value where lower is "
                "better); each value is compared with the previous meeting, so trends are visible across meetings."
            )
        )
    )
    return tuple(clauses)


def _posting(robots: list, kind: str) -> list[str]:
    return [f"“{esc(r.name)}”（{esc(r.get_kind_display())}）" if _zh() else f"“{esc(r.name)}” ({esc(r.get_kind_display())})" for r in robots if kind in (r.kinds or [])]


def _minutes(ctx: _Context, robots: list) -> tuple[Clause, ...]:
    s = ctx.series
    contents = [
        _("time and place, chair and minute-taker;"),
        _("attendees, and absentees with their reasons;"),
        _("the agenda, with the time used by each item;"),
        _("the department reports and their KPIs;"),
        _("the main points of the discussion and the decisions;"),
        _("the action items, each with its owner and due date, and the status of earlier actions."),
    ]
    deadline = ngettext(
        "The minutes are published within %(n)s hour after the meeting ends.",
        "The minutes are published within %(n)s hours after the meeting ends.",
        s.minutes_deadline_hours,
    ) % {"n": s.minutes_deadline_hours}
    if s.minutes_need_approval:
        deadline += " " + _("The minute-taker submits them, and the chair approves and publishes them.")
    else:
        deadline += " " + _("The minute-taker publishes them.")
    distribution = _("On publication the minutes go to every participant by e-mail")
    posted = _posting(robots, k.MINUTES)
    if posted:
        distribution += _(" and are posted to the group robots %(robots)s") % {"robots": _join(posted)}
    distribution += _(".") + " " + _(
        "They are archived and searchable in Lihui, and can be downloaded as Word or Markdown. A change after "
        "publication is kept as a new revision; nothing is overwritten."
    )
    return (
        Clause(_("The minute-taker records the minutes (会议纪要) of every meeting. They contain:"), _bullets(contents)),
        Clause(deadline),
        Clause(distribution),
    )


def _follow_up(ctx: _Context, robots: list) -> tuple[Clause, ...]:
    s = ctx.series
    clauses = [
        Clause(_("Every decision becomes one or more action items, each with one owner and a due date.")),
        Clause(_("Owners keep the status of their actions up to date, with a comment on progress or on the reason for a delay.")),
        Clause(
            ngettext(
                "Owners are reminded %(n)s day before the due date, and every day once an action is overdue.",
                "Owners are reminded %(n)s days before the due date, and every day once an action is overdue.",
                settings.LIHUI_ACTION_DUE_SOON_DAYS,
            )
            % {"n": settings.LIHUI_ACTION_DUE_SOON_DAYS}
        ),
    ]
    if s.escalate_after_days:
        escalation = ngettext(
            "An action overdue for %(n)s day is escalated to the chair, %(chair)s.",
            "An action overdue for %(n)s days is escalated to the chair, %(chair)s.",
            s.escalate_after_days,
        ) % {"n": s.escalate_after_days, "chair": ctx.chair_name}
    else:
        escalation = _("Overdue actions are not escalated to the chair; the owners are reminded.")
    posted = _posting(robots, k.ACTION_OVERDUE)
    if posted:
        escalation += " " + _("The list of overdue actions is posted daily to %(robots)s.") % {"robots": _join(posted)}
    clauses.append(Clause(escalation))
    if s.review_actions:
        clauses.append(
            Clause(
                _(
                    "The next meeting reviews every open action of the series, including those from cancelled meetings; an "
                    "action returns to each meeting's review until it is closed."
                )
            )
        )
    else:
        clauses.append(Clause(_("Open actions are not reviewed in the meeting; their owners report progress on the action board.")))
    return tuple(clauses)


def _recap(ctx: _Context) -> tuple[Clause, ...]:
    s = ctx.series
    clauses = [
        Clause(
            _(
                "At the end of each meeting the chair recaps the decisions, the action items and their owners, and "
                "asks whether the meeting met its purpose."
            )
        )
    ]
    if s.survey_enabled:
        survey = ngettext(
            "After each meeting the participants answer a short survey (clarity of purpose, use of time, outcomes, "
            "openness, overall, and comments); it stays open for %(n)s day.",
            "After each meeting the participants answer a short survey (clarity of purpose, use of time, outcomes, "
            "openness, overall, and comments); it stays open for %(n)s days.",
            s.survey_open_days,
        ) % {"n": s.survey_open_days}
        survey += " " + (_("Answers are anonymous.") if s.survey_anonymous else _("Answers carry the participant's name."))
        survey += " " + _("The target response rate is %(n)s%%.") % {"n": s.survey_target_percent}
        clauses.append(Clause(survey))
    else:
        clauses.append(Clause(_("No survey is sent after the meeting; feedback is given at the recap.")))
    clauses.append(Clause(_("The feedback is used to improve the agenda, the cadence and the way the meeting is run.")))
    return tuple(clauses)


def _culture(ctx: _Context) -> tuple[Clause, ...]:
    rules = [esc(r) for r in ctx.series.ground_rule_list]
    intro = _("The ground rules of the meeting, shown on every agenda:") if rules else _(
        "The ground rules of the meeting (the standard rules, until the chair writes the meeting's own), shown on every agenda:"
    )
    return (
        Clause(intro, _bullets(rules or standard_ground_rules())),
        Clause(
            _(
                "Participation is visible: who presented, who owns actions, and how much time went to discussion and "
                "decisions rather than one-way reporting."
            )
        ),
    )


def _tools(ctx: _Context, robots: list) -> tuple[Clause, ...]:
    s = ctx.series
    clauses = [
        Clause(
            _(
                "The meeting is prepared, run and recorded in Lihui: agenda, pre-read materials, attendance, timing, "
                "minutes and action items."
            )
        )
    ]
    if s.video_link:
        clauses.append(Clause(_("Remote participants join by video: %(link)s") % {"link": esc(s.video_link)}))
    else:
        clauses.append(Clause(_("Remote participants join by the video link given on the agenda, when the chair sets one.")))
    invite = ngettext(
        "Calendar invitations are e-mailed %(n)s day ahead and updated when a meeting moves; each member can also "
        "subscribe to the series' calendar feed (Outlook, Google, Apple, Feishu).",
        "Calendar invitations are e-mailed %(n)s days ahead and updated when a meeting moves; each member can also "
        "subscribe to the series' calendar feed (Outlook, Google, Apple, Feishu).",
        settings.LIHUI_INVITE_DAYS,
    ) % {"n": settings.LIHUI_INVITE_DAYS}
    if s.reminder_minutes:
        invite += " " + ngettext(
            "A reminder is sent %(n)s minute before the start.", "A reminder is sent %(n)s minutes before the start.", s.reminder_minutes
        ) % {"n": s.reminder_minutes}
    clauses.append(Clause(invite))
    if robots:
        rows = [
            [esc(r.name), esc(r.get_kind_display()), _join([esc(ROBOT_LABELS.get(kind, kind)) for kind in r.kinds or []]) or "—"]
            for r in robots
        ]
        clauses.append(Clause(_("Messages are posted to these group robots:"), _table([_("Robot"), _("Kind"), _("Posts")], rows)))
    else:
        clauses.append(Clause(_("No group robot is connected; notices go by e-mail.")))
    clauses.append(Clause(_("Project-management tools read the meetings, minutes and actions through Lihui's API.")))
    return tuple(clauses)


def _evaluation(ctx: _Context) -> tuple[Clause, ...]:
    s = ctx.series
    measures = [
        _("start on time and end on time;"),
        _("agenda sent on time, minutes published on time;"),
        _("attendance;"),
        _("action items completed, and completed on time;"),
        _("survey scores and response rate;"),
        _("meeting load (person-hours per week)."),
    ]
    period = _("Every month") if s.review_period == "monthly" else _("Every quarter")
    return (
        Clause(_("Each meeting is checked against this regime. The measures:"), _bullets(measures)),
        Clause(
            _(
                "%(period)s a review report sums up these measures with recommendations. The chair reviews the regime "
                "with the participants and changes the configuration where it does not serve the meeting."
            )
            % {"period": period}
        ),
        Clause(_("The meeting also learns from good practice elsewhere, inside and outside the company.")),
    )


def _provisions(ctx: _Context) -> tuple[Clause, ...]:
    s = ctx.series
    seen = _("the people on the roster") if s.visibility == Series.Visibility.ROSTER else _("all staff")
    return (
        Clause(
            _(
                "This regime is written from the meeting's configuration in Lihui and takes effect on the effective date "
                "stated above. Every change of the configuration that changes this text issues a new version; "
                "earlier versions are kept and can be compared."
            )
        ),
        Clause(_("This regime is open to %(who)s.") % {"who": seen}),
        Clause(_("The chair, %(chair)s, is responsible for interpreting this regime.") % {"chair": ctx.chair_name}),
    )


# --- rendering ----------------------------------------------------------------------------


def _colon() -> str:
    return "：" if _zh() else ": "


CHINESE_SENTENCE_GAP = re.compile(r"([。；：！？」）])[ \t]+")


def regime_markdown(doc: Document) -> str:
    """The document as Markdown, in the active language. With `doc.version` set, the
    version and effective date are stated under the title."""
    zh = _zh()
    out = [f"# {doc.title}", ""]
    if doc.version is not None:
        # The colon stays outside the emphasis: `**版本：**第` would not close (CommonMark flanking rules).
        version, effective = _("Version"), _("Effective date")
        line = f"**{version}**{_colon()}" + (f"第 {doc.version} 版" if zh else f"{doc.version}")
        if doc.effective_date:
            line += "\u3000" if zh else " · "
            line += f"**{effective}**{_colon()}{_day(doc.effective_date)}"
        out += [line, ""]
    for label, value in doc.facts:
        out += [f"**{label}**{_colon()}{value}", ""]
    for n, chapter in enumerate(doc.chapters, 1):
        heading = f"第{chinese_number(n)}章\u3000{chapter.title}" if zh else f"{n}. {chapter.title}"
        out += [f"## {heading}", ""]
        for i, clause in enumerate(chapter.clauses, 1):
            number = f"{chinese_number(i)}、" if zh else f"{n}.{i} "
            text = clause.text
            if zh:  # sentences joined with a space for English: Chinese runs on after 。；：
                text = CHINESE_SENTENCE_GAP.sub(r"\1", text)
            out += [f"{number}{text}", ""]
            if clause.block:
                out += [clause.block, ""]
    return "\n".join(out).rstrip() + "\n"


def regime_docx(*, text: str, title: str, language: str) -> bytes:
    """A version's (or a rendering's) Markdown as Word, with the toolkit's fonts and tables."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = d.new_document(language, title=title)
    d.markdown_into(doc, text)
    if doc.paragraphs:
        doc.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER  # the title, as on a company's rules
    full = d.text_width(doc).cm
    for table in doc.tables:
        # Columns as wide as their longest text (a CJK character counts double), so "No."
        # stays narrow and names and titles get the room.
        weights = []
        for c in range(len(table.columns)):
            longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in row.cells[c].text) for row in table.rows)
            weights.append(min(max(longest, 4), 40))
        widths = [full * w / sum(weights) for w in weights]
        for c, width in enumerate(widths):
            table.columns[c].width = Cm(width)
            for row in table.rows:
                row.cells[c].width = Cm(width)
        following = table._tbl.getnext()
        if following is not None and following.tag.endswith("}p"):
            following.get_or_add_pPr()
            from docx.text.paragraph import Paragraph

            Paragraph(following, table._parent).paragraph_format.space_before = Pt(8)
    return d.to_bytes(doc)


# --- versions -----------------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def regime_version_ensure(*, series: Series, actor=None) -> RegimeVersion:
    """The latest version of the series' regime in the company's language, made first if
    the configuration's text differs from it (or there is none yet). The digest is taken
    over the text without its version line, so the same rules never make a new version."""
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        doc = regime_document(series=series)
        body = regime_markdown(doc)
    digest = _digest(body)
    with transaction.atomic():
        # Number the versions of one series one at a time.
        Series.objects.select_for_update().filter(pk=series.pk).first()
        latest = RegimeVersion.objects.filter(series_id=series.pk, language=language).order_by("-number").first()
        if latest is not None and latest.digest == digest:
            return latest
        number = latest.number + 1 if latest else 1
        effective = timezone.now().astimezone(ZoneInfo(series.time_zone)).date()
        with translation.override(language):
            text = regime_markdown(dataclasses.replace(doc, version=number, effective_date=effective))
        return RegimeVersion.objects.create(
            series_id=series.pk,
            number=number,
            language=language,
            text=text,
            digest=digest,
            effective_date=effective,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def regime_versions(*, series: Series) -> list[RegimeVersion]:
    """Newest first, in the company's language."""
    return list(
        RegimeVersion.objects.filter(series_id=series.pk, language=settings.LANGUAGE_CODE)
        .select_related("created_by")
        .order_by("-number")
    )


def regime_version_get(*, series: Series, number: int) -> RegimeVersion | None:
    return (
        RegimeVersion.objects.filter(series_id=series.pk, language=settings.LANGUAGE_CODE, number=number)
        .select_related("created_by")
        .first()
    )


def regime_render(*, series: Series) -> str:
    """The current configuration's text in the active language, not versioned (for readers of
    another language than the company's)."""
    return regime_markdown(regime_document(series=series))


def regime_filename(*, series: Series, version: RegimeVersion, ext: str) -> str:
    """The download name of one version of the regime document (page and API alike)."""
    return f"regime-{series.pk}-v{version.number}.{ext}"
