"""Expected statuses per member of the fixed test cast on a private and a staff-visible
series: the vocabulary of the web and API permission matrices in the tests
(lihui/tests/permissions/test_web.py, lihui/tests/permissions/test_api.py).

The cast (lihui.testing.cast.make_cast(matrix=True); anonymous people are checked apart):

- chair: chairs both series;
- minute_taker: takes their notes;
- presenter: on both rosters, heads a department, so the agenda gives them its report item;
  they upload its material and own the action under test;
- member: on both rosters, presents nothing and owns nothing;
- guest: on no roster, invited as a colleague for the presenter's item of the meeting under
  test: a participant of that one meeting, not of the series;
- outsider: signed in, on no roster, invited to nothing;
- admin: staff, on no roster.

A guest differs between series-level and meeting-level routes, so most rules come in two
variants: `series_read`/`series_manage` for a series' own pages (and its actions, recorded
in other meetings than the guest's), `meeting_read`/`meeting_manage` for one meeting's.
For the other roles the two variants agree, and every helper means for them what it always
has (the presenter is the one who used to be called "member").
"""

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The matrices' frozen clock: a Wednesday, four weeks after the cast's series began (Monday
# 2 Nov 2026, 09:30 Shanghai): they have past meetings, a meeting earlier this week and
# planned ones ahead.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)

ROLES = ("chair", "minute_taker", "presenter", "member", "guest", "outsider", "admin")
TARGETS = ("private", "open")  # cast.series (roster only) and cast.open_series (all staff)
NO_TARGET = ("-",)  # routes that are not about one series
Expect = dict[str, dict[str, int]]  # target -> role -> status
# Who finds the private series in lists (series, meetings, actions): not the guest of one of
# its meetings, not the outsider.
SEES_PRIVATE = {"chair": True, "minute_taker": True, "presenter": True, "member": True, "guest": False, "outsider": False,
                "admin": True}


def _by_visibility(ok: int, private_deny: dict, open_deny: dict) -> Expect:
    return {"private": {r: private_deny.get(r, ok) for r in ROLES}, "open": {r: open_deny.get(r, ok) for r in ROLES}}


def everyone(status: int, targets=NO_TARGET) -> Expect:
    return {t: dict.fromkeys(ROLES, status) for t in targets}


def series_read(ok: int = 200) -> Expect:
    """A series' own pages (and its actions): the roster and admins see the private series,
    every signed-in person the open one. Being a guest of one meeting does not open the
    private series."""
    return _by_visibility(ok, {"guest": 404, "outsider": 404}, {})


def meeting_read(ok: int = 200) -> Expect:
    """One meeting's pages: whoever sees its series, and the guests invited to it."""
    return _by_visibility(ok, {"outsider": 404}, {})


def series_content(ok: int = 200) -> Expect:
    """What in one meeting concerns the whole series — the review of earlier actions (the
    open actions of the series), the minutes before they are published, their revisions:
    seen as the series is (series_read). A guest reads the meeting they are invited to and
    its published minutes, not the series' business they were not invited to."""
    return series_read(ok)


def series_manage(ok: int) -> Expect:
    """Changing a series: only the chair and admins; others who can see it get 403, others
    404 (the guest on the private series)."""
    deny = {"minute_taker": 403, "presenter": 403, "member": 403}
    return _by_visibility(ok, {**deny, "guest": 404, "outsider": 404}, {**deny, "guest": 403, "outsider": 403})


def meeting_manage(ok: int) -> Expect:
    """Preparing and running one meeting: only the chair and admins; others who can see the
    meeting (its guest too) get 403, others 404."""
    deny = {"minute_taker": 403, "presenter": 403, "member": 403, "guest": 403}
    return _by_visibility(ok, {**deny, "outsider": 404}, {**deny, "outsider": 403})


def own_item(ok: int) -> Expect:
    """The presenter's item (and its material, its guests): the chair, admins and the
    presenter; others who can see the meeting (the guest invited for it too) get 403."""
    deny = {"minute_taker": 403, "member": 403, "guest": 403}
    return _by_visibility(ok, {**deny, "outsider": 404}, {**deny, "outsider": 403})


def minutes_kept(ok: int) -> Expect:
    """Attendance, notes, minutes, follow-up in one meeting: the chair, admins and the
    minute-taker; others who can see the meeting (its guest too) get 403."""
    deny = {"presenter": 403, "member": 403, "guest": 403}
    return _by_visibility(ok, {**deny, "outsider": 404}, {**deny, "outsider": 403})


def participants(ok: int) -> Expect:
    """The meeting's participants: roster, guests, admins. Seeing an open series is not enough."""
    return _by_visibility(ok, {"outsider": 404}, {"outsider": 404})


def action_manage(ok: int) -> Expect:
    """An action: its owner (the presenter), the chair, the minute-taker and admins; others
    who can see it get 403, others 404. It was recorded in an earlier meeting than the
    guest's, so it is seen as its series is."""
    return _by_visibility(
        ok, {"member": 403, "guest": 404, "outsider": 404}, {"member": 403, "guest": 403, "outsider": 403}
    )


def action_hand_on(ok: int) -> Expect:
    """Handing an action to another owner (a leaver's): the series' chair, minute-taker and
    admins; its owner and others who can see it get 403, others 404."""
    deny = {"presenter": 403, "member": 403}
    return _by_visibility(ok, {**deny, "guest": 404, "outsider": 404}, {**deny, "guest": 403, "outsider": 403})


def admins_configure(ok: int) -> Expect:
    """The company directory (imports, syncs, sign-in set-up): admins only; everyone else
    signed in gets 403 — the page exists, configuring it is not theirs."""
    return {"-": {r: ok if r == "admin" else 403 for r in ROLES}}


def admins_only(ok: int) -> Expect:
    """Pages for admins (staff) only, about no series: everyone else gets 404, not a hint
    that the page exists."""
    return {"-": {r: ok if r == "admin" else 404 for r in ROLES}}
