"""The customer portal, under /portal/ (namespace "portal"). Pages of other apps for customers
are built on portal.auth.portal_customer_required and extend templates/portal/base.html."""

from django.urls import include, path

from portal import views, views_preferences

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<int:job_pk>/", views.job_detail, name="job"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/sent/", views.sign_in_sent, name="sign-in-sent"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    # The link in the email: "<tenant id>.<secret>" (portal/tokens.py).
    path("sign-in/<str:token>/", views.sign_in_link, name="link"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("preferences/", views_preferences.preferences_page, name="preferences"),
    path("preferences/saved/", views_preferences.preferences_page, name="preferences-saved"),
    path("preferences/my-data/", views_preferences.data_download, name="my-data"),
    path("preferences/erasure/", views_preferences.erasure_request, name="erasure"),
    path(
        "preferences/erasure/requested/",
        views_preferences.erasure_request,
        name="erasure-requested",
    ),
    # Pages of their own modules, so each grows without touching this list.
    path("messages/", include("portal.urls_messages")),
    path("documents/", include("portal.urls_documents")),
    path("welcome/", include("portal.urls_onboarding")),
    path("updates/", include("portal.urls_updates")),
]
