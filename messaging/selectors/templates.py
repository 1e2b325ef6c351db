"""Reads of the message template pages: the list, one template, one variant, and the contacts
and leads an admin can preview a template with. Every function takes the tenant explicitly."""

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from crm.models import Contact, Tenant
from crm.selectors.contacts import contact_list
from leads.models import Lead
from messaging.models import MessageTemplate, TemplateVariant

CONTACTS_IN_PREVIEW_PICKER = 20
LEADS_IN_PREVIEW_PICKER = 20


def _variants(tenant: Tenant) -> QuerySet[TemplateVariant]:
    return (
        TemplateVariant.objects.filter(tenant=tenant)
        .select_related("brand")
        .order_by("channel", "language", "brand__name", "id")
    )


def templates_with_variants(*, tenant: Tenant) -> list[MessageTemplate]:
    """Every template with its variants and how many trigger steps send it: two queries."""
    return list(
        MessageTemplate.objects.filter(tenant=tenant)
        .annotate(step_count=Count("steps", distinct=True))
        .prefetch_related(Prefetch("variants", queryset=_variants(tenant)))
        .order_by("is_archived", "name", "id")
    )


def template_get(*, tenant: Tenant, template_id: int) -> MessageTemplate:
    return get_object_or_404(
        MessageTemplate.objects.filter(tenant=tenant).annotate(
            step_count=Count("steps", distinct=True)
        ),
        pk=template_id,
    )


def template_variants(*, tenant: Tenant, template: MessageTemplate) -> list[TemplateVariant]:
    return list(_variants(tenant).filter(template=template))


def variant_get(*, tenant: Tenant, variant_id: int) -> TemplateVariant:
    return get_object_or_404(
        TemplateVariant.objects.filter(tenant=tenant).select_related("template", "brand"),
        pk=variant_id,
    )


def preview_contacts(*, tenant: Tenant, search: str) -> list[Contact]:
    """Contacts matching the admin's search in the preview picker (none without a search)."""
    if not search.strip():
        return []
    return contact_list(tenant=tenant, search=search).items[:CONTACTS_IN_PREVIEW_PICKER]


def preview_contact_get(*, tenant: Tenant, contact_id: int) -> Contact:
    """The contact to preview with, as message_variables and contact_zone read it."""
    return get_object_or_404(
        Contact.objects.filter(tenant=tenant).select_related("brand", "comms_profile"),
        pk=contact_id,
    )


def preview_leads(*, tenant: Tenant, contact: Contact) -> list[Lead]:
    """The contact's leads, newest first, with what message_variables reads from each."""
    return list(
        Lead.objects.filter(tenant=tenant, contact=contact)
        .select_related("stage", "brand", "owner__user")
        .order_by("-created_at", "-id")[:LEADS_IN_PREVIEW_PICKER]
    )
