"""`lihui/insights/compliance.py` subclasses Django's private `Join`
(django.db.models.sql.datastructures) for `_DerivedJoin`: a LEFT JOIN to a grouped
subquery, one per related table, which no public ORM construct writes. The public
alternative, a correlated Subquery per figure, gives the same results in the same one
query but runs once per meeting and per reference (some 40 per meeting: 15 s for a year of
300 weekly series on SQLite), so the private class stays, pinned here: an upgrade of Django
fails these tests until someone has checked `_DerivedJoin` against the new `Join`."""

from __future__ import annotations

import inspect

import django
from django.db import connection
from django.db.models.sql.datastructures import Join

from lihui.insights.compliance import _DerivedJoin, compliance_annotate
from lihui.meetings.models import Meeting

PINNED_SERIES = (5, 2)
PINNED_SIGNATURE = "(self, table_name, parent_alias, table_alias, join_type, join_field, nullable, filtered_relation=None)"
WHAT_TO_CHECK = (
    "lihui/insights/compliance.py: _DerivedJoin subclasses Django's private Join and was written against Django 5.2. "
    "Check that it still sets every attribute Join's own methods read (table_name, table_alias, parent_alias, "
    "join_type, join_field, join_fields, join_cols, nullable, filtered_relation), and that as_sql, "
    "relabeled_clone and identity still match what Query.join() and the compiler expect; run "
    "lihui/insights/tests/test_compliance_reference.py, then update this pin."
)


def test_django_is_the_series_the_private_join_was_written_for():
    assert django.VERSION[:2] == PINNED_SERIES, f"Django is {django.get_version()}, not 5.2.x. {WHAT_TO_CHECK}"


def test_the_private_join_keeps_its_constructor():
    signature = str(inspect.signature(Join.__init__))
    assert signature == PINNED_SIGNATURE, f"Join.__init__ is now {signature}, was {PINNED_SIGNATURE}. {WHAT_TO_CHECK}"


def test_the_derived_join_is_a_join_and_compiles_to_a_joined_grouped_subquery():
    assert issubclass(_DerivedJoin, Join), WHAT_TO_CHECK
    sql, _params = compliance_annotate(Meeting.objects.filter(pk=1)).query.get_compiler(connection=connection).as_sql()
    assert sql.count("LEFT OUTER JOIN (SELECT") == 7, WHAT_TO_CHECK  # one per related table
