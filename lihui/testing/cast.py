"""The fixed cast of the permission tests, shared by every app's tests."""

from __future__ import annotations

from dataclasses import dataclass

from lihui.people.models import Person
from lihui.regime.models import Series
from lihui.testing.factories import PersonFactory, make_series


@dataclass
class Cast:
    """The fixed cast for permission tests, named by the roles of the permission matrices
    (lihui.testing.permissions.ROLES):

    - `chair`: chairs both series; `minute_taker`: takes their notes;
    - `presenter`: on both rosters; the one who reports and owns the actions (in the
      matrices' world they head a department, so the agenda gives them its report item);
    - `outsider`: signed in, on no roster; `admin`: staff, on no roster.

    `make_cast(matrix=True)` adds the matrices' two other roles, None otherwise so that
    every other test keeps the cast it counts on (rosters of three, five people):

    - `member`: on both rosters as a plain member, presenting and owning nothing;
    - `guest`: on no roster; the matrices invite them, as a colleague, for the presenter's
      item of the meeting under test.

    `person(role)` is the person who plays a matrix role."""

    chair: Person
    minute_taker: Person
    presenter: Person
    outsider: Person
    admin: Person
    series: Series  # private: roster only
    open_series: Series  # visible to all staff
    member: Person | None = None
    guest: Person | None = None

    def all(self) -> dict[str, Person]:
        return {
            "chair": self.chair,
            "minute_taker": self.minute_taker,
            "presenter": self.presenter,
            "outsider": self.outsider,
            "admin": self.admin,
        }

    def person(self, role: str) -> Person:
        """The person who plays a matrix role."""
        person = getattr(self, role)
        assert person is not None, f"{role!r} needs make_cast(matrix=True)"
        return person


def make_cast(*, matrix: bool = False) -> Cast:
    chair = PersonFactory(username="chair", name="周云")
    minute_taker = PersonFactory(username="taker", name="孙丽")
    presenter = PersonFactory(username="member", name="王强")
    outsider = PersonFactory(username="outsider", name="路人甲")
    admin = PersonFactory(username="admin", name="管理员", is_staff=True, is_superuser=True)
    roster = [(minute_taker, "minute_taker"), (presenter, "member")]
    member = guest = None
    if matrix:
        member = PersonFactory(username="plain", name="赵敏")
        guest = PersonFactory(username="guest", name="钱进")
        roster.append((member, "member"))
    series = make_series(chair=chair, roster=roster, title="私密例会")
    open_series = make_series(chair=chair, roster=roster, title="全员例会", visibility="organization")
    return Cast(chair, minute_taker, presenter, outsider, admin, series, open_series, member, guest)
