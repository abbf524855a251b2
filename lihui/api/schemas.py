"""API input and output shapes. Input is strict: unknown fields are refused."""

import datetime as dt
import re
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from lihui.regime.cadence import FIRST_DAY, LAST_DAY

Id = Annotated[int, Field(ge=1, le=2**53)]

# A wall-clock time in the series' time zone: "09:30" or "09:30:00", never with an offset.
# (OpenAPI's `format: time` is RFC 3339's full-time, which requires an offset, so it would
# document something we neither accept nor send.)
_LOCAL_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?")
LOCAL_TIME_SCHEMA = {
    "type": "string",
    "pattern": f"^{_LOCAL_TIME.pattern}$",
    "examples": ["09:30"],
    "description": "local time in the series' time zone, HH:MM or HH:MM:SS, without an offset",
}


def _local_time(value):
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("time_type", "Input should be a valid time")
    if not _LOCAL_TIME.fullmatch(value):
        raise PydanticCustomError("time_parsing", "Input should be in a valid time format")
    return value


LocalTime = Annotated[dt.time, BeforeValidator(_local_time), WithJsonSchema(LOCAL_TIME_SCHEMA)]

# Dates the calendar arithmetic can handle (a year 1 or 9999 date overflows once zoned).
Day = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY, description=f"between {FIRST_DAY} and {LAST_DAY}")]
Frequency = Literal["daily", "weekly", "monthly", "quarterly"]
Role = Literal["chair", "deputy_chair", "minute_taker", "member", "optional"]


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class NoNul(Schema):
    """Text with a NUL character is refused (422), as Django's forms do: PostgreSQL cannot store it."""

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value):
        if _has_nul(value):
            raise PydanticCustomError("string_nul", "Null characters are not allowed")
        return value


class StrictIn(NoNul):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    error: str
    fields: dict[str, list[str]] = {}


class TokenIn(StrictIn):
    username: Annotated[str, Field(max_length=150)]
    password: Annotated[str, Field(max_length=1000)]
    name: Annotated[str, Field(max_length=100)] = "script"


class TokenOut(Schema):
    token: str
    id: int
    name: str


class TokenInfo(Schema):
    id: int
    name: str
    hint: str
    created: dt.datetime
    last_used: dt.datetime | None
    revoked: dt.datetime | None


class PersonOut(Schema):
    id: int
    username: str
    name: str
    department: str | None = None
    title: str
    time_zone: str
    language: str


class DepartmentOut(Schema):
    id: int
    name: str
    parent_id: int | None
    head_id: int | None


class CadenceIn(StrictIn):
    frequency: Frequency = "weekly"
    interval: Annotated[int, Field(ge=-(2**31), le=2**31)] = 1
    weekdays: Annotated[list[Annotated[int, Field(ge=-(2**31), le=2**31)]], Field(max_length=7)] = []
    monthly_mode: Literal["day", "weekday"] = "day"
    month_day: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    week_of_month: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    month_weekday: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    start_time: LocalTime
    duration_minutes: Annotated[int, Field(ge=-(2**31), le=2**31)]


class RosterIn(StrictIn):
    person: Id
    role: Role = "member"
    rotation_position: Annotated[int, Field(ge=1, le=99)] | None = None


