"""API input and output shapes. Input is strict: unknown fields are refused."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

Id = Annotated[int, Field(ge=1, le=2**53)]
Frequency = Literal["daily", "weekly", "monthly", "quarterly"]
Role = Literal["chair", "minute_taker", "member", "optional"]


class StrictIn(Schema):
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
    start_time: dt.time
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
    start_date: dt.date
    end_date: dt.date | None = None
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


class RosterOut(Schema):
    person: int
    name: str
    role: Role
    rotation_position: int | None


class WindowIn(StrictIn):
    kind: Literal["peak", "calm"] = "peak"
    name: Annotated[str, Field(max_length=100)] = ""
    start_date: dt.date
    end_date: dt.date
    frequency: Frequency = "daily"
    interval: Annotated[int, Field(ge=-(2**31), le=2**31)] = 1
    weekdays: Annotated[list[Annotated[int, Field(ge=-(2**31), le=2**31)]], Field(max_length=7)] = []
    monthly_mode: Literal["day", "weekday"] = "day"
    month_day: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    week_of_month: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    month_weekday: Annotated[int, Field(ge=-(2**15), le=2**15)] | None = None
    start_time: dt.time | None = None
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
    start_time: dt.time
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
    start_time: dt.time
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
    date: dt.date
    start_time: dt.time
    duration_minutes: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None


class CancelIn(StrictIn):
    reason: Annotated[str, Field(max_length=300)]


class ExtraIn(StrictIn):
    date: dt.date
    start_time: dt.time
    duration_minutes: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = None
    location: Annotated[str, Field(max_length=200)] = ""
