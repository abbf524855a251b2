"""Schemathesis against /api/v1/openapi.json: the API keeps the promises its schema makes.

What this proves: for every operation in the OpenAPI document, thousands of requests
generated from the schema itself (valid ones and deliberately invalid ones), sent with a
real personal API token of the chair of two real series, get

* no server error (no status >= 500),
* only status codes the operation documents,
* a body that matches the documented schema for that status, with the documented content type,
* a refusal (4xx) for every request that breaks the schema (invalid input is never accepted).

The schema is loaded in-process from the WSGI application (`lihui.wsgi.application`), so
every request goes through the real middleware, authentication and routers. The data set is
the permission tests' cast with everything an operation can point at: meetings prepared,
run and ended, an agenda with a pre-read and a guest, minutes, decisions, actions, a survey,
KPIs, a cadence window, spare tokens. Path ids are drawn half the time from those real
objects (so requests reach the handlers' logic, not just their 404) and half the time
generated. Each request runs inside a savepoint that is rolled back, so a DELETE or a
move never takes the data away from the requests after it.

Generation is derandomized and uses no example database, so CI sees the same requests
every run. At least `MIN_TOTAL` requests are sent; per-operation counts and the total are
printed (visible with `-s`).

Run it:

    .venv/bin/pytest lihui/api/tests/test_schemathesis.py -p no:xdist -s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lihui_h1 .venv/bin/pytest lihui/api/tests/test_schemathesis.py -p no:xdist -s
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import re
import time
from zoneinfo import ZoneInfo

import pytest
import schemathesis
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.errors import FailureGroup

from lihui.actions.models import ActionItem
from lihui.actions.services import action_create, decision_record
from lihui.directory.models import SyncReport
from lihui.meetings.models import Meeting
from lihui.meetings.services.agenda import agenda_ensure, guest_invite, material_add
from lihui.meetings.services.live import meeting_end, meeting_start
from lihui.minutes.services import minutes_save
from lihui.people.models import Department
from lihui.people.services import api_token_create
from lihui.regime.services import cadence_window_add
from lihui.reports.services import kpi_define
from lihui.testing.cast import make_cast
from lihui.wsgi import application  # importing it sets Django up (and its logging) again: keep it out of the test

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday, four weeks after the cast's series began (Monday 2 Nov 2026, 09:30 Shanghai).
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)

MIN_TOTAL = 5000
# Examples per operation and generation mode. Hypothesis stops early when an operation's
# input space is exhausted (GET /me has exactly one request), so the total is asserted.
EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 24}

# The checks every response must pass. Left out, each for a reason:
# - positive_data_acceptance: schema-valid input may still break a business rule the schema
#   cannot state (an end date before the start, a meeting that has not started yet), and the
#   documented answer to that is 409/422, which this check counts as a failure.
# - ignored_auth / missing_required_header: anonymous and bad-token requests get 401 on every
#   operation, proven operation by operation in lihui/tests/permissions/test_api.py.
# - use_after_free / ensure_resource_availability / object_level_authorization: stateful
#   checks that need links between operations; every request here is rolled back.
# - unsupported_method / allow_header_conformance / max_response_time: not about the schema.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def _media(settings, tmp_path):
    """Uploaded materials go to a temporary directory (files outlive a rolled-back savepoint)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def _quiet_4xx():
    """Thousands of refused requests would each log a warning; server errors still log."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def _wsgi_in_test_transaction():
    """The WSGI handler closes the database connection at the start and end of every
    request; inside the test's transaction that would drop it. Django's own test client
    does the same as this while it runs a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def seed() -> tuple[dict[str, list[int]], str]:
    """The world: the cast, and one of everything an operation's path can point at.
    Returns the ids per path parameter and the chair's Bearer secret."""
    cast = make_cast()
    chair, member = cast.chair, cast.presenter
    # Department heads get their department's report item on every agenda.
    sales = Department.objects.create(name="华东销售部", head=member)
    ops = Department.objects.create(name="运营中心", head=chair)
    kpis = [
        kpi_define(actor=chair, department=ops, data={"name": "订单准时发货率", "unit": "%"}),
        kpi_define(actor=cast.admin, department=sales, data={"name": "回款额", "unit": "万元"}),
    ]
    chair.department = ops
    chair.save(update_fields=["department"])

    ids: dict[str, set[int]] = collections.defaultdict(set)
    ids["department_id"] |= {sales.pk, ops.pk}
    for series in (cast.series, cast.open_series):
        ids["series_id"].add(series.pk)
        window = cadence_window_add(
            actor=chair,
            series=series,
            data={"kind": "peak", "name": "双十二", "start_date": dt.date(2026, 12, 8), "end_date": dt.date(2026, 12, 14),
                  "frequency": "daily", "interval": 1},
        )
        ids["window_id"].add(window.pk)
        ahead = series.meetings.filter(status=Meeting.Status.SCHEDULED, start__gt=timezone.now()).order_by("start")
        prepared, held = ahead[0], ahead[1]
        past = series.meetings.filter(start__lt=timezone.now()).order_by("-start").first()
        ids["meeting_id"] |= set(series.meetings.values_list("pk", flat=True)[:6]) | {prepared.pk, held.pk, past.pk}

        # An earlier meeting's actions, reviewed in the next one.
        for title, owner in (("整理 Q3 退货数据", member), ("更新双十一备货计划", chair)):
            action = action_create(actor=chair, meeting=past, title=title, owner=owner, due=NOW.date() + dt.timedelta(days=10))
            ids["action_id"].add(action.pk)

        # The next meeting, prepared: agenda, a pre-read, a guest.
        agenda_ensure(meeting=prepared)
        for item in prepared.items.all():
            ids["item_id"].add(item.pk)
        item = prepared.items.filter(presenter=member).first()
        material = material_add(
            actor=member, item=item, upload=SimpleUploadedFile("预读材料.pdf", PDF, content_type="application/pdf")
        )
        ids["material_id"].add(material.pk)
        guest = guest_invite(actor=chair, item=item, name="财务老李", reason="预算")
        ids["guest_id"].add(guest.pk)

        # The one after, held: started, minutes saved, a decision and an action, ended (survey open).
        agenda_ensure(meeting=held)
        meeting_start(actor=chair, meeting=held, confirm_early=True)
        held.refresh_from_db()
        for item in held.items.all():
            ids["item_id"].add(item.pk)
        minutes_save(actor=chair, meeting=held, text="# 纪要\n\n双十一备货到位", base_revision=0)
        minutes_save(actor=chair, meeting=held, text="# 纪要\n\n双十一备货到位，退货率下降", base_revision=1)
        decision = decision_record(actor=chair, meeting=held, text="双十二加开日会")
        action = action_create(
            actor=chair, meeting=held, title="双十二每日复盘", owner=member, due=NOW.date() + dt.timedelta(days=20),
            decision=decision,
        )
        ids["action_id"].add(action.pk)
        meeting_end(actor=chair, meeting=held)

    tokens = [api_token_create(person=chair, name=f"脚本{i}")[0] for i in range(3)]
    ids["token_id"] |= {t.pk for t in tokens}
    ids["number"] |= {1, 2, 3}
    ids["report_id"].add(SyncReport.objects.create(source="ldap", trigger="manual").pk)
    ids["person_id"] |= {chair.pk, member.pk}
    _token, secret = api_token_create(person=chair, name="schemathesis")
    assert ActionItem.objects.count() >= 6 and kpis
    ids["chair"] = {chair.pk}
    return {k: sorted(v) for k, v in ids.items()}, secret


