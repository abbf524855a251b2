"""Expected statuses per member of the fixed test cast (chair, minute-taker, member,
outsider, admin) on a private and a staff-visible series: the vocabulary of the web and API
permission matrices in the tests."""

ROLES = ("chair", "minute_taker", "member", "outsider", "admin")
TARGETS = ("private", "open")  # cast.series (roster only) and cast.open_series (all staff)
NO_TARGET = ("-",)  # routes that are not about one series
Expect = dict[str, dict[str, int]]  # target -> role -> status


def _by_visibility(ok: int, private_deny: dict, open_deny: dict) -> Expect:
    return {"private": {r: private_deny.get(r, ok) for r in ROLES}, "open": {r: open_deny.get(r, ok) for r in ROLES}}


def everyone(status: int, targets=NO_TARGET) -> Expect:
    return {t: dict.fromkeys(ROLES, status) for t in targets}


def series_read(ok: int = 200) -> Expect:
    """Roster and admins see the private series; every signed-in person sees the open one."""
    return _by_visibility(ok, {"outsider": 404}, {})


def series_manage(ok: int) -> Expect:
    """Only the chair and admins change a series; others who can see it get 403, others 404."""
    deny = {"minute_taker": 403, "member": 403}
    return _by_visibility(ok, {**deny, "outsider": 404}, {**deny, "outsider": 403})


def own_item(ok: int) -> Expect:
    """The chair, admins and the item's presenter (the member); others who can see get 403."""
    return _by_visibility(ok, {"minute_taker": 403, "outsider": 404}, {"minute_taker": 403, "outsider": 403})


def minutes_kept(ok: int) -> Expect:
    """Attendance and notes: the chair, admins and the minute-taker; others who can see get 403."""
    return _by_visibility(ok, {"member": 403, "outsider": 404}, {"member": 403, "outsider": 403})


def participants(ok: int) -> Expect:
    """The roster and admins (and guests): seeing an open series is not enough."""
    return _by_visibility(ok, {"outsider": 404}, {"outsider": 404})


def action_manage(ok: int) -> Expect:
    """An action: its owner (the member), the chair, the minute-taker and admins; others who
    can see it get 403, others 404."""
    return _by_visibility(ok, {"outsider": 404}, {"outsider": 403})


def admins_only(ok: int) -> Expect:
    """Pages for admins (staff) only, about no series: everyone else gets 404, not a hint
    that the page exists."""
    return {"-": {r: ok if r == "admin" else 404 for r in ROLES}}