class SeriesIn(CadenceIn):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    purpose: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=20)] = []
    department: Id | None = None
    time_zone: Annotated[str, Field(max_length=64)] | None = None
    start_date: Day
    end_date: Day | None = None
    count: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None
    location: Annotated[str, Field(max_length=200)] = ""
    video_link: Annotated[str, Field(max_length=500)] = ""
    minute_taker_rotates: bool = False
    agenda_lead_hours: Annotated[int, Field(ge=0, le=720)] = 24
    minutes_deadline_hours: Annotated[int, Field(ge=0, le=720)] = 24
    reminder_minutes: Annotated[int, Field(ge=0, le=1440)] = 15
    escalate_after_days: Annotated[int, Field(ge=0, le=365)] = 3
    survey_enabled: bool = True
    survey_anonymous: bool = True
    review_actions: bool = True
    survey_open_days: Annotated[int, Field(ge=1, le=30)] = 3
    survey_target_percent: Annotated[int, Field(ge=0, le=100)] = 60
    start_tolerance_minutes: Annotated[int, Field(ge=0, le=120)] = 5
    end_tolerance_minutes: Annotated[int, Field(ge=0, le=240)] = 5
    ground_rules: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=30)] = []
    review_period: Literal["monthly", "quarterly"] = "monthly"
    visibility: Literal["roster", "organization"] = "roster"
    holiday_policy: Literal["skip", "next_workday", "keep"] = "next_workday"
    roster: Annotated[list[RosterIn], Field(min_length=1, max_length=500)]
    # On create, with a start date in the past: enter the meetings since then as history
    # (held, 补录) instead of planning from the next meeting only. Ignored on update.
    record_history: bool = False


class RosterOut(Schema):
    person: int
    name: str
    role: Role
    rotation_position: int | None


class WindowIn(StrictIn):
    kind: Literal["peak", "calm"] = "peak"
    name: Annotated[str, Field(max_length=100)] = ""
    start_date: Day
    end_date: Day
    frequency: Frequency = "daily"
    interval: Annotated[int, Field(ge=-(2**31), le=2**31)] = 1
    weekdays: Annotated[list[Annotated[int, Field(ge=-(2**31), le=2**31)]], Field(max_length=7)] = []
    monthly_mode: Literal["day", "weekday"] = "day"
    month_day: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    week_of_month: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    month_weekday: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    start_time: LocalTime | None = None
    duration_minutes: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None


class WindowOut(Schema):
    id: int
    kind: str
    name: str
    start_date: dt.date
    end_date: dt.date
    frequency: str
    interval: int
    weekdays: list[int]
    start_time: LocalTime
    duration_minutes: int
    description: str


class SeriesOut(Schema):
    id: int
    title: str
    purpose: list[str]
    department: int | None
    frequency: str
    interval: int
    weekdays: list[int]
    monthly_mode: str
    month_day: int | None
    week_of_month: int | None
    month_weekday: int | None
    start_time: LocalTime
    duration_minutes: int
    time_zone: str
    start_date: dt.date
    end_date: dt.date | None
    count: int | None
    rrule: str
    description: str
    location: str
    video_link: str
    minute_taker_rotates: bool
    agenda_lead_hours: int
    minutes_deadline_hours: int
    reminder_minutes: int
    escalate_after_days: int
    survey_enabled: bool
    survey_anonymous: bool
    review_actions: bool
    survey_open_days: int
    survey_target_percent: int
    start_tolerance_minutes: int
    end_tolerance_minutes: int
    ground_rules: list[str]
    review_period: str
    visibility: str
    holiday_policy: str
    roster: list[RosterOut]
    windows: list[WindowOut]


class OccurrenceOut(Schema):
    id: int | None = Field(description="null for an occurrence beyond the planning horizon (projected, not stored yet)")
    series: int
    number: int | None
    status: Literal["scheduled", "held", "cancelled", "skipped"]
    origin: Literal["rule", "extra"]
    start: dt.datetime
    end: dt.datetime
    local_start: str = Field(description="start in the series' time zone, ISO 8601 with offset")
    duration_minutes: int
    location: str
    minute_taker: int | None
    is_exception: bool
    cancel_reason: str
    holiday: str
    moved_from: dt.date | None
    projected: bool = False


class MoveIn(StrictIn):
    date: Day
    start_time: LocalTime
    duration_minutes: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None


class CancelIn(StrictIn):
    reason: Annotated[str, Field(max_length=300)]


class ExtraIn(StrictIn):
    date: Day
    start_time: LocalTime
    duration_minutes: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None
    location: Annotated[str, Field(max_length=200)] = ""
