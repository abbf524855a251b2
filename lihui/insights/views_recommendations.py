"""One-click recommendations: the change a recommendation proposes, confirmed by a POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.people.models import Person
from lihui.regime.models import Membership
from lihui.regime.services import membership_role_set
from lihui.regime.views import _managed_series


@login_required
@require_POST
def apply_optional(request, pk: int):
    """Make a member who keeps missing the meeting an optional member (列席人)."""
    series = _managed_series(request, pk)
    raw = request.POST.get("person", "")
    person = Person.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    try:
        if person is None:
            raise ValidationError(_("Choose a member of the series."))
        membership_role_set(actor=request.user, series=series, person=person, role=Membership.Role.OPTIONAL)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("%(name)s is now an optional member: invited, not expected.") % {"name": person.name})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("insights:series_health", args=[series.pk])
    return redirect(back)
