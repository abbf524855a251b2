"""The fixed cast of the permission tests, shared by every app's tests."""

from __future__ import annotations

from dataclasses import dataclass

from lihui.people.models import Person
from lihui.regime.models import Series
from lihui.testing.factories import PersonFactory, make_series


@dataclass
class Cast:
    """The fixed cast for permission tests.

    `member` is on both rosters and heads a department in the matrices' world (so the
    agenda gives them its report item, and they own the action there): the permission
    matrices call this part "presenter". `make_cast(matrix=True)` adds the matrices' two
    other parts, None otherwise so that every other test keeps the cast it counts on
    (rosters of three, five people):

    - `roster_member`: on both rosters as a plain member, presenting and owning nothing
      (the matrices' "member");
    - `guest`: on no roster; the matrices invite them, as a colleague, for the presenter's
      item of the meeting under test (the matrices' "guest").

    `person(role)` maps a matrix role (lihui.testing.permissions.ROLES) to its person."""

    chair: Person
    minute_taker: Person
    member: Person
    outsider: Person
    admin: Person
    series: Series  # private: roster only
    open_series: Series  # visible to all staff
    roster_member: Person | None = None
    guest: Person | None = None

    def all(self) -> dict[str, Person]:
        return {
            "chair": self.chair,
            "minute_taker": self.minute_taker,
            "member": self.member,
            "outsider": self.outsider,
            "admin": self.admin,
        }

    @property
    def presenter(self) -> Person:
        return self.member

    def person(self, role: str) -> Person:
        """The person who plays a matrix role."""
        parts = {"presenter": self.member, "member": self.roster_member}
        person = parts[role] if role in parts else getattr(self, role)
        assert person is not None, f"{role!r} needs make_cast(matrix=True)"
        return person


def make_cast(*, matrix: bool = False) -> Cast:
    chair = PersonFactory(username="chair", name="周云")
    minute_taker = PersonFactory(username="taker", name="孙丽")
    member = PersonFactory(username="member", name="王强")
    outsider = PersonFactory(username="outsider", name="路人甲")
    admin = PersonFactory(username="admin", name="管理员", is_staff=True, is_superuser=True)
    roster = [(minute_taker, "minute_taker"), (member, "member")]
    roster_member = guest = None
    if matrix:
        roster_member = PersonFactory(username="plain", name="赵敏")
        guest = PersonFactory(username="guest", name="钱进")
        roster.append((roster_member, "member"))
    series = make_series(chair=chair, roster=roster, title="私密例会")
    open_series = make_series(chair=chair, roster=roster, title="全员例会", visibility="organization")
    return Cast(chair, minute_taker, member, outsider, admin, series, open_series, roster_member, guest)
