"""The customer portal, under /portal/ (namespace "portal"). Pages of other apps for customers
are built on portal.auth.portal_customer_required and extend templates/portal/base.html."""

from django.urls import include, path

from portal.views import jobs, preferences, sign_in

app_name = "portal"

urlpatterns = [
    path("", jobs.home, name="home"),
    path("jobs/<int:job_pk>/", jobs.job_detail, name="job"),
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/sent/", sign_in.sign_in_sent, name="sign-in-sent"),
    path("sign-in/code/", sign_in.sign_in_code, name="sign-in-code"),
    # The link in the email: "<tenant id>.<secret>" (portal/tokens.py).
    path("sign-in/<str:token>/", sign_in.sign_in_link, name="link"),
    path("sign-out/", sign_in.sign_out, name="sign-out"),
    path("signed-out/", sign_in.signed_out, name="signed-out"),
    path("language/", preferences.language_switch, name="language"),
    path("preferences/", preferences.preferences_page, name="preferences"),
    path("preferences/saved/", preferences.preferences_page, name="preferences-saved"),
    path("preferences/my-data/", preferences.data_download, name="my-data"),
    path("preferences/erasure/", preferences.erasure_request, name="erasure"),
    path(
        "preferences/erasure/requested/",
        preferences.erasure_request,
        name="erasure-requested",
    ),
    # Pages of their own modules, so each grows without touching this list.
    path("messages/", include("portal.urls_messages")),
    path("documents/", include("portal.urls_documents")),
    path("welcome/", include("portal.urls_onboarding")),
    path("updates/", include("portal.urls_updates")),
    path("invoices/", include("portal.urls_invoices")),
]
