"""The core domain: tenants and their brands, staff and memberships, contacts, properties, the timeline.

Tenant-owned models inherit TenantOwnedModel (crm/tenancy/models.py): their default manager is
scoped to the active tenant and their tables get row-level security after migrate.
"""

import base64
import builtins
import datetime as dt
import zoneinfo

import pghistory
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from phonenumber_field.modelfields import PhoneNumberField

from crm.addresses import postal_code_clean, state_clean
from crm.kit.constraints import FieldConstraints
from crm.kit.formatting import local_date
from crm.kit.mail_domains import is_platform_address
from crm.kit.stored_text import stored_render
from crm.notification_groups import group_title
from crm.tenancy.models import TenantOwnedModel
from crm.validators import validate_weekly_hours


def audited(
    model=None, *, event_table: str | None = None, untracked: tuple[str, ...] = (), obj_field=None
):
    """Who changed what: every insert, update and delete of the model lands in its event table.

    ``untracked``: fields the history leaves out, the bookkeeping a process moves by itself (a
    sweep's cursor, a round robin's turn, a cache's counter, "updated at") and secrets; an update
    that changes only these records nothing, so the audit trail shows what people changed.
    ``event_table`` keeps the event table's name of a model that moved to another app with its
    tables (automation's triggers and sequences).

    The audit trail reads a tenant's events newest first and compares each with the object's
    previous one (crm.selectors.audit): both are read by index.
    """

    def track(tracked):
        owned = any(field.name == "tenant" for field in tracked._meta.fields)
        # Led by the tenant: row-level security adds its condition to every read, and an index
        # without it is read for every version of the tenant (crm.tenancy.rls).
        tenant = ["tenant"] if owned else []
        indexes = [
            models.Index(fields=[*tenant, "pgh_obj", "-pgh_id"]),
            models.Index(fields=[*tenant, "-pgh_created_at", "-pgh_id"]),
        ]
        meta = {"indexes": indexes} | ({"db_table": event_table} if event_table else {})
        trackers = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
        options = {"obj_field": obj_field} if obj_field else {}
        exclude = list(untracked) or None
        return pghistory.track(*trackers, exclude=exclude, meta=meta, **options)(tracked)

    return track if model is None else track(model)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_business_hours() -> dict:
    workday = [["08:00", "17:00"]]
    return {day: (workday if day not in ("sat", "sun") else []) for day in WEEKDAYS}


TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


def time_zone_choices() -> list[tuple[str, str]]:
    # A callable, so migrations name it instead of freezing this host's zone list into them.
    return TIME_ZONE_CHOICES


class Channel(models.TextChoices):
    # Labels marked for translation, kept plain: a page translates them where a customer reads them.
    EMAIL = "email", gettext_noop("Email")
    SMS = "sms", gettext_noop("SMS")
    WHATSAPP = "whatsapp", gettext_noop("WhatsApp")
    PHONE = "phone", gettext_noop("Phone call")


class Language(models.TextChoices):
    """What a contact speaks: the language of the messages written for them (a tenant may write
    template variants in any of these). Pages and system messages exist in the ones Threadline
    is translated into (UI_LANGUAGES, settings.LANGUAGES); a contact in another one reads those
    in their team's language (crm.kit.languages)."""

    ENGLISH = "en", gettext_noop("English")
    SPANISH = "es", gettext_noop("Spanish")
    DUTCH = "nl", gettext_noop("Dutch")
    PORTUGUESE = "pt", gettext_noop("Portuguese")
    FRENCH = "fr", gettext_noop("French")
    GERMAN = "de", gettext_noop("German")


# The languages Threadline's pages and system messages are translated into (settings.LANGUAGES).
UI_LANGUAGES = [
    (Language.ENGLISH.value, _("English")),
    (Language.DUTCH.value, _("Dutch")),
    (Language.SPANISH.value, _("Spanish")),
]


# Each team's daily digests leave at a minute of its own within this many minutes after the digest
# hour: a thousand teams with the same hour would send 15,000 digests in one round, holding the
# workers for minutes and putting the minute sweeps over. Spread over the half hour and swept
# every 5 minutes, a round has a sixth of them.
DIGEST_SPREAD_MINUTES = 30


def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The time zone of that name; None for an empty or unknown one (a zone this host's tz
    database lacks)."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def digest_minute(tenant_id: int) -> int:
    """The minute past the digest hour at which the team's digests leave, the same every day."""
    return tenant_id % DIGEST_SPREAD_MINUTES


