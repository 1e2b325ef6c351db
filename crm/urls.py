from django.urls import include, path

from crm.views import accounts, contacts, notifications
from crm.views import erasure as erasure_views
from crm.views import settings as settings_views

# crm's actions on a contact. They share the "contacts" namespace with the contact pages, which
# shell.urls composes (the pages show other apps' panels).
contact_patterns = [
    path("new/", contacts.contact_create, name="create"),
    path("<int:contact_pk>/edit/", contacts.contact_edit, name="edit"),
    path("<int:contact_pk>/merge/", contacts.contact_merge_choose, name="merge"),
    path(
        "<int:contact_pk>/merge/<int:other_pk>/",
        contacts.contact_merge_confirm,
        name="merge-confirm",
    ),
    path(
        "<int:contact_pk>/emails/<int:contact_email_pk>/confirm/",
        contacts.contact_email_confirm,
        name="email-confirm",
    ),
    path(
        "<int:contact_pk>/emails/<int:contact_email_pk>/reject/",
        contacts.contact_email_reject,
        name="email-reject",
    ),
    path(
        "<int:contact_pk>/phones/<int:contact_phone_pk>/confirm/",
        contacts.contact_phone_confirm,
        name="phone-confirm",
    ),
    path(
        "<int:contact_pk>/phones/<int:contact_phone_pk>/reject/",
        contacts.contact_phone_reject,
        name="phone-reject",
    ),
    path("<int:contact_pk>/erasure/", erasure_views.contact_erasure, name="erasure"),
    path("<int:contact_pk>/erasure/erase/", erasure_views.contact_erase, name="erase"),
    path(
        "<int:contact_pk>/erasure/decline/",
        erasure_views.contact_erasure_decline,
        name="erasure-decline",
    ),
]

notification_patterns = (
    [
        path("", notifications.notification_list, name="list"),
        path("bell/", notifications.notification_bell, name="bell"),
        path("read-all/", notifications.notification_read_all, name="read-all"),
        path("<int:notification_pk>/", notifications.notification_detail, name="detail"),
        path("<int:notification_pk>/read/", notifications.notification_read, name="read"),
    ],
    "notifications",
)

settings_patterns = (
    [
        path("", settings_views.profile, name="profile"),
        path("brands/", settings_views.brand_list, name="brands"),
        path("brands/new/", settings_views.brand_edit, name="brand-create"),
        path("brands/<int:brand_pk>/", settings_views.brand_edit, name="brand-edit"),
        path("team/", settings_views.team, name="team"),
        path("team/invite/", settings_views.member_invite, name="member-invite"),
        path("team/<int:membership_pk>/", settings_views.member_edit, name="member-edit"),
        path(
            "team/<int:membership_pk>/time-off/",
            settings_views.time_off_add,
            name="time-off-add",
        ),
        path(
            "time-off/<int:time_off_pk>/delete/",
            settings_views.time_off_delete,
            name="time-off-delete",
        ),
        path("audit/", settings_views.audit_log, name="audit"),
        path("calendar/", settings_views.business_calendar_page, name="calendar"),
        path(
            "calendar/holidays/",
            settings_views.public_holidays_toggle,
            name="calendar-holidays",
        ),
        path(
            "calendar/<int:closed_day_pk>/delete/",
            settings_views.closed_day_delete,
            name="closed-day-delete",
        ),
    ],
    "settings",
)

urlpatterns = [
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/tenant/", accounts.tenant_choose, name="tenant-choose"),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("notifications/", include(notification_patterns)),
    path("settings/", include(settings_patterns)),
]
