"""The portal's "Getting started" checklist for a new customer (/portal/welcome/): where each
step stands, read from the data itself.

Five steps, each read from the data itself wherever the data can say it:

1. Contact details: name, email, phone and preferred channel, confirmed by the customer.
2. Email and phone verified: read from the addresses themselves (crm.ContactEmail/ContactPhone
   .verified_at, the one place verification lives). Only a verified address signs in, so the one
   they signed in with is; another (one they added in step 1) gets a six-digit code through the
   outbox, and the code marks that address verified.
3. Property details: street, city and postal code on each of their properties, confirmed.
4. Insurance: the carrier and claim number for each open job, or "not an insurance claim".
5. Requested documents: staff ask for a kind of document from the contact page; the step is done
   once the customer has uploaded one of each kind asked for (nothing asked: nothing to do).

What only the checklist knows (confirmations, the code in flight, reminders)
lives on portal.models.Onboarding, one row per PortalAccess; insurance answers on JobInsurance and
staff requests on DocumentRequest. All three hang off the PortalAccess, so erasing the contact
(crm/services/erasure.py deletes their access) takes them along. The writes are portal.services.onboarding's.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Brand,
    Contact,
    ContactEmail,
    ContactPhone,
    PhoneKind,
    Property,
    PropertyContact,
    Tenant,
)
from documents.models import Document, DocumentKind
from leads.models import Lead
from leads.selectors.brands import leads_brands
from portal.auth import PortalCustomer
from portal.models import ChallengeChannel, DocumentRequest, JobInsurance, Onboarding, PortalAccess

STEP_TITLES = {
    "details": _("Confirm your contact details"),
    "verify": _("Verify your email and phone"),
    "property": _("Add your property details"),
    "insurance": _("Insurance carrier and claim number"),
    "documents": _("Upload the documents we asked for"),
}
# Kinds staff may ask a customer for (what a customer can upload).
REQUESTABLE_KINDS = (
    DocumentKind.PHOTO,
    DocumentKind.INSURANCE,
    DocumentKind.SIGNED_FORM,
    DocumentKind.OTHER,
)
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code")
REQUIRED_ADDRESS_FIELDS = ("address_line1", "city", "postal_code")


@dataclass(frozen=True)
class Step:
    key: str
    done: bool
    summary: str  # where it stands, in words the customer and staff both read

    @property
    def title(self) -> str | Promise:
        return STEP_TITLES[self.key]


@dataclass(frozen=True)
class PendingAddress:
    channel: str  # ChallengeChannel
    value: str  # lower-case email or E.164 number
    display: str
    verified: bool


@dataclass
class OnboardingFacts:
    """Everything the steps are read from, loaded in a fixed number of queries."""

    contact: Contact  # the one whose details the checklist edits
    accesses: list[PortalAccess]
    rows: list[Onboarding]
    email: ContactEmail | None
    mobile: ContactPhone | None
    properties: list[Property]
    open_jobs: list[Lead]
    insurance: dict[int, JobInsurance]
    requests: list[DocumentRequest]
    uploaded_kinds: set[str] = field(default_factory=set)

    @property
    def insurance_answers(self) -> list[tuple[Lead, JobInsurance]]:
        return [(job, self.insurance[job.pk]) for job in self.open_jobs if job.pk in self.insurance]

    @property
    def addresses(self) -> list[PendingAddress]:
        found = []
        if self.email is not None:
            value = self.email.email.lower()
            found.append(
                PendingAddress(ChallengeChannel.EMAIL, value, value, self.email.is_verified)
            )
        if self.mobile is not None:
            found.append(
                PendingAddress(
                    ChallengeChannel.SMS,
                    str(self.mobile.number),
                    self.mobile.number.as_international,
                    self.mobile.is_verified,
                )
            )
        return found


@dataclass(frozen=True)
class OnboardingProgress:
    steps: list[Step]
    facts: OnboardingFacts

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def is_complete(self) -> bool:
        return self.done_count == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total)

    @property
    def open_steps(self) -> list[Step]:
        return [step for step in self.steps if not step.done]

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)


def _facts(
    *,
    tenant: Tenant,
    contacts: list[Contact],
    property_ids: Iterable[int],
    addresses: tuple[ContactEmail | None, ContactPhone | None] | None = None,
    properties: list[Property] | None = None,
    open_jobs: list[Lead] | None = None,
) -> OnboardingFacts:
    """`addresses` (the first contact's first email and mobile), `properties` (ordered by
    address) and `open_jobs` (with their property, newest first): what the caller has already
    read, so the page reads it once."""
    contact_ids = [contact.pk for contact in contacts]
    contact = contacts[0]
    accesses = list(
        PortalAccess.objects.filter(tenant=tenant, contact_id__in=contact_ids)
        .select_related("invited_by")
        .order_by("contact__created_at", "contact_id")
    )
    rows = list(Onboarding.objects.filter(tenant=tenant, access__in=accesses))
    if addresses is None:
        addresses = (
            ContactEmail.objects.filter(tenant=tenant, contact=contact).first(),
            ContactPhone.objects.filter(tenant=tenant, contact=contact)
            .exclude(kind=PhoneKind.LANDLINE)
            .first(),
        )
    email, mobile = addresses
    if properties is None:
        properties = list(
            Property.objects.filter(tenant=tenant, pk__in=list(property_ids)).order_by(
                "address_line1", "id"
            )
        )
    if open_jobs is None:
        open_jobs = list(
            Lead.objects.filter(tenant=tenant, closed_at__isnull=True)
            .filter(Q(contact_id__in=contact_ids) | Q(property_id__in=[p.pk for p in properties]))
            .select_related("property")
            .order_by("-created_at", "-id")
        )
    insurance = {
        answer.lead_id: answer
        for answer in JobInsurance.objects.filter(
            tenant=tenant, lead_id__in=[job.pk for job in open_jobs]
        )
    }
    requests = list(
        DocumentRequest.objects.filter(tenant=tenant, access__in=accesses).order_by(
            "requested_at", "id"
        )
    )
    uploaded_kinds = set()
    if requests:
        uploaded_kinds = set(
            Document.objects.filter(
                tenant=tenant, uploaded_by_contact_id__in=contact_ids, deleted_at__isnull=True
            )
            .values_list("kind", flat=True)
            .distinct()
        )
    return OnboardingFacts(
        contact=contact,
        accesses=accesses,
        rows=rows,
        email=email,
        mobile=mobile,
        properties=properties,
        open_jobs=open_jobs,
        insurance=insurance,
        requests=requests,
        uploaded_kinds=uploaded_kinds,
    )


def property_is_complete(place: Property) -> bool:
    return all(getattr(place, name).strip() for name in REQUIRED_ADDRESS_FIELDS)


def _steps(facts: OnboardingFacts) -> list[Step]:
    confirmed = any(row.details_confirmed_at for row in facts.rows)
    details = Step(
        "details",
        confirmed,
        gettext("Confirmed")
        if confirmed
        else gettext("Check your name, email, phone and how to reach you"),
    )

    addresses = facts.addresses
    unproved = [address.display for address in addresses if not address.verified]
    verify = Step(
        "verify",
        bool(addresses) and not unproved,
        gettext("All verified")
        if addresses and not unproved
        else gettext("Not verified yet: %(addresses)s") % {"addresses": ", ".join(unproved)},
    )

    incomplete = [place for place in facts.properties if not property_is_complete(place)]
    property_confirmed = any(row.properties_confirmed_at for row in facts.rows)
    if not property_confirmed:
        summary = gettext("Check the address of your property")
    elif incomplete:
        summary = gettext("Missing street, city or postal code: %(address)s") % {
            "address": incomplete[0].one_line_address
        }
    else:
        summary = gettext("Confirmed")
    places = Step("property", property_confirmed and not incomplete, summary)

    unanswered = [
        job
        for job in facts.open_jobs
        if job.pk not in facts.insurance or not facts.insurance[job.pk].is_answered
    ]
    if not facts.open_jobs:
        summary = gettext("No open jobs")
    elif unanswered:
        summary = gettext("%(count)d of %(total)d jobs to answer") % {
            "count": len(unanswered),
            "total": len(facts.open_jobs),
        }
    else:
        summary = gettext("Answered for every open job")
    insurance = Step("insurance", not unanswered, summary)

    missing = [
        gettext(request.get_kind_display()).lower()
        for request in facts.requests
        if request.kind not in facts.uploaded_kinds
    ]
    if not facts.requests:
        summary = gettext("Nothing requested")
    elif missing:
        summary = gettext("Still needed: %(documents)s") % {"documents": ", ".join(missing)}
    else:
        summary = gettext("Everything requested is uploaded")
    documents = Step("documents", not missing, summary)
    return [details, verify, places, insurance, documents]


def onboarding_progress(
    *,
    customer: PortalCustomer,
    properties: list[Property] | None = None,
    jobs: list[Lead] | None = None,
) -> OnboardingProgress:
    """The signed-in customer's checklist (the home page's card and the checklist page). The
    home page passes what it has read: all their `properties` (ordered by address) and all their
    `jobs` (portal.selectors.jobs.portal_jobs, with their property)."""
    open_jobs = None
    if jobs is not None:
        open_jobs = sorted(
            (job for job in jobs if job.closed_at is None),
            key=lambda job: (job.created_at, job.pk),
            reverse=True,
        )
    facts = _facts(
        tenant=customer.tenant,
        contacts=list(customer.contacts),
        property_ids=customer.property_ids,
        properties=properties,
        open_jobs=open_jobs,
    )
    return OnboardingProgress(_steps(facts), facts)


def onboarding_progress_for_contact(*, tenant: Tenant, contact: Contact) -> OnboardingProgress:
    """One contact's checklist, as staff see it on the contact page."""
    property_ids = PropertyContact.objects.filter(tenant=tenant, contact=contact).values_list(
        "property_id", flat=True
    )
    facts = _facts(tenant=tenant, contacts=[contact], property_ids=list(property_ids))
    return OnboardingProgress(_steps(facts), facts)