# The calendar's version only tells processes to read the closed days again.
@audited(untracked=("calendar_version",))
class Tenant(models.Model):
    """A customer business of Threadline. Every tenant-owned row points here."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. USD.")],
    )
    country = models.CharField(
        max_length=2,
        default="US",
        help_text="ISO 3166 country code; phone numbers without a + are read as this country's.",
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166 code, e.g. US.")],
    )
    home_state = models.CharField(
        max_length=64, blank=True, help_text="Where the business is based, e.g. FL."
    )
    business_hours = models.JSONField(
        default=default_business_hours, validators=[validate_weekly_hours]
    )
    public_holidays = models.BooleanField(
        default=True,
        help_text="The country's (and home state's) public holidays are not business days.",
    )
    language = models.CharField(
        max_length=8,
        choices=UI_LANGUAGES,
        default=Language.ENGLISH,
        help_text="Staff pages, the portal, public pages and system messages speak it unless "
        "the reader chose another.",
    )
    calendar_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised when a closed day is added or removed: every process replaces the "
        "calendar it keeps for the tenant (crm.selectors.calendar).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> dt.date:
        """The date where the business is, whatever time zone the code runs in (tasks: UTC)."""
        return timezone.localdate(timezone=self.zone)


@audited
class Brand(TenantOwnedModel):
    """A business entity inside a tenant with its own sender identity (ChargeCars, LaderThuis …)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    sender_name = models.CharField(max_length=200, help_text="Shown as the sender of emails.")
    sender_email = models.EmailField()
    reply_to_email = models.EmailField(blank=True)
    sms_number = PhoneNumberField(blank=True, help_text="E.164, e.g. +13055550100.")
    phone = PhoneNumberField(
        blank=True, help_text="The number customers call, if not the texting number."
    )
    website = models.URLField(blank=True)
    # A small image (PNG, JPEG, WebP or GIF) kept in the row and shown inline as a data: URL, so
    # the portal and quote pages carry it without a file store or a third-party host (the CSP
    # allows images from this site and data: only). crm.brand_logos validates it.
    logo = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    language = models.CharField(
        max_length=8,
        choices=UI_LANGUAGES,
        blank=True,
        help_text="What a new contact who writes to this brand speaks (an inbound email or "
        "text, its web forms, the API's intake); empty: the team's language.",
    )
    is_default = models.BooleanField(default=False)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="brand_unique_slug"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="brand_one_default"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "name"], name="brand_tenant_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """A brand never sends or takes replies as one of the platform's own addresses."""
        reserved = {}
        for field in ("sender_email", "reply_to_email"):
            address = getattr(self, field)
            if address and is_platform_address(address):
                reserved[field] = _(
                    "%(address)s is one of Threadline's own addresses; use your business's own."
                ) % {"address": address}
        if reserved:
            raise ValidationError(reserved)

    @property
    def logo_src(self) -> str:
        """The logo as a data: URL for an <img>, or "" without one."""
        if not self.logo or not self.logo_type:
            return ""
        return f"data:{self.logo_type};base64,{base64.b64encode(bytes(self.logo)).decode()}"

    @property
    def call_number(self):
        """The number to call: the brand's phone, else its texting number (or empty)."""
        return self.phone or self.sms_number


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the staff app. Which tenants they work in is their Memberships.

    ``is_staff`` means Threadline platform staff (Django admin), not a tenant's team member.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64,
        choices=time_zone_choices,
        blank=True,
        help_text="Where the person works (daily digest, calendar); empty: the team's time zone.",
    )
    language = models.CharField(
        max_length=8,
        choices=UI_LANGUAGES,
        blank=True,
        help_text="The language of the staff pages for this person; empty: the team's.",
    )
    phone = PhoneNumberField(blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_case_insensitive"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def initials(self) -> str:
        parts = (self.full_name or self.email).split()
        return "".join(part[0] for part in parts[:2]).upper()

    def zone_in(self, tenant: "Tenant") -> zoneinfo.ZoneInfo:
        """Where the person reads times: their own time zone if they set one, else the team's."""
        return zone_named(self.time_zone) or tenant.zone


class Role(models.TextChoices):
    ADMIN = "admin", gettext_noop("Admin")
    MANAGER = "manager", gettext_noop("Manager")
    REP = "rep", gettext_noop("Sales rep")


class Expertise(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    BOTH = "both", _("Residential and commercial")


# Round robin moves last_assigned_at with every lead it hands out.
@audited(untracked=("last_assigned_at",))
class Membership(TenantOwnedModel):
    """A user's place in one tenant: their role, and the rep profile that lead assignment reads."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REP)
    is_active = models.BooleanField(default=True)
    title = models.CharField(max_length=100, blank=True, help_text="e.g. Senior estimator")
    expertise = models.CharField(max_length=16, choices=Expertise.choices, default=Expertise.BOTH)
    territories = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        help_text="States, cities or ZIP prefixes this rep covers.",
    )
    weekly_availability = models.JSONField(
        default=default_business_hours, validators=[validate_weekly_hours]
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most open leads at once; empty means no limit."
    )
    last_assigned_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Round robin gives the next lead to the eligible member who waited longest.",
    )
    digest_enabled = models.BooleanField(
        default=True, help_text="Whether the member gets the daily digest email."
    )
    digest_hour = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(23)],
        help_text="The hour of the daily digest in the member's zone; empty: the team's hour.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    rls_readable_by_user_field = "user"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user"),
        ]
        indexes = [
            models.Index(fields=["tenant", "role", "is_active"], name="membership_tenant_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager_or_admin(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)


@audited
class TimeOff(TenantOwnedModel):
    """Days a member is away: lead assignment passes them over."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="time_off")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="time_off_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "membership", "ends_on"], name="time_off_by_member")
        ]

    def __str__(self) -> str:
        return (
            f"{local_date(self.starts_on, 'month_day')} – {local_date(self.ends_on, 'month_day')}"
        )


