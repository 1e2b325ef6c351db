from axes.helpers import get_lockout_response
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from crm import auth
from crm.forms import EmailLoginForm, MemberPasswordResetForm
from crm.kit.links import home_page
from crm.kit.redirects import safe_next
from crm.kit.requests import TeamRequest
from crm.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
from crm.selectors.members import memberships_for_user


class LoginView(auth_views.LoginView):
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # The page axes shows for a locked account: nobody learns which limit was hit.
        if auth.sign_in_refused_for_client(request):
            return get_lockout_response(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        auth.sign_in_failed(self.request)
        return super().form_invalid(form)

    def get_success_url(self) -> str:
        # Every sign-in passes the tenant picker, which carries the page asked for as `next`:
        # going straight there would bounce to the picker and lose it.
        choose = reverse("tenant-choose")
        target = self.get_redirect_url()
        return f"{choose}?{urlencode({'next': target})}" if target else choose


class PasswordResetView(auth_views.PasswordResetView):
    form_class = MemberPasswordResetForm

    def form_valid(self, form):
        if auth.password_reset_refused(self.request, form.cleaned_data["email"]):
            return render(self.request, "registration/password_reset_paused.html", status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        auth.lockout_clear(form.user)
        return response


@require_http_methods(["GET", "POST"])
def tenant_choose(request: TeamRequest) -> HttpResponse:
    """After login, and from the user menu: pick which tenant (team) to work in."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = memberships_for_user(user=request.user)
    chosen = None
    if request.method == "POST":
        chosen = next(
            (m for m in memberships if str(m.pk) == request.POST.get("membership_id")), None
        )
    elif len(memberships) == 1 and request.membership is None:
        chosen = memberships[0]
    if chosen is not None:
        request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = chosen.pk
        request.session["membership_count"] = len(memberships)
        return redirect(safe_next(request) or home_page())
    status = 200 if request.method == "GET" else 400
    return render(
        request,
        "registration/tenant_choose.html",
        {"memberships": memberships, "next": request.GET.get("next", "")},
        status=status,
    )
