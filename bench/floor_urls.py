"""Test-only URLconf for section 10 (bench/floor.py): the project's URLs plus the framework
floor, an authenticated page that renders base.html after one trivial query. Used only through
override_settings(ROOT_URLCONF="floor_urls") inside the benchmark; never part of the app."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from lihui.people.models import Person
from lihui.urls import handler500  # noqa: F401  (handler500: same error page)
from lihui.urls import urlpatterns as project_urlpatterns


@login_required
def floor(request):
    """The least a page can do here: same middleware, login, one query, the base template."""
    Person.objects.filter(pk=request.user.pk).exists()
    return render(request, "base.html")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *project_urlpatterns]
