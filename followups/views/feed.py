"""The member's private calendar feed: the page where they see, copy and regenerate its URL, and
the feed itself, fetched by calendar apps without a session (the URL is the key)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.permissions import tenant_member_required
from crm.tenancy import tenant_context
from followups.calendar_feed import calendar_build, feed_url, webcal_url
from followups.selectors.calendar_feed import (
    calendar_feed_live,
    calendar_feed_resolve,
    feed_follow_ups,
)
from followups.services.calendar_feed import (
    calendar_feed_create,
    calendar_feed_regenerate,
    calendar_feed_revoke,
)


@tenant_member_required
@require_GET
def feed_page(request):
    feed = calendar_feed_live(tenant=request.tenant, membership=request.membership)
    context = {
        "feed": feed,
        "feed_url": feed_url(feed) if feed else "",
        "webcal_url": webcal_url(feed) if feed else "",
    }
    return render(request, "followups/feed.html", context)


@tenant_member_required
@require_POST
def feed_create(request):
    calendar_feed_create(tenant=request.tenant, membership=request.membership)
    messages.success(request, _("Your calendar link is ready: add it to your calendar app."))
    return redirect("followups:feed")


@tenant_member_required
@require_POST
def feed_regenerate(request):
    calendar_feed_regenerate(tenant=request.tenant, membership=request.membership)
    messages.success(
        request,
        _("New calendar link made. The old one has stopped working: subscribe with the new one."),
    )
    return redirect("followups:feed")


@tenant_member_required
@require_POST
def feed_revoke(request):
    calendar_feed_revoke(tenant=request.tenant, membership=request.membership)
    messages.success(
        request, _("Calendar link turned off. Calendars subscribed to it stop updating.")
    )
    return redirect("followups:feed")


@require_GET
def feed_ics(request, token: str):
    """The .ics a calendar app subscribes to. Every token we cannot honour is a plain 404."""
    feed = calendar_feed_resolve(token)
    if feed is None:
        raise Http404("No such calendar.")
    with tenant_context(feed.tenant):
        now = timezone.now()
        follow_ups = feed_follow_ups(tenant=feed.tenant, membership=feed.membership, now=now)
        body = calendar_build(
            tenant=feed.tenant, membership=feed.membership, follow_ups=follow_ups, now=now
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename="follow-ups.ics"
    )
    # Personal data: no shared cache may keep it; the app asks again within the hour.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
