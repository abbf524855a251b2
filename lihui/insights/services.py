"""Writes for insights: applying a recommendation, and undoing it. Insights owns no data of
its own: each change goes through the owning app's service (the roster: lihui.regime),
which checks, audits and notifies as it does for any other change."""

from __future__ import annotations

from lihui.people.models import Person
from lihui.regime.models import Membership, Series
from lihui.regime.services import membership_role_set

# The steps of the "make an optional member" recommendation: the role they change (from, to).
OPTIONAL_STEPS = {
    "apply": (Membership.Role.MEMBER, Membership.Role.OPTIONAL),
    "undo": (Membership.Role.OPTIONAL, Membership.Role.MEMBER),
}


def _role_step(*, actor: Person, series: Series, person: Person, role: str, step: str) -> bool:
    before, after = OPTIONAL_STEPS[step]
    if role != before:
        return False
    membership_role_set(actor=actor, series=series, person=person, role=after)
    return True


def recommendation_optional_apply(*, actor: Person, series: Series, person: Person, role: str) -> bool:
    """Apply the absentee recommendation: the member `person` (`role`: their role now), who
    keeps missing the meeting, becomes an optional member (列席人: invited, not expected).
    False, and nothing changed, when they are not a member (already optional);
    ValidationError as `membership_role_set` raises it."""
    return _role_step(actor=actor, series=series, person=person, role=role, step="apply")


def recommendation_optional_undo(*, actor: Person, series: Series, person: Person, role: str) -> bool:
    """Undo it: the optional member `person` is a member again, expected at every meeting.
    False, and nothing changed, when they are not an optional member (already a member)."""
    return _role_step(actor=actor, series=series, person=person, role=role, step="undo")
