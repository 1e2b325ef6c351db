"""The customer portal's own records: who may sign in, the one-time sign-in challenges, and the
"Getting started" checklist (its progress, insurance answers and the documents staff asked for).

A customer has no password and no User row. They prove they own an email address or mobile
number that a contact of the tenant has, by a one-time link (email) or code (SMS); the proof
opens a portal session (portal/sessions.py), never a staff session.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from crm.models import Contact, User
from crm.tenancy.models import TenantOwnedModel
from documents.models import DocumentKind


class PortalAccess(TenantOwnedModel):
    """A contact's way into the portal: the addresses they proved are theirs, and when they came.

    Made when staff invite the contact or when the contact first signs in; the contact page shows
    it to staff ("invited on …, last signed in …").
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="portal_accesses")
    # A record of the visit only: whether an address signs in is its verified_at.
    email = models.EmailField(blank=True, help_text="The last email address they signed in with.")
    phone = PhoneNumberField(blank=True, help_text="The last mobile number they signed in with.")
    invited_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_signed_in_at = models.DateTimeField(null=True, blank=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "portal accesses"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact"], name="portal_access_one"),
        ]

    def __str__(self) -> str:
        return f"Portal access of contact {self.contact_id}"


class ChallengeChannel(models.TextChoices):
    """Where the secret went. A customer who asks by email gets a link, by SMS a code; a staff
    invitation is a link on either."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class ChallengePurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Asked for by the customer")
    INVITATION = "invitation", _("Sent by staff as an invitation")


class SignInChallenge(TenantOwnedModel):
    """One sign-in link or code: usable once, until `expires_at`, by whoever holds the secret.

    Only a keyed hash of the secret is stored (portal/tokens.py): a copy of the database signs
    nobody in. A code (six digits) is also bound to the browser session that asked for it and
    refuses after a few wrong tries.
    """

    channel = models.CharField(max_length=8, choices=ChallengeChannel.choices)
    purpose = models.CharField(
        max_length=16, choices=ChallengePurpose.choices, default=ChallengePurpose.SIGN_IN
    )
    address = models.CharField(
        max_length=254, help_text="The lower-case email address or E.164 number it went to."
    )
    secret_hash = models.CharField(max_length=64)
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The contact the message went to (sign-in works for every contact with the "
        "address).",
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "secret_hash"], name="sign_in_secret_unique"),
        ]
        indexes = [
            # The purge sweep removes challenges long past their expiry.
            models.Index(fields=["tenant", "expires_at"], name="sign_in_by_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for {self.address}"


# --- Getting started (portal/selectors/onboarding.py) --------------------------------------------
# Each row hangs off the contact's PortalAccess: erasing a contact deletes their access and, with
# it, what they entered here (insurance details, verification codes).


class Onboarding(TenantOwnedModel):
    """A contact's progress through the portal's "Getting started" checklist.

    Most steps are read from the data itself (addresses, properties, insurance answers, uploads);
    this row keeps what only the checklist knows: what the customer confirmed and when, the
    pending verification code, and the reminders sent. Which addresses are proved lives on the
    addresses (crm.VerifiableAddress).
    """

    access = models.ForeignKey(PortalAccess, on_delete=models.CASCADE, related_name="+")
    details_confirmed_at = models.DateTimeField(null=True, blank=True)
    properties_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The one verification code in flight (a keyed hash only, as for sign-in codes).
    code_channel = models.CharField(max_length=8, choices=ChallengeChannel.choices, blank=True)
    code_address = models.CharField(max_length=254, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_failed_attempts = models.PositiveSmallIntegerField(default=0)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(
        null=True, blank=True, help_text="Every step done when last checked (the reminder sweep)."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "access"], name="onboarding_one_per_access"),
        ]
        indexes = [
            # The reminder sweep: unfinished checklists with reminders left.
            models.Index(
                fields=["tenant", "last_reminder_at"],
                condition=models.Q(completed_at__isnull=True),
                name="onboarding_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"Onboarding of portal access {self.access_id}"


class JobInsurance(TenantOwnedModel):
    """The customer's insurance carrier and claim number for one job, or their word that the job
    is not an insurance claim."""

    access = models.ForeignKey(
        PortalAccess,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Whose answer it is (their erasure removes it).",
    )
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    is_claim = models.BooleanField(default=True)
    carrier = models.CharField(max_length=120, blank=True)
    claim_number = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "lead"], name="job_insurance_one_per_job"),
        ]

    def __str__(self) -> str:
        if not self.is_claim:
            return "Not an insurance claim"
        return f"{self.carrier} · claim {self.claim_number}"

    @property
    def is_answered(self) -> bool:
        return not self.is_claim or bool(self.carrier and self.claim_number)


class DocumentRequest(TenantOwnedModel):
    """Staff ask the customer for a kind of document (from the contact page); the checklist step
    is done once the customer has uploaded one of that kind."""

    access = models.ForeignKey(PortalAccess, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    note = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "access", "kind"], name="document_request_one_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"Request for {self.kind}"
