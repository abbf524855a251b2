"""Department heads define their KPIs on the KPI page."""

import pytest
from django.test import Client

from lihui.reports.models import Kpi
from lihui.testing.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_head_adds_retires_and_cannot_duplicate():
    head = PersonFactory(language="en")
    department = DepartmentFactory(name="物流部", head=head)
    client = Client()
    client.force_login(head)
    r = client.post(f"/kpis/{department.pk}/add/", {"name": "准时发货率", "unit": "%", "higher_is_better": "on", "default_target": "98"})
    assert r.status_code == 302
    kpi = Kpi.objects.get()
    assert (kpi.name, kpi.higher_is_better, str(kpi.default_target)) == ("准时发货率", True, "98.0000")
    again = client.post(f"/kpis/{department.pk}/add/", {"name": "准时发货率", "unit": "%", "default_target": "abc"})
    assert again.status_code == 200 and 'role="alert"' in again.content.decode()
    assert Kpi.objects.count() == 1
    client.post(f"/kpis/kpi/{kpi.pk}/toggle/")
    kpi.refresh_from_db()
    assert kpi.active is False
    assert "准时发货率" in client.get("/kpis/").content.decode()


def test_someone_elses_department_is_not_found():
    department = DepartmentFactory(head=PersonFactory())
    client = Client()
    client.force_login(PersonFactory())
    assert client.post(f"/kpis/{department.pk}/add/", {"name": "x"}).status_code == 404
    assert "not the head of a department" in client.get("/kpis/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_kpi_form_errors_name_the_field_by_its_label_and_keep_the_typed_values():
    """Issue 16: 「name 此项为必填项」 showed the raw field key."""
    head = PersonFactory(language="en")
    department = DepartmentFactory(name="客服部", head=head)
    client = Client()
    client.force_login(head)
    r = client.post(f"/kpis/{department.pk}/add/", {"name": "", "unit": "%", "default_target": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="kpi-errors"' in html
    assert "<li>name<" not in html and "<li>default_target<" not in html
    assert "Name: This field is required." in html and "Default target: Enter a number." in html
    assert 'value="%"' in html and 'value="abc"' in html
    assert not Kpi.objects.exists()


def test_a_negative_default_target_of_a_percentage_is_refused():
    head = PersonFactory(language="en")
    department = DepartmentFactory(name="仓储部", head=head)
    client = Client()
    client.force_login(head)
    r = client.post(f"/kpis/{department.pk}/add/", {"name": "破损率", "unit": "%", "default_target": "-5"})
    assert r.status_code == 200 and "Default target: A percentage cannot be negative." in r.content.decode()
    assert not Kpi.objects.exists()
