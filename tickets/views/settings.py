"""/settings/ pages where admins configure the inbox: inboxes with their addresses and agents, SLA
targets, the tenant's inbox rules, and the log of inbound webhook events. Every write goes through
tickets.services.configuration (or tickets.services.ingest for a retry)."""

import copy
from dataclasses import dataclass
from urllib.parse import urlencode

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.access import admin_required
from crm.models import Membership
from tickets.forms.settings import (
    InboundFilterForm,
    InboxAddressForm,
    InboxAgentForm,
    InboxForm,
    InboxSettingsForm,
    SlaPoliciesForm,
)
from tickets.models import (
    ACTIVE_STATUSES,
    InboundEvent,
    Inbox,
    InboxAddress,
    InboxAgent,
    InboxChannel,
    Ticket,
)
from tickets.selectors import settings as selectors
from tickets.selectors.settings import RETRYABLE
from tickets.services import configuration
from tickets.services.configuration import inbox_settings_get
from tickets.services.ingest import inbound_event_requeue
from tickets.views.inbox import original_download_response

# --- Where providers send -------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    provider: str
    url: str
    note: str


def _site_url(path: str) -> str:
    return settings.THREADLINE_SITE_URL.rstrip("/") + path


def _with_basic_auth(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://USER:PASSWORD@{rest}"


ESP_INBOUND = (
    (
        "Mailgun",
        "mailgun",
        gettext_lazy(
            "A route whose action forwards to this URL; the Mailgun webhook signing key must be set "
            "on the server too."
        ),
    ),
    (
        "SendGrid",
        "sendgrid",
        gettext_lazy(
            "Settings → Inbound Parse: add your receiving domain with this URL and tick “POST the "
            "raw, full MIME message”."
        ),
    ),
    (
        "Postmark",
        "postmark",
        gettext_lazy(
            "The inbound stream's webhook URL; tick “Include raw email content in JSON payload”."
        ),
    ),
    (
        "Amazon SES",
        "amazon_ses",
        gettext_lazy(
            "A receipt rule publishing to an SNS topic, with an HTTPS subscription to this URL "
            "(confirmed automatically)."
        ),
    ),
)


def _webhooks() -> dict[str, list[Webhook]]:
    """What to enter at each provider, by channel. Email goes through anymail's inbound webhooks,
    which authenticate the ESP with HTTP basic auth (the server's webhook secret)."""
    twilio = [
        Webhook(
            _("Twilio: a message comes in"),
            _site_url(reverse("tickets-public:twilio-inbound")),
            _("HTTP POST. Each message is checked against this number's auth token."),
        ),
        Webhook(
            _("Twilio: status callback"),
            _site_url(reverse("tickets-public:twilio-status")),
            _("HTTP POST. Delivery reports for the replies sent from this number."),
        ),
    ]
    esps = [
        Webhook(
            name,
            _with_basic_auth(_site_url(reverse(f"comms-public:anymail:{esp}_inbound_webhook"))),
            note,
        )
        for name, esp, note in ESP_INBOUND
    ]
    return {InboxChannel.EMAIL: esps, InboxChannel.SMS: twilio, InboxChannel.WHATSAPP: twilio}


def _shown_address(address: InboxAddress) -> str:
    if address.channel == InboxChannel.EMAIL:
        return address.address
    try:
        number = phonenumbers.parse(address.address)
    except phonenumbers.NumberParseException:
        return address.address
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _for_page(addresses) -> list[InboxAddress]:
    hooks = _webhooks()
    addresses = list(addresses)
    for address in addresses:
        address.shown = _shown_address(address)
        address.webhooks = hooks[address.channel]
        address.token_is_set = bool(address.twilio_auth_token_encrypted)
    return addresses


# --- Inboxes ------------------------------------------------------------------------------------


@admin_required
@require_GET
def inbox_list(request):
    inboxes = selectors.inboxes_with_counts(request.tenant)
    return render(
        request, "tickets/settings/inboxes.html", {"inboxes": inboxes, "section": "inboxes"}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def inbox_edit(request, inbox_pk: int | None = None):
    inbox = selectors.inbox_get(request.tenant, inbox_pk) if inbox_pk else None
    # A copy: validating writes the submitted values onto the instance the heading shows.
    form = InboxForm(
        request.POST or None,
        instance=copy.copy(inbox) if inbox else None,
        tenant=request.tenant,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.inbox_save(
                tenant=request.tenant,
                actor=request.user,
                inbox=inbox,
                **{field: form.cleaned_data[field] for field in form.Meta.fields},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Inbox %(name)s saved.") % {"name": saved.name})
            return redirect("tickets-settings:inbox", inbox_pk=saved.pk)
    return render(
        request,
        "tickets/settings/inbox_form.html",
        {"form": form, "inbox": inbox, "section": "inboxes"},
        status=400 if form.errors else 200,
    )


def _inbox_page(request, inbox: Inbox, agent_form: InboxAgentForm | None = None, status=200):
    agents = selectors.inbox_agents(request.tenant, inbox)
    add_form = InboxAgentForm(
        tenant=request.tenant, exclude_ids=[agent.membership_id for agent in agents]
    )
    context = {
        "inbox": inbox,
        "addresses": _for_page(
            InboxAddress.objects.filter(tenant=request.tenant, inbox=inbox).order_by(
                "channel", "address"
            )
        ),
        "agents": agents,
        "agent_form": agent_form or add_form,
        "can_add_agent": agent_form is not None or add_form.fields["membership"].queryset.exists(),
        "open_tickets": Ticket.objects.filter(
            tenant=request.tenant, inbox=inbox, status__in=ACTIVE_STATUSES
        ).count(),
        "section": "inboxes",
    }
    return render(request, "tickets/settings/inbox.html", context, status=status)


@admin_required
@require_GET
def inbox_detail(request, inbox_pk: int):
    return _inbox_page(request, selectors.inbox_get(request.tenant, inbox_pk))


# --- Agents -------------------------------------------------------------------------------------


@admin_required
@require_POST
def agent_save(request, inbox_pk: int):
    """Add a member to the inbox, or change an agent's capacity (the same form, one row each)."""
    inbox = selectors.inbox_get(request.tenant, inbox_pk)
    form = InboxAgentForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _inbox_page(request, inbox, agent_form=form, status=400)
    membership = form.cleaned_data["membership"]
    is_new = not InboxAgent.objects.filter(
        tenant=request.tenant, inbox=inbox, membership=membership
    ).exists()
    configuration.inbox_agent_set(
        tenant=request.tenant,
        inbox=inbox,
        membership=membership,
        capacity=form.cleaned_data["capacity"],
    )
    name = membership.user.full_name or membership.user.email
    messages.success(
        request,
        _("%(name)s now answers %(name_)s.") % {"name": name, "name_": inbox.name}
        if is_new
        else _("%(name)s's capacity saved.") % {"name": name},
    )
    return redirect(f"{reverse('tickets-settings:inbox', kwargs={'inbox_pk': inbox.pk})}#agents")


@admin_required
@require_POST
def agent_remove(request, inbox_pk: int, membership_pk: int):
    inbox = selectors.inbox_get(request.tenant, inbox_pk)
    membership = get_object_or_404(
        Membership.objects.filter(tenant=request.tenant).select_related("user"), pk=membership_pk
    )
    configuration.inbox_agent_remove(tenant=request.tenant, inbox=inbox, membership=membership)
    name = membership.user.full_name or membership.user.email
    messages.success(
        request,
        _("%(name)s no longer answers %(name_)s; their open tickets stay theirs.")
        % {"name": name, "name_": inbox.name},
    )
    return redirect(f"{reverse('tickets-settings:inbox', kwargs={'inbox_pk': inbox.pk})}#agents")


# --- Addresses ----------------------------------------------------------------------------------


def _address_form_page(request, form, inbox, inbox_address=None):
    context = {
        "form": form,
        "inbox": inbox,
        "inbox_address": _for_page([inbox_address])[0] if inbox_address else None,
        "webhooks": _webhooks(),
        "section": "inboxes",
    }
    status = 400 if form.errors else 200
    return render(request, "tickets/settings/address_form.html", context, status=status)


def _address_save(request, form, inbox, inbox_address=None) -> InboxAddress | None:
    data = form.cleaned_data
    try:
        saved = configuration.inbox_address_save(
            tenant=request.tenant,
            inbox=inbox,
            inbox_address=inbox_address,
            channel=data["channel"],
            address=data["address"],
            twilio_account_sid=data["twilio_account_sid"],
            twilio_auth_token=data["twilio_auth_token"] or None,
            is_active=data["is_active"],
        )
        has_twilio = saved.twilio_account_sid or saved.twilio_auth_token_encrypted
        if has_twilio and (data.get("forget_twilio") or saved.channel == InboxChannel.EMAIL):
            configuration.inbox_address_twilio_forget(tenant=request.tenant, inbox_address=saved)
    except ValidationError as error:
        form.add_error(None, error)
        return None
    return saved


@admin_required
@require_http_methods(["GET", "POST"])
def address_create(request, inbox_pk: int):
    inbox = selectors.inbox_get(request.tenant, inbox_pk)
    form = InboxAddressForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        saved = _address_save(request, form, inbox)
        if saved is not None:
            messages.success(
                request,
                _("%(shown_address)s added. Point the provider at the webhook shown below.")
                % {"shown_address": _shown_address(saved)},
            )
            return redirect("tickets-settings:address-edit", address_pk=saved.pk)
    return _address_form_page(request, form, inbox)


@admin_required
@require_http_methods(["GET", "POST"])
def address_edit(request, address_pk: int):
    inbox_address = selectors.inbox_address_get(request.tenant, address_pk)
    # Kept apart from the record the service changes: the page shows what is stored.
    form = InboxAddressForm(
        request.POST or None, tenant=request.tenant, inbox_address=copy.copy(inbox_address)
    )
    if request.method == "POST" and form.is_valid():
        saved = _address_save(request, form, inbox_address.inbox, copy.copy(inbox_address))
        if saved is not None:
            messages.success(
                request, _("%(shown_address)s saved.") % {"shown_address": _shown_address(saved)}
            )
            return redirect("tickets-settings:inbox", inbox_pk=saved.inbox_id)
    return _address_form_page(request, form, inbox_address.inbox, inbox_address)


@admin_required
@require_POST
def address_delete(request, address_pk: int):
    inbox_address = selectors.inbox_address_get(request.tenant, address_pk)
    configuration.inbox_address_delete(tenant=request.tenant, inbox_address=inbox_address)
    messages.success(
        request,
        _("%(shown_address)s removed: messages to it no longer arrive here. Its tickets stay.")
        % {"shown_address": _shown_address(inbox_address)},
    )
    return redirect("tickets-settings:inbox", inbox_pk=inbox_address.inbox_id)


# --- SLA policies and inbox rules ---------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def sla_policies(request):
    policies = configuration.sla_policies_ensure(tenant=request.tenant)
    form = SlaPoliciesForm(request.POST or None, policies=policies)
    if request.method == "POST" and form.is_valid():
        try:
            configuration.sla_policies_save(
                tenant=request.tenant, actor=request.user, targets=form.targets()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("SLA targets saved. They apply from the next message."))
            return redirect("tickets-settings:sla")
    return render(
        request,
        "tickets/settings/sla.html",
        {
            "form": form,
            "business_zone": request.tenant.time_zone,
            "section": "sla",
        },
        status=400 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def inbox_settings(request):
    config = inbox_settings_get(tenant=request.tenant)
    form = InboxSettingsForm(request.POST or None, instance=copy.copy(config))
    if request.method == "POST" and form.is_valid():
        try:
            configuration.inbox_settings_save(
                tenant=request.tenant, actor=request.user, **form.service_values()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Inbox rules saved. They apply to the next message."))
            return redirect("tickets-settings:inbox-settings")
    return render(
        request,
        "tickets/settings/inbox_settings.html",
        {"form": form, "section": "inbox-settings"},
        status=400 if form.errors else 200,
    )


# --- Inbound log --------------------------------------------------------------------------------

INBOUND_LIST = "tickets/settings/inbound.html"


@admin_required
@require_GET
def inbound_log(request):
    form = InboundFilterForm(request.GET)
    status = form.status_filter()
    page = selectors.inbound_events_page(
        request.tenant, status=status, after=request.GET.get("after")
    )
    context = {
        "form": form,
        "status": status,
        "page": page,
        "query": urlencode({"status": status} if status else {}),
        "section": "inbound",
    }
    if request.htmx and request.GET.get("after"):
        return render(request, f"{INBOUND_LIST}#rows", context)
    return render(request, INBOUND_LIST, context)


@admin_required
@require_POST
def inbound_retry(request, event_pk: int):
    # Not the raw message or payload: a retry needs only the event's state.
    events = InboundEvent.objects.filter(tenant=request.tenant).only(
        "id", "tenant_id", "status", "attempts", "next_attempt_at"
    )
    event = get_object_or_404(events, pk=event_pk)
    if event.status in RETRYABLE:
        inbound_event_requeue(tenant=request.tenant, event=event)
        messages.success(request, _("Queued to be processed again; refresh in a moment."))
    else:
        messages.error(request, _("Only a failed event can be tried again."))
    back = reverse("tickets-settings:inbound")
    status = InboundFilterForm(request.POST).status_filter()
    return redirect(f"{back}?{urlencode({'status': status})}" if status else back)


@admin_required
@require_GET
def inbound_original(request, event_pk: int):
    """What the provider delivered, raw: to read a message that could not be, or keep it."""
    return original_download_response(
        selectors.inbound_event_original_get(request.tenant, event_id=event_pk)
    )
