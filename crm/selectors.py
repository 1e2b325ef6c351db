"""Reads shared by views and tasks. Every function takes the tenant (or user) explicitly."""

from django.apps import apps
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from pghistory.models import Event, Events

from crm.models import (
    Brand,
    Contact,
    ContactEmail,
    ContactPhone,
    Membership,
    Notification,
    PropertyContact,
    Tenant,
    TimelineEvent,
    TimeOff,
    User,
)
from crm.pagination import KeysetPage, keyset_page
from crm.phones import e164

CONTACTS_PER_PAGE = 50
NOTIFICATIONS_IN_BELL = 8


def memberships_for_user(*, user: User) -> list[Membership]:
    """The tenants a user may work in (row-level security lets them read their own memberships)."""
    return list(
        Membership.unscoped.filter(user=user, is_active=True)
        .select_related("tenant")
        .order_by("tenant__name")
    )


def membership_for_user(*, user: User, membership_id: int) -> Membership | None:
    return (
        Membership.unscoped.filter(pk=membership_id, user=user, is_active=True)
        .select_related("tenant", "user")
        .first()
    )


def team_members(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user")
        .order_by("-is_active", "user__full_name")
    )


def membership_get(*, tenant: Tenant, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.filter(tenant=tenant).select_related("user"), pk=membership_id
    )


def brands_for_tenant(*, tenant: Tenant, include_archived: bool = True) -> QuerySet[Brand]:
    brands = Brand.objects.filter(tenant=tenant)
    if not include_archived:
        brands = brands.filter(is_archived=False)
    return brands.order_by("is_archived", "name")


def sending_brand(*, tenant: Tenant, brand: Brand | None = None) -> Brand | None:
    """The brand a customer hears from: the given one (a lead's, a form's), else the default."""
    return brand or Brand.objects.filter(tenant=tenant, is_default=True).first()


def time_off_upcoming(*, tenant: Tenant, membership: Membership) -> QuerySet[TimeOff]:
    """Current and coming time off: past days no longer change who gets a lead."""
    return TimeOff.objects.filter(
        tenant=tenant, membership=membership, ends_on__gte=tenant.today()
    ).order_by("starts_on", "id")


def time_off_get(*, tenant: Tenant, time_off_id: int) -> TimeOff:
    return get_object_or_404(
        TimeOff.objects.filter(tenant=tenant).select_related("membership__user"), pk=time_off_id
    )


def brand_get(*, tenant: Tenant, brand_id: int) -> Brand:
    return get_object_or_404(Brand.objects.filter(tenant=tenant), pk=brand_id)


def contact_list(*, tenant: Tenant, search: str = "", after: str | None = None) -> KeysetPage:
    """Newest contacts first, a page at a time, in a fixed number of queries."""
    contacts = Contact.objects.filter(tenant=tenant)
    if search:
        term = search.strip()
        contacts = contacts.filter(
            Q(first_name__istartswith=term)
            | Q(last_name__istartswith=term)
            | Q(company_name__istartswith=term)
            | Q(
                pk__in=ContactEmail.objects.filter(tenant=tenant, email__istartswith=term).values(
                    "contact_id"
                )
            )
        )
    contacts = contacts.prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.filter(tenant=tenant)),
        Prefetch("phones", queryset=ContactPhone.objects.filter(tenant=tenant)),
    )
    return keyset_page(
        contacts, order=("-created_at", "-id"), after=after, per_page=CONTACTS_PER_PAGE
    )


def contact_match(*, tenant: Tenant, emails=(), phones=()) -> Contact | None:
    """The existing contact with one of these addresses or E.164 numbers (oldest first), if any."""
    emails = [email.strip().lower() for email in emails if email]
    phones = [e164(number) for number in phones if number]
    if not emails and not phones:
        return None
    by_address = Q(pk__in=[])
    if emails:
        by_address |= Q(
            pk__in=ContactEmail.objects.filter(tenant=tenant, email__in=emails).values("contact_id")
        )
    if phones:
        by_address |= Q(
            pk__in=ContactPhone.objects.filter(tenant=tenant, number__in=phones).values(
                "contact_id"
            )
        )
    return Contact.objects.filter(tenant=tenant).filter(by_address).order_by("created_at").first()


def contact_get(*, tenant: Tenant, contact_id: int) -> Contact:
    contacts = Contact.objects.filter(tenant=tenant).prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.filter(tenant=tenant)),
        Prefetch("phones", queryset=ContactPhone.objects.filter(tenant=tenant)),
        Prefetch(
            "property_links",
            queryset=PropertyContact.objects.filter(tenant=tenant).select_related("property"),
        ),
    )
    return get_object_or_404(contacts.select_related("brand"), pk=contact_id)


def contact_timeline(*, tenant: Tenant, contact: Contact, limit: int = 50) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(tenant=tenant, contact=contact)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def notifications_for_user(
    *, tenant: Tenant, user: User, after: str | None = None, per_page: int = 30
) -> KeysetPage:
    notifications = Notification.objects.filter(tenant=tenant, recipient=user)
    return keyset_page(notifications, order=("-created_at", "-id"), after=after, per_page=per_page)


def notification_bell(*, tenant: Tenant, user: User) -> tuple[int, list[Notification]]:
    """The unread count and the latest few, for the header bell."""
    mine = Notification.objects.filter(tenant=tenant, recipient=user)
    unread = mine.filter(read_at__isnull=True).count()
    latest = list(mine.order_by("-created_at", "-id")[:NOTIFICATIONS_IN_BELL])
    return unread, latest


AUDIT_ENTRIES_SHOWN = 100
AUDITED_APPS = ("crm", "leads", "tickets")


def audit_entries(*, tenant: Tenant, limit: int = AUDIT_ENTRIES_SHOWN) -> list:
    """Who changed what, newest first: the tenant's profile and every tracked tenant-owned row."""
    event_models = [
        model
        for model in apps.get_models()
        if issubclass(model, Event) and model.pgh_tracked_model._meta.app_label in AUDITED_APPS
    ]
    own_rows = Q(pgh_data__tenant_id=tenant.pk) | Q(
        pgh_obj_model=Tenant._meta.label, pgh_obj_id=str(tenant.pk)
    )
    entries = list(
        Events.objects.across(*event_models).filter(own_rows).order_by("-pgh_created_at")[:limit]
    )
    actor_ids = {entry.pgh_context.get("user") for entry in entries if entry.pgh_context} - {None}
    actors = User.objects.in_bulk(actor_ids)
    for entry in entries:
        entry.actor = actors.get((entry.pgh_context or {}).get("user"))
        entry.action = AUDIT_ACTIONS.get(entry.pgh_label, entry.pgh_label)
        entry.subject = _audit_subject(entry)
        entry.changes = {
            field: change
            for field, change in (entry.pgh_diff or {}).items()
            if field not in AUDIT_HIDDEN_FIELDS
        }
    return entries


AUDIT_ACTIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}
AUDIT_HIDDEN_FIELDS = {"id", "tenant_id", "updated_at", "created_at"}


def _audit_subject(entry) -> str:
    model = apps.get_model(entry.pgh_obj_model)
    data = entry.pgh_data or {}
    name = (
        data.get("name")
        or data.get("email")
        or " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
        or data.get("company_name")
        or data.get("address_line1")
        or f"#{entry.pgh_obj_id}"
    )
    return f"{model._meta.verbose_name} {name}"