@audited(untracked=("updated_at",))
class Contact(FieldConstraints, TenantOwnedModel):
    """A person the business talks to: a homeowner, a property manager, a visa applicant."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL)
    preferred_channel = models.CharField(
        max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    needs_review = models.BooleanField(
        default=False, help_text="Created automatically from an unknown sender; check the details."
    )
    is_vip = models.BooleanField(
        default=False, help_text="Their tickets start at a higher priority."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {
        "contact_has_a_name": (
            "first_name",
            _("Give a name or a company name."),
        ),
    }

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="contact_tenant_recent"),
            models.Index(
                fields=["tenant", "last_name", "first_name", "id"], name="contact_tenant_name"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="", last_name="", company_name=""),
                name="contact_has_a_name",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.company_name


class AddressSource(models.TextChoices):
    """Where an email address or phone number of a contact came from. Only STAFF is trusted on
    arrival: every other source is an unauthenticated claim that the address is the contact's."""

    STAFF = "staff", _("Typed by staff")
    WEB_FORM = "web_form", _("Web form")
    INBOUND_EMAIL = "inbound_email", _("Inbound email")
    INBOUND_SMS = "inbound_sms", _("Inbound text message")
    CSV_IMPORT = "csv_import", _("CSV import")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")
    BEFORE_VERIFICATION = "before_verification", _("Added before addresses were verified")


class AddressVerification(models.TextChoices):
    """How an address was proved to be the contact's own."""

    STAFF = "staff", _("Confirmed by staff")
    PORTAL_CODE = "portal_code", _("Code entered in the customer portal")
    WITH_CONTACT = "with_contact", _("Came with the contact (before addresses were verified)")


class VerifiableAddress(models.Model):
    """An address of a contact that may or may not be proved theirs. Only a verified address
    signs in to the customer portal or receives an invitation (portal.selectors)."""

    source = models.CharField(max_length=24, choices=AddressSource.choices)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_how = models.CharField(max_length=16, choices=AddressVerification.choices, blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


@audited
class ContactEmail(TenantOwnedModel, VerifiableAddress):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField()
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                "tenant", "contact", Lower("email"), name="contact_email_unique"
            ),
            # Stored lower-case (save() folds it), so a lookup compares the column itself:
            # under row-level security PostgreSQL uses no index for lower(email) = …, which
            # is not leakproof, and read every address of the tenant for each inbound email.
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="contact_email_lower_case"
            ),
        ]
        # Inbound mail finds its sender by address.
        indexes = [models.Index(fields=["tenant", "email"], name="contact_email_lookup")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    LANDLINE = "landline", _("Landline")
    WORK = "work", _("Work")


@audited
class ContactPhone(TenantOwnedModel, VerifiableAddress):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = PhoneNumberField(help_text="Stored in E.164, e.g. +13055550100.")
    kind = models.CharField(max_length=16, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact", "number"], name="contact_phone_unique"
            ),
        ]
        # Inbound SMS and calls find their sender by E.164 number.
        indexes = [models.Index(fields=["tenant", "number"], name="contact_phone_lookup")]

    def __str__(self) -> str:
        return str(self.number)


