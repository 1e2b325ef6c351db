"""The portal's Messages page (/portal/messages/): the conversation with the team and the box to
write to it (portal/selectors/messages.py, portal/services/messages.py). The form posts with htmx,
which swaps the conversation in place; without JavaScript it posts the page and comes back to it."""

import uuid

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from crm.models import Channel
from portal.auth import portal_customer_required
from portal.forms.messages import MessageForm
from portal.selectors.messages import portal_conversation, portal_writing_contact
from portal.services.messages import MESSAGE_MAX_CHARS, portal_message_send

PAGE = "portal/messages.html"
# How the team's answer reaches them besides the portal: their preferred channel, as the inbox
# offers it first (tickets.selectors.inbox.reply_options); a phone call is not a message.
ANSWER_CHANNELS = {
    Channel.EMAIL: _("email"),
    Channel.SMS: _("text message"),
    Channel.WHATSAPP: _("WhatsApp"),
}


def _fresh_form() -> MessageForm:
    return MessageForm(initial={"nonce": uuid.uuid4()})


def _context(request, form, *, sent: bool = False) -> dict:
    customer = request.portal
    contact = portal_writing_contact(customer)
    return {
        "conversation": portal_conversation(customer=customer, before=request.GET.get("before")),
        "form": form,
        "sent": sent,
        "answer_channel": ANSWER_CHANNELS.get(contact.preferred_channel, ""),
        "max_chars": MESSAGE_MAX_CHARS,
    }


@require_http_methods(["GET", "POST"])
@portal_customer_required
def messages_page(request):
    if request.method == "GET":
        sent = request.resolver_match.url_name == "messages-sent"
        return render(request, PAGE, _context(request, _fresh_form(), sent=sent))
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            portal_message_send(
                customer=request.portal,
                body=form.cleaned_data["body"],
                nonce=str(form.cleaned_data["nonce"]),
            )
        except ValidationError as error:
            form.add_error("body", error)
    if form.is_valid():
        if request.htmx:
            return render(
                request, f"{PAGE}#conversation", _context(request, _fresh_form(), sent=True)
            )
        return redirect(f"{reverse('portal:messages-sent')}#latest")
    template = f"{PAGE}#conversation" if request.htmx else PAGE
    return render(
        request, template, _context(request, form), status=400 if not request.htmx else 200
    )
