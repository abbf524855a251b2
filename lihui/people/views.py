from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lihui.directory import sso
from lihui.directory.login_methods import login_methods

from . import services
from .forms import LoginForm, PreferencesForm, TokenForm
from .selectors import api_token_list, person_search


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm  # throttles failed sign-ins

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["login_methods"] = login_methods(self.request, context.get("next") or "")
        return context

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    """Django's logout, then on to the sign-in provider's logout when the person came through
    one that offers it (OpenID Connect end_session_endpoint, SAML single logout), so both
    sessions end."""

    def post(self, request, *args, **kwargs):
        at_provider = sso.provider_logout_url(request)  # before the session (and the ID token) is gone
        response = super().post(request, *args, **kwargs)
        return sso.provider_logout_page(request, at_provider) if at_provider else response


@login_required
def profile(request):
    form = PreferencesForm(instance=request.user)
    if request.method == "POST" and "save_preferences" in request.POST:
        form = PreferencesForm(request.POST, instance=request.user)
        if form.is_valid():
            services.person_preferences_save(actor=request.user, person=request.user, language=form.cleaned_data["language"],
                                             time_zone=form.cleaned_data["time_zone"])  # fmt: skip
            messages.success(request, _("Your preferences were saved."))
            return redirect("people:profile")
    from lihui.notices.selectors import preferences_for
    from lihui.notify.kinds import LABELS, PERSONAL_TRANSPORTS
    from lihui.regime.models import CalendarFeed

    new_secret = request.session.pop("new_token_secret", None)
    new_feed_url = request.session.pop(CalendarFeed.new_url_session_key(None), None)  # shown once, like the token
    chosen = preferences_for(person=request.user)
    notices = [(label, [(f"{kind}:{t}", chosen[(kind, t)]) for t in PERSONAL_TRANSPORTS]) for kind, label in LABELS.items()]
    return render(
        request,
        "people/profile.html",
        {"form": form, "token_form": TokenForm(), "tokens": api_token_list(person=request.user), "new_secret": new_secret,
         "notices": notices, "new_feed_url": new_feed_url,
         "own_feed": CalendarFeed.objects.filter(person=request.user, series=None).first()},
    )  # fmt: skip


@login_required
def password_change(request):
    """Everyone's own password. Saving it revokes the person's API tokens (Person.save) and
    ends their other sessions (each session carries an HMAC of the old hash); this one is
    carried over to the new hash so the person stays signed in here."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.save()
        update_session_auth_hash(request, person)
        messages.success(request, _("Your password was changed. Your API tokens were revoked and your other sign-ins ended."))
        return redirect("people:profile")
    return render(request, "people/password_change.html", {"form": form})


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, secret = services.api_token_create(person=request.user, name=form.cleaned_data["name"])
        # Shown once on the next page, then gone: only its hash is stored.
        request.session["new_token_secret"] = secret
    else:
        messages.error(request, _("Give the token a name."))
    return redirect("people:profile")


@login_required
@require_POST
def token_revoke(request, pk: int):
    if services.api_token_revoke(person=request.user, token_id=pk):
        messages.success(request, _("The token was revoked."))
    return redirect("people:profile")


@require_POST
def set_language(request):
    """Switch language: stored on the person when signed in, in a cookie otherwise."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        services.person_set_preferences(person=request.user, language=language)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
@require_GET
def person_lookup(request):
    """The person picker's suggestions: ?q= a name, its start, or its pinyin (“wang”, “wq”).
    At most 20 active people as JSON: {"results": [{"id", "name", "department"}]}."""
    results = person_search(q=request.GET.get("q", ""))
    response = JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=60"
    return response
