"""The Documents panel of the lead and contact pages, and the staff side of downloads.

The panel loads after its page (htmx), so the page's own queries stay the same; without
JavaScript it is a page of its own and its forms post back to the lead or contact page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.kit.actions import panel_form_response
from crm.kit.links import contact_page, lead_page
from crm.models import Contact
from crm.permissions import tenant_member_required
from documents.downloads import (
    LINK_MAX_AGE,
    Audience,
    DownloadLinkExpired,
    document_download_url,
    document_file_response,
    document_link_open,
)
from documents.forms import ContactDocumentUploadForm, DocumentUploadForm
from documents.selectors import documents as document_selectors
from documents.services import documents as document_services
from leads.models import Lead
from leads.permissions import ensure_may_act_on, may_act_on

PANEL = "documents/_panel.html"
PANEL_PAGE = "documents/panel_page.html"


def _lead(request, lead_pk: int) -> Lead:
    return get_object_or_404(
        Lead.objects.filter(tenant=request.tenant).select_related("contact", "property"),
        pk=lead_pk,
    )


def _page_of(lead: Lead | None, contact: Contact | None) -> str:
    if lead is not None:
        return lead_page(lead.pk) + "#documents-panel"
    return contact_page(contact.pk) + "#documents-panel"


def _render_panel(request, *, lead: Lead | None, contact: Contact | None, form=None, done=""):
    tenant = request.tenant
    after = request.GET.get("after")
    if lead is not None:
        page = document_selectors.documents_for_lead(tenant=tenant, lead=lead, after=after)
        panel_url = reverse("documents:lead-panel", kwargs={"lead_pk": lead.pk})
        may_upload = may_act_on(request.membership, lead)
    else:
        page = document_selectors.documents_for_contact(tenant=tenant, contact=contact, after=after)
        panel_url = reverse("documents:contact-panel", kwargs={"contact_pk": contact.pk})
        may_upload = True
    for document in page.items:
        job = lead if lead is not None else document.lead
        document.may_change = job is None or may_act_on(request.membership, job)
    context = {
        "page": page,
        "lead": lead,
        "contact": contact,
        "on": "lead" if lead is not None else "contact",
        "panel_url": panel_url,
        "may_upload": may_upload,
        "done": done,
    }
    if request.htmx and after:
        return render(request, f"{PANEL}#rows", context)
    if may_upload and form is None:
        form = (
            DocumentUploadForm()
            if lead is not None
            else ContactDocumentUploadForm(tenant=tenant, contact=contact)
        )
    context["form"] = form
    return render(request, PANEL if request.htmx else PANEL_PAGE, context)


def _upload(request, *, lead: Lead | None, contact: Contact):
    tenant = request.tenant
    if lead is not None:
        ensure_may_act_on(request.membership, lead)
        form = DocumentUploadForm(request.POST, request.FILES)
    else:
        form = ContactDocumentUploadForm(
            request.POST, request.FILES, tenant=tenant, contact=contact
        )
    done = ""
    if form.is_valid():
        data = form.cleaned_data
        job = lead if lead is not None else data.get("lead")
        if job is not None:
            ensure_may_act_on(request.membership, job)
        try:
            document = document_services.document_upload(
                tenant=tenant,
                file=data["file"],
                contact=contact,
                lead=job,
                property=data.get("property"),
                kind=data["kind"],
                visible_to_customer=data["visible_to_customer"],
                actor=request.membership,
            )
        except ValidationError as refused:
            form.add_error("file", refused)
        else:
            done = _("Added %(name)s.") % {"name": document.original_name}
    return panel_form_response(
        request,
        form=form,
        done=done,
        render_panel=lambda form: _render_panel(
            request, lead=lead, contact=contact, form=form, done=done
        ),
        redirect_back=lambda: redirect(_page_of(lead, contact)),
    )


@tenant_member_required
@require_http_methods(["GET", "POST"])
def lead_documents(request, lead_pk: int):
    lead = _lead(request, lead_pk)
    if request.method == "POST":
        return _upload(request, lead=lead, contact=lead.contact)
    return _render_panel(request, lead=lead, contact=lead.contact)


@tenant_member_required
@require_http_methods(["GET", "POST"])
def contact_documents(request, contact_pk: int):
    contact = get_object_or_404(Contact.objects.filter(tenant=request.tenant), pk=contact_pk)
    if request.method == "POST":
        return _upload(request, lead=None, contact=contact)
    return _render_panel(request, lead=None, contact=contact)


def _changed(request, document, done: str):
    """After a change from a panel: redraw the panel it came from (`on`), or go back to its page."""
    on_lead = request.POST.get("on") == "lead" and document.lead is not None
    lead, contact = (document.lead, document.contact) if on_lead else (None, document.contact)
    if request.htmx:
        return _render_panel(request, lead=lead, contact=contact, done=done)
    messages.success(request, done)
    return redirect(_page_of(lead, contact))


def _changeable(request, document_pk: int):
    document = document_selectors.document_get(tenant=request.tenant, document_id=document_pk)
    if document.lead is not None:
        ensure_may_act_on(request.membership, document.lead)
    return document


@tenant_member_required
@require_POST
def document_visibility(request, document_pk: int):
    document = _changeable(request, document_pk)
    choice = request.POST.get("visible")
    if choice not in ("0", "1"):
        return HttpResponseBadRequest(_("Say whether the customer should see the document."))
    document = document_services.document_set_visibility(
        tenant=request.tenant,
        document=document,
        visible_to_customer=choice == "1",
        actor=request.membership,
    )
    if document.visible_to_customer:
        done = _("The customer can now see %(name)s.") % {"name": document.original_name}
    else:
        done = f"{document.original_name} is for the team only now."
    return _changed(request, document, done)


@tenant_member_required
@require_POST
def document_delete(request, document_pk: int):
    document = _changeable(request, document_pk)
    document_services.document_delete(
        tenant=request.tenant, document=document, actor=request.membership
    )
    return _changed(request, document, _("Removed %(name)s.") % {"name": document.original_name})


@tenant_member_required
@require_GET
def document_open(request, document_pk: int):
    """The panel's link: a fresh signed link for this member, so a page left open still works."""
    document = document_selectors.document_get(tenant=request.tenant, document_id=document_pk)
    return redirect(document_download_url(document, audience=Audience.staff(request.membership)))


@tenant_member_required
@require_GET
def document_download(request, token: str):
    try:
        document_id = document_link_open(
            token, tenant=request.tenant, audience=Audience.staff(request.membership)
        )
    except DownloadLinkExpired:
        minutes = int(LINK_MAX_AGE.total_seconds() // 60)
        return render(request, "documents/link_expired.html", {"minutes": minutes}, status=403)
    document = document_selectors.document_get(tenant=request.tenant, document_id=document_id)
    return document_file_response(document)