class ConsentStatus(models.TextChoices):
    """Granted: anything, marketing included. No marketing: only messages about their own jobs
    (an unsubscribe link). Withdrawn: nothing at all on that channel (STOP)."""

    GRANTED = "granted", _("Granted")
    NO_MARKETING = "no_marketing", _("Job messages only")
    WITHDRAWN = "withdrawn", _("Withdrawn")


@audited
class ContactConsent(TenantOwnedModel):
    """Whether the contact agreed to hear from us on a channel; its history is in the audit trail."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=ConsentStatus.choices)
    source = models.CharField(
        max_length=64, help_text="Where it was given or withdrawn: web form, portal, STOP reply …"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact", "channel"], name="contact_consent_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_status_display()}"


class PropertyType(models.TextChoices):
    RESIDENTIAL = "residential", gettext_noop("Residential")
    COMMERCIAL = "commercial", gettext_noop("Commercial")


@audited
class Property(TenantOwnedModel):
    """A place where work happens. A contact may own many; a property may have several contacts."""

    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=64, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, default="US")
    property_type = models.CharField(
        max_length=16, choices=PropertyType.choices, default=PropertyType.RESIDENTIAL
    )
    notes = models.TextField(blank=True)
    contacts = models.ManyToManyField(Contact, through="PropertyContact", related_name="properties")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "properties"
        indexes = [
            models.Index(fields=["tenant", "postal_code"], name="property_tenant_postal"),
            models.Index(fields=["tenant", "-created_at", "-id"], name="property_tenant_recent"),
        ]

    def __str__(self) -> str:
        return self.one_line_address

    def clean(self):
        """The postal code and the state as the property's country writes them (crm.addresses)."""
        errors = {}
        for name, check in (("postal_code", postal_code_clean), ("state", state_clean)):
            try:
                setattr(self, name, check(self.country, getattr(self, name)))
            except ValidationError as error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)

    @property
    def one_line_address(self) -> str:
        street = ", ".join(part for part in (self.address_line1, self.address_line2) if part)
        region = " ".join(part for part in (self.state, self.postal_code) if part)
        return ", ".join(part for part in (street, self.city, region) if part)


class PropertyRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    OCCUPANT = "occupant", _("Occupant")
    MANAGER = "manager", _("Property manager")
    OTHER = "other", _("Other")


@audited
class PropertyContact(TenantOwnedModel):
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="property_links")
    role = models.CharField(max_length=16, choices=PropertyRole.choices, default=PropertyRole.OWNER)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "property", "contact"], name="property_contact_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "contact"], name="property_contact_by_contact"),
        ]


class TimelineEvent(TenantOwnedModel):
    """Something worth knowing that happened to a contact, property, lead or ticket.

    Recorded only through crm.services.timeline.timeline_record; later apps add their own subject columns.
    """

    occurred_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=64, help_text="Dotted name, e.g. contact.created.")
    summary = models.CharField(max_length=300)  # the finished English sentence
    # The summary's msgid and values (crm.kit.stored_text), to show it in the reader's language;
    # empty on rows written before it and on free text. Nullable: added to a big table in place.
    summary_params = models.JSONField(default=dict, blank=True, null=True)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer_visible = models.BooleanField(default=False)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline"
    )
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline"
    )
    # The job (leads.Lead) the event is about: the core knows only its id; the leads app owns
    # the relation (its migration 0017 holds the foreign key, deleting a job deletes its events).
    lead_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "lead_id", "-occurred_at", "-id"],
                condition=Q(lead_id__isnull=False),
                name="timeline_by_lead",
            ),
            models.Index(
                fields=["tenant", "contact", "-occurred_at", "-id"], name="timeline_by_contact"
            ),
            models.Index(
                fields=["tenant", "property", "-occurred_at", "-id"], name="timeline_by_property"
            ),
            # The dashboard's weekly counts of one kind of event (calls logged).
            models.Index(fields=["tenant", "kind", "occurred_at"], name="timeline_by_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(property__isnull=False),
                name="timeline_event_has_subject",
            )
        ]

    def __str__(self) -> str:
        return self.summary

    @builtins.property  # `property` is a field here
    def shown_summary(self) -> str:
        """The summary in the active (the reader's) language."""
        return stored_render(self.summary, self.summary_params)


