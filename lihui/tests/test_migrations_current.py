"""The models and the migrations agree: a model change without its migration fails here,
not on a deployment's `migrate`."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"makemigrations --check exited {exc.code}:\n{out.getvalue()}")