@dataclass(frozen=True)
class InviteJob:
    """A job an invitation may be about: it then comes in that job's brand."""

    lead: Lead
    brand: Brand | None


# The invitation's choice of job lists the contact's newest jobs, at most this many.
INVITE_JOBS_LIMIT = 20


@dataclass(frozen=True)
class ContactPortal:
    """The contact page's "Customer portal" card: their access, their checklist's progress, and
    their jobs when these are under more than one brand (the invitation then names the job it is
    about, whose brand sends it; else it comes from their most recent job's brand)."""

    access: PortalAccess | None
    onboarding: OnboardingProgress
    invite_jobs: list[InviteJob] = field(default_factory=list)


def portal_access_for_contact(
    *, tenant: Tenant, contact: Contact, leads: list[Lead] | None = None
) -> ContactPortal:
    """The contact page's card. `contact` as crm.selectors.contacts.contact_get reads it (its
    addresses and properties prefetched: no query here for them); `leads`, when the page has read
    them, the contact's newest leads with their brands (leads.selectors.details
    .leads_for_contact)."""
    emails = list(contact.emails.all())  # ordered primary first, as .first() would be
    mobiles = [phone for phone in contact.phones.all() if phone.kind != PhoneKind.LANDLINE]
    facts = _facts(
        tenant=tenant,
        contacts=[contact],
        property_ids=[link.property_id for link in contact.property_links.all()],
        addresses=(emails[0] if emails else None, mobiles[0] if mobiles else None),
    )
    progress = OnboardingProgress(_steps(facts), facts)
    return ContactPortal(
        access=next(iter(progress.facts.accesses), None),
        onboarding=progress,
        invite_jobs=_invite_jobs(tenant, contact, leads),
    )


def _invite_jobs(tenant: Tenant, contact: Contact, leads: list[Lead] | None) -> list[InviteJob]:
    if leads is None:
        leads = list(
            Lead.objects.filter(tenant=tenant, contact=contact)
            .select_related("brand", "contact__brand")
            .order_by("-created_at", "-id")[:INVITE_JOBS_LIMIT]
        )
    else:
        leads = leads[:INVITE_JOBS_LIMIT]
    brands = leads_brands(tenant=tenant, leads=leads)
    if len({brand.pk for brand in brands.values() if brand is not None}) < 2:
        return []
    return [InviteJob(lead, brands[lead.pk]) for lead in leads]