class NotificationLevel(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    URGENT = "urgent", _("Urgent")


class Notification(TenantOwnedModel):
    """An in-app message for one team member; the bell in the header counts the unread ones."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(
        max_length=32,
        blank=True,
        help_text="What it is about; the recipient's preferences for "
        "email and SMS copies are per kind (comms.StaffNotificationKind).",
    )
    title = models.CharField(max_length=200)  # in English; shown through shown_title
    body = models.CharField(max_length=1000, blank=True)
    # The title's and body's msgids and values (crm.kit.stored_text), to show them in the
    # recipient's language; empty on free text and on rows written before. A group's title
    # params name the group and its latest alert. Nullable: added to a big table in place.
    title_params = models.JSONField(default=dict, blank=True, null=True)
    body_params = models.JSONField(default=dict, blank=True, null=True)
    url = models.CharField(max_length=500, blank=True)
    level = models.CharField(
        max_length=16, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    group_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="Alerts of one group (by default the kind) to one recipient on one day, "
        "unread, collect in one notification: its count and items grow.",
    )
    count = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField(
        null=True, blank=True, help_text="When the group's first alert came (grouped only)."
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "recipient", "-created_at", "-id"],
                name="notification_inbox",
            ),
            models.Index(
                fields=["tenant", "recipient", "group_key"],
                condition=Q(read_at__isnull=True) & ~Q(group_key=""),
                name="notification_open_group",
            ),
            models.Index(
                fields=["tenant", "recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_group(self) -> bool:
        return self.count > 1

    @property
    def shown_title(self) -> str:
        """The title in the active (the reader's) language; a group's from its count."""
        params = self.title_params or {}
        if self.is_group and "_group" in params:
            latest = params.get("latest")
            if isinstance(latest, dict):
                latest = stored_render(self.title, latest)
            try:
                return group_title(self.group_key, self.count, str(latest or ""))
            except (KeyError, ValueError, TypeError):
                return self.title
        return stored_render(self.title, params)

    @property
    def shown_body(self) -> str:
        return stored_render(self.body, self.body_params)


class NotificationItem(TenantOwnedModel):
    """One alert inside a grouped notification ("25 follow-ups were missed today": each of the 25)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000, blank=True)
    title_params = models.JSONField(default=dict, blank=True, null=True)  # as the notification's
    body_params = models.JSONField(default=dict, blank=True, null=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "notification", "-created_at"], name="notification_item_list"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        return stored_render(self.title, self.title_params)

    @property
    def shown_body(self) -> str:
        return stored_render(self.body, self.body_params)


@audited
class ClosedDay(TenantOwnedModel):
    """A day the business is closed besides its weekly hours and the public holidays (a company
    holiday, a bridge day): no business day for SLAs and aging."""

    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "date"], name="closed_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class ErasureHow(models.TextChoices):
    PORTAL = "portal", _("Asked in the customer portal")
    STAFF = "staff", _("Told a member of staff")


class ErasureStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done: contact erased")
    DECLINED = "declined", _("Declined")


class ErasureRequest(TenantOwnedModel):
    """A customer asked the business to erase what it holds on them; staff carry it out
    (crm.services.erasure.contact_anonymise) or decline it with a note (e.g. records the law makes them keep).

    Not audited and holding no personal data itself: it outlives the erasure as its record.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="erasure_requests")
    requested_at = models.DateTimeField(default=timezone.now)
    how = models.CharField(max_length=16, choices=ErasureHow.choices, default=ErasureHow.PORTAL)
    status = models.CharField(
        max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.OPEN
    )
    handled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # One open request per contact: asking twice does not queue the work twice.
            models.UniqueConstraint(
                fields=["tenant", "contact"],
                condition=Q(status="open"),
                name="erasure_request_one_open",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "contact", "-requested_at"], name="erasure_request_by_contact"
            )
        ]

    def __str__(self) -> str:
        return f"Erasure request of contact {self.contact_id} ({self.get_status_display()})"