def valid_bodies(ids: dict[str, list[int]]) -> dict[str, list[dict]]:
    """Bodies that pass every business rule, for writes whose generated bodies rarely do."""
    chair = ids["chair"][0]
    return {
        "POST /api/v1/series": [
            {"title": "周会", "weekdays": [0], "start_time": "09:30", "duration_minutes": 60, "start_date": "2026-12-07",
             "roster": [{"person": chair, "role": "chair"}]},
        ],
        "POST /api/v1/series/{series_id}/occurrences": [{"date": "2026-12-11", "start_time": "08:00"}],
        "POST /api/v1/meetings/{meeting_id}/move": [{"date": "2026-12-10", "start_time": "15:00", "location": "305"}],
    }


def path_names(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def strategy(operation, mode: GenerationMode, ids: dict[str, list[int]]):
    """Cases for the operation: half with generated path ids, half with ids of real objects
    (and, for a few writes, also with a body that passes the business rules)."""
    generated = operation.as_strategy(generation_mode=mode)
    names = path_names(operation.path)
    bodies = valid_bodies(ids).get(operation.label, []) if mode is GenerationMode.POSITIVE else []
    fixed = st.fixed_dictionaries({name: st.sampled_from(ids[name]) for name in names})
    valid = [
        fixed.flatmap(lambda pp, body=body: operation.as_strategy(generation_mode=mode, path_parameters=pp, body=body))
        for body in bodies
    ]
    if not names:
        return st.one_of(generated, *valid)
    # A negative case needs something to break; with the path fixed, that is the query or body.
    has_more = bool(operation.query) or operation.body
    if mode is GenerationMode.NEGATIVE and not has_more:
        return generated
    real = fixed.flatmap(lambda pp: operation.as_strategy(generation_mode=mode, path_parameters=pp))
    return st.one_of(generated, real, *valid)


@pytest.mark.django_db
def test_api_conforms_to_its_schema(_media, _quiet_4xx, _wsgi_in_test_transaction):
    with time_machine.travel(NOW, tick=False):
        ids, secret = seed()
        auth = {"Authorization": f"Bearer {secret}"}
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

        operations = []
        for result in schema.get_all_operations():
            operations.append(result.ok())  # an operation the schema cannot describe fails here
        labels = [op.label for op in operations]
        assert len(labels) == len(set(labels)) and len(labels) >= 80, labels

        counts: collections.Counter[str] = collections.Counter()
        statuses: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
        failures: dict[tuple[str, str], str] = {}
        started = time.monotonic()

        def run(operation, mode: GenerationMode) -> None:
            @settings(
                max_examples=EXAMPLES[mode],
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy(operation, mode, ids))
            def send(case):
                with transaction.atomic():
                    response = case.call(headers=auth)
                    transaction.set_rollback(True)
                counts[operation.label] += 1
                statuses[operation.label][response.status_code] += 1
                try:
                    case.validate_response(response, checks=CHECKS, headers=auth)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        failures.setdefault(
                            (operation.label, failure.title),
                            f"[{mode.value}] {case.as_curl_command()}\n{failure.message[:800]}",
                        )

            send()

        for operation in operations:
            for mode in EXAMPLES:
                run(operation, mode)

        elapsed = time.monotonic() - started
        total = sum(counts.values())
        width = max(map(len, labels))
        print()
        for label in labels:
            detail = " ".join(f"{code}:{n}" for code, n in sorted(statuses[label].items()))
            print(f"{label:<{width}} {counts[label]:>4}  {detail}")
        print(f"{'TOTAL':<{width}} {total:>4}  in {elapsed:.0f}s, {len(failures)} failure(s)")

        assert not [label for label in labels if counts[label] == 0], "operations not exercised"
        assert total >= MIN_TOTAL, f"only {total} requests sent"
        assert not failures, "\n\n".join(f"{op}: {text}" for (op, _), text in sorted(failures.items()))
