"""A person's notice preferences (on their profile page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lihui.notify import kinds as k

from .services import preferences_set


@login_required
@require_POST
def preferences(request):
    """Checkboxes named `<kind>:<transport>`: checked is on, absent is off."""
    chosen = {(kind, t): f"{kind}:{t}" in request.POST for kind in k.PERSONAL for t in k.PERSONAL_TRANSPORTS}
    preferences_set(person=request.user, chosen=chosen)
    messages.success(request, _("Your notice preferences were saved."))
    return redirect("/me/#notices")
