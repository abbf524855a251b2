"""Applying a recommendation: a page that shows what will change and asks, then the change
through the owning service, and an undo (the same service, back to the previous role)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lihui.people.models import Person
from lihui.regime.models import Membership
from lihui.regime.services import membership_role_set
from lihui.regime.views.series import _managed_series

# What each step does to the person's role: (from, to).
STEPS = {"apply": (Membership.Role.MEMBER, Membership.Role.OPTIONAL), "undo": (Membership.Role.OPTIONAL, Membership.Role.MEMBER)}


def _back(request, series) -> str:
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("insights:series_health", args=[series.pk])
    return back


def _person(raw: str) -> Person | None:
    return Person.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None


@login_required
@require_http_methods(["GET", "POST"])
def apply_optional(request, pk: int):
    """Make a member who keeps missing the meeting an optional member (列席人). GET (or a
    POST without `do`) shows what will change and asks; `do=apply` changes it and comes
    back here with an undo; `do=undo` makes them a member again."""
    series = _managed_series(request, pk)
    data = request.POST if request.method == "POST" else request.GET
    back = _back(request, series)
    person = _person(data.get("person", ""))
    membership = Membership.objects.filter(series=series, person=person).first() if person else None
    if membership is None or membership.role not in (Membership.Role.MEMBER, Membership.Role.OPTIONAL):
        messages.error(request, _("Choose a member of the series."))
        return redirect(back)
    do = data.get("do", "") if request.method == "POST" else ""
    if do in STEPS:
        before, after = STEPS[do]
        if membership.role != before:
            messages.info(request, _("Nothing changed: %(name)s is already an optional member.") % {"name": person.name}
                          if do == "apply" else _("Nothing changed: %(name)s is already a member.") % {"name": person.name})  # fmt: skip
        else:
            try:
                membership_role_set(actor=request.user, series=series, person=person, role=after)
            except ValidationError as e:
                messages.error(request, " ".join(e.messages))
                return redirect(back)
            if do == "undo":
                messages.success(request, _("Undone: %(name)s is a member again, expected at every meeting.") % {"name": person.name})
                return redirect(back)
            messages.success(request, _("%(name)s is now an optional member: invited, not expected.") % {"name": person.name})
        query = urlencode({"person": person.pk, "next": back})
        return redirect(f"{reverse('insights:apply_optional', args=[series.pk])}?{query}")
    return render(
        request,
        "insights/apply_optional.html",
        {"series": series, "person": person, "membership": membership, "back": back,
         "is_optional": membership.role == Membership.Role.OPTIONAL},  # fmt: skip
    )
