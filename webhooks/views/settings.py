"""The admin's pages of outbound webhooks: endpoints, their secret, and their delivery log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.access import admin_required
from webhooks.forms import EndpointForm
from webhooks.models import PREVIOUS_SECRET_KEPT, EventType
from webhooks.selectors import endpoints as selectors
from webhooks.services import endpoints as services
from webhooks.services.deliveries import MAX_ATTEMPTS, RETRY_DELAYS

LOG = "webhooks/settings/endpoint.html"
SECTION = "webhooks"


@admin_required
@require_GET
def endpoint_list(request):
    endpoints = selectors.endpoint_list(tenant=request.tenant)
    labels = dict(EventType.choices)
    for endpoint in endpoints:
        endpoint.event_labels = [labels.get(value, value) for value in endpoint.events]
    return render(
        request,
        "webhooks/settings/endpoints.html",
        {"endpoints": endpoints, "section": SECTION},
    )


@admin_required
@require_GET
def endpoint_detail(request, endpoint_pk: int):
    endpoint = selectors.endpoint_get(tenant=request.tenant, endpoint_pk=endpoint_pk)
    page = selectors.deliveries_page(
        tenant=request.tenant, endpoint=endpoint, after=request.GET.get("after")
    )
    labels = dict(EventType.choices)
    context = {
        "endpoint": endpoint,
        "event_labels": [labels.get(value, value) for value in endpoint.events],
        "page": page,
        "max_attempts": MAX_ATTEMPTS,
        "retry_count": len(RETRY_DELAYS),
        "overlap_hours": _overlap_hours(),
        "previous_secret_active": endpoint.previous_secret_active(),
        "section": SECTION,
    }
    if request.htmx and request.GET.get("after"):
        return render(request, f"{LOG}#rows", context)
    return render(request, LOG, context)


@admin_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, endpoint_pk: int | None = None):
    endpoint = (
        selectors.endpoint_get(tenant=request.tenant, endpoint_pk=endpoint_pk)
        if endpoint_pk
        else None
    )
    initial = (
        {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
        if endpoint
        else {}
    )
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ("url", "description", "events")}
        try:
            if endpoint is None:
                saved = services.endpoint_create(
                    tenant=request.tenant, actor=request.user, **fields
                )
            else:
                saved = services.endpoint_update(tenant=request.tenant, endpoint=endpoint, **fields)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Endpoint saved.")
                if endpoint
                else _("Endpoint added. Copy its signing secret into the receiver."),
            )
            return redirect("webhooks-settings:endpoint", endpoint_pk=saved.pk)
    return render(
        request,
        "webhooks/settings/endpoint_form.html",
        {"form": form, "endpoint": endpoint, "section": SECTION},
        status=400 if form.errors else 200,
    )


def _post_action(request, endpoint_pk: int, action, success: str):
    endpoint = selectors.endpoint_get(tenant=request.tenant, endpoint_pk=endpoint_pk)
    try:
        action(endpoint)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("webhooks-settings:endpoint", endpoint_pk=endpoint.pk)


@admin_required
@require_POST
def endpoint_delete(request, endpoint_pk: int):
    endpoint = selectors.endpoint_get(tenant=request.tenant, endpoint_pk=endpoint_pk)
    services.endpoint_delete(tenant=request.tenant, endpoint=endpoint)
    messages.success(
        request, _("Endpoint %(url)s deleted: nothing more is sent to it.") % {"url": endpoint.url}
    )
    return redirect("webhooks-settings:endpoints")


def _overlap_hours() -> int:
    return int(PREVIOUS_SECRET_KEPT.total_seconds() // 3600)


@admin_required
@require_POST
def endpoint_rotate(request, endpoint_pk: int):
    hours = _overlap_hours()
    return _post_action(
        request,
        endpoint_pk,
        lambda endpoint: services.endpoint_rotate_secret(tenant=request.tenant, endpoint=endpoint),
        ngettext(
            "New signing secret made. For the next %(hours)d hour deliveries are signed with "
            "the old secret too: update the receiver before then.",
            "New signing secret made. For the next %(hours)d hours deliveries are signed with "
            "the old secret too: update the receiver before then.",
            hours,
        )
        % {"hours": hours},
    )


@admin_required
@require_POST
def endpoint_stop_previous_secret(request, endpoint_pk: int):
    return _post_action(
        request,
        endpoint_pk,
        lambda endpoint: services.endpoint_stop_previous_secret(
            tenant=request.tenant, endpoint=endpoint
        ),
        _("Deliveries are now signed with the new secret only."),
    )


@admin_required
@require_POST
def endpoint_enable(request, endpoint_pk: int):
    return _post_action(
        request,
        endpoint_pk,
        lambda endpoint: services.endpoint_enable(tenant=request.tenant, endpoint=endpoint),
        _("Endpoint enabled: new events are sent to it again."),
    )


@admin_required
@require_POST
def endpoint_disable(request, endpoint_pk: int):
    return _post_action(
        request,
        endpoint_pk,
        lambda endpoint: services.endpoint_disable(
            tenant=request.tenant, endpoint=endpoint, actor=request.user
        ),
        _("Endpoint disabled: nothing is sent to it until it is enabled again."),
    )


@admin_required
@require_POST
def endpoint_test(request, endpoint_pk: int):
    return _post_action(
        request,
        endpoint_pk,
        lambda endpoint: services.endpoint_send_test(
            tenant=request.tenant, endpoint=endpoint, actor=request.user
        ),
        _("Test event queued: it shows in the log below within seconds."),
    )
