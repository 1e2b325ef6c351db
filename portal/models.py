"""The customer portal's own records: who may sign in, and the one-time sign-in challenges.

A customer has no password and no User row. They prove they own an email address or mobile
number that a contact of the tenant has, by a one-time link (email) or code (SMS); the proof
opens a portal session (portal/sessions.py), never a staff session.
"""

from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from crm.models import Contact, User
from crm.tenancy.models import TenantOwnedModel


class PortalAccess(TenantOwnedModel):
    """A contact's way into the portal: the addresses they proved are theirs, and when they came.

    Made when staff invite the contact or when the contact first signs in; the contact page shows
    it to staff ("invited on …, last signed in …").
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="portal_accesses")
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

    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class ChallengePurpose(models.TextChoices):
    SIGN_IN = "sign_in", "Asked for by the customer"
    INVITATION = "invitation", "Sent by staff as an invitation"


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
