"""Department heads define their KPIs on the KPI page."""

import pytest
from django.test import Client

from lihui.reports.models import Kpi
from lihui.testing import DepartmentFactory, PersonFactory

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
