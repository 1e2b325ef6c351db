from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from crm.kit.links import NOTIFICATION_PREFERENCES
from crm.kit.redirects import safe_next
from crm.models import Notification
from crm.permissions import tenant_member_required
from crm.selectors import notifications as notification_selectors
from crm.selectors.notifications import notification_group, notifications_for_user
from crm.services.notifications import notification_mark_read, notifications_mark_all_read


def _bell(request):
    unread, latest = notification_selectors.notification_bell(
        tenant=request.tenant, user=request.user
    )
    return render(
        request, "crm/notifications/bell.html", {"unread_count": unread, "notifications": latest}
    )


@tenant_member_required
def notification_bell(request):
    """The header bell: polled by htmx, so it stays current without a page load."""
    return _bell(request)


@tenant_member_required
def notification_list(request):
    page = notifications_for_user(
        tenant=request.tenant, user=request.user, after=request.GET.get("after")
    )
    context = {"page": page, "preferences_url": NOTIFICATION_PREFERENCES.path()}
    return render(request, "crm/notifications/list.html", context)


@tenant_member_required
@require_POST
def notification_read(request, notification_pk: int):
    try:
        notification = notification_mark_read(
            tenant=request.tenant, user=request.user, notification_id=notification_pk
        )
    except Notification.DoesNotExist as missing:
        raise Http404("No such notification.") from missing
    if request.htmx:
        return _bell(request)
    if notification.is_group:
        return redirect("notifications:detail", notification_pk=notification.pk)
    return redirect(safe_next(request, notification.url or "") or "notifications:list")


@tenant_member_required
def notification_detail(request, notification_pk: int):
    """A grouped notification with every alert in it (the bell links here)."""
    try:
        notification = notification_group(
            tenant=request.tenant, user=request.user, notification_id=notification_pk
        )
    except Notification.DoesNotExist as missing:
        raise Http404("No such notification.") from missing
    return render(request, "crm/notifications/detail.html", {"notification": notification})


@tenant_member_required
@require_POST
def notification_read_all(request):
    notifications_mark_all_read(tenant=request.tenant, user=request.user)
    if request.htmx:
        return _bell(request)
    return redirect("notifications:list")
