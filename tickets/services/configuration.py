"""Admins' writes to the inbox's configuration: inboxes, their addresses and agents, SLA targets
and the tenant's inbox settings. Each is one transaction; an address's platform-wide route (and
its custom mail domain's claim) is kept in step in the same transaction.

One tenant never reaches another's mail: an address or number is one tenant's (its route exists
while it is paused too), and a custom mail domain is claimed by the first tenant that receives on
it (InboundDomain): a claim overlapping another tenant's (the same domain, a parent or a
subdomain of it, however spelled) is refused. The platform's own mail domain and reply+ addresses
are nobody's (crm.kit.mail_domains). Refusals never say which tenant holds what."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from crm.kit.encryption import encrypt, reencrypt
from crm.kit.mail_domains import domain_canonical, is_platform_address, is_platform_domain
from crm.models import Brand, Membership, Tenant, User
from crm.tenancy import tenant_context
from tickets.models import (
    DEFAULT_SLA_MINUTES,
    InboundDomain,
    InboundRoute,
    Inbox,
    InboxAddress,
    InboxAgent,
    InboxChannel,
    InboxSettings,
    Priority,
    SlaPolicy,
)
from tickets.routing import is_shared_mail_domain, mail_domain, normalise_address


def _unavailable(address: str) -> ValidationError:
    """The same words whether another tenant has the address or its domain: an admin learns
    only that it cannot be added, never whose it is."""
    return ValidationError(
        {
            "address": _(
                "%(address)s can't be added to this account. If your business owns it, ask "
                "Threadline support to move it to you."
            )
            % {"address": address}
        }
    )


def _reserved(address: str) -> ValidationError:
    return ValidationError(
        {
            "address": _(
                "%(address)s is one of Threadline's own addresses and can't be used by an "
                "account. Use an address on your business's own domain."
            )
            % {"address": address}
        }
    )


def _route_sync(address: InboxAddress) -> None:
    """Every address keeps its route, so it stays its tenant's while paused; only an active
    address of an active inbox receives."""
    InboundRoute.objects.filter(inbox_address_id=address.pk).delete()
    InboundRoute.objects.create(
        channel=address.channel,
        address=address.address,
        tenant_id=address.tenant_id,
        inbox_address_id=address.pk,
        is_receiving=address.is_active and address.inbox.is_active,
    )


# The advisory lock's first key (the second: the domain's last two labels), so two tenants
# claiming acme.com and mail.acme.com at once are decided one after the other.
DOMAIN_CLAIM_LOCK = 210_056


def _spellings(domain: str) -> list[str]:
    """A canonical domain as claims may hold it: its xn-- form and its Unicode one."""
    try:
        unicode = domain.encode("ascii").decode("idna")
    except UnicodeError:
        unicode = domain
    return list(dict.fromkeys([domain, unicode]))


def _domain_owner(domain: str) -> InboundDomain | None:
    """The claim that decides a (canonical) domain: its own, else its nearest claimed parent's
    (mail.acme.com is acme.com's unless a platform operator gave it to someone else)."""
    labels = domain.split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    spelled = [spelling for suffix in suffixes for spelling in _spellings(suffix)]
    claims = InboundDomain.objects.select_for_update().filter(domain__in=spelled)
    return max(claims, key=lambda claim: domain_canonical(claim.domain).count("."), default=None)


def _claimed_below(domain: str, tenant: Tenant) -> bool:
    """Another tenant claims a subdomain of `domain` (canonical)."""
    below = Q()
    for spelling in _spellings(domain):
        below |= Q(domain__endswith=f".{spelling}")
    return InboundDomain.objects.filter(below).exclude(claimed_by=tenant).exists()


def _domain_claim(tenant: Tenant, address: str) -> None:
    """Claim the custom domain of an email address for `tenant`, or refuse it if another tenant
    has it, a parent of it or a subdomain of it. Shared mailbox domains (gmail.com …) are never
    claimed."""
    domain = domain_canonical(mail_domain(address))
    if is_shared_mail_domain(domain):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [DOMAIN_CLAIM_LOCK, ".".join(domain.split(".")[-2:])],
        )
    owner = _domain_owner(domain)
    if owner is not None and owner.claimed_by_id != tenant.pk:
        raise _unavailable(address)
    if owner is None:
        if _claimed_below(domain, tenant):
            raise _unavailable(address)
        try:
            with transaction.atomic():
                InboundDomain.objects.create(domain=domain, claimed_by=tenant)
        except IntegrityError as error:  # another tenant claimed it a moment ago
            raise _unavailable(address) from error


def _on_domain(domain: str) -> Q:
    on = Q()
    for spelling in _spellings(domain):
        on |= Q(address__endswith=f"@{spelling}") | Q(address__endswith=f".{spelling}")
    return on


def _domain_release_if_unused(tenant: Tenant, domain: str) -> None:
    """A domain none of the tenant's addresses uses any more (a typo, an old domain) is free
    for whoever owns it."""
    domain = domain_canonical(domain)
    still_used = InboundRoute.objects.filter(
        _on_domain(domain), tenant_id=tenant.pk, channel=InboxChannel.EMAIL
    ).exists()
    if not still_used:
        InboundDomain.objects.filter(domain__in=_spellings(domain), claimed_by=tenant).delete()


@transaction.atomic
def inbox_save(
    *,
    tenant: Tenant,
    actor: User | None,
    inbox: Inbox | None = None,
    name: str,
    brand: Brand | None = None,
    team_lead: Membership | None = None,
    default_priority: str = Priority.NORMAL,
    is_active: bool = True,
) -> Inbox:
    inbox = inbox or Inbox(tenant=tenant)
    inbox.name = name.strip()
    inbox.brand = brand
    inbox.team_lead = team_lead
    inbox.default_priority = default_priority
    inbox.is_active = is_active
    inbox.full_clean(exclude=["tenant"])
    same_name = Inbox.objects.filter(tenant=tenant, name__iexact=inbox.name).exclude(pk=inbox.pk)
    if same_name.exists():
        raise ValidationError(
            {"name": _("There is already an inbox called “%(name)s”.") % {"name": inbox.name}}
        )
    inbox.save()
    for address in InboxAddress.objects.filter(tenant=tenant, inbox=inbox).select_related("inbox"):
        _route_sync(address)
    return inbox


@transaction.atomic
def inbox_address_save(
    *,
    tenant: Tenant,
    inbox: Inbox,
    channel: str,
    address: str,
    inbox_address: InboxAddress | None = None,
    twilio_account_sid: str = "",
    twilio_auth_token: str | None = None,
    is_active: bool = True,
) -> InboxAddress:
    """Add or change an address. Phone numbers are stored in E.164; an address another inbox
    (of any tenant) has, or one on a custom mail domain another tenant claimed, is refused. A
    blank auth token keeps the stored one."""
    if channel not in InboxChannel.values:
        raise ValidationError({"channel": _("Choose email, SMS or WhatsApp.")})
    try:
        normalised = normalise_address(channel, address, region=tenant.country)
    except ValueError as error:
        if channel == InboxChannel.EMAIL:
            text = _("“%(address)s” is not a valid email address.")
        else:
            text = _("“%(address)s” is not a valid phone number.")
        raise ValidationError({"address": text % {"address": address}}) from error
    record = inbox_address or InboxAddress(tenant=tenant)
    previous = (record.channel, record.address) if record.pk else None
    record.inbox = inbox
    record.channel = channel
    record.address = normalised
    record.twilio_account_sid = twilio_account_sid.strip()
    if twilio_auth_token:
        record.twilio_auth_token_encrypted = encrypt(twilio_auth_token.strip())
    record.is_active = is_active
    if channel == InboxChannel.EMAIL:
        if is_platform_address(normalised):
            raise _reserved(normalised)
        record.full_clean(exclude=["tenant", "inbox"], validate_unique=False)
    holders = InboundRoute.objects.filter(channel=channel, address=normalised)
    if record.pk:
        holders = holders.exclude(inbox_address_id=record.pk)
    if holders.exclude(tenant_id=tenant.pk).exists():
        raise _unavailable(normalised)
    if holders.exists():
        raise ValidationError(
            {"address": _("Another of your inboxes already receives on %s.") % normalised}
        )
    if channel == InboxChannel.EMAIL:
        _domain_claim(tenant, normalised)
    try:
        with transaction.atomic():
            record.save()
            _route_sync(record)
    except IntegrityError as error:  # the same address saved a moment ago, here or elsewhere
        raise _unavailable(normalised) from error
    if previous and previous != (channel, normalised) and previous[0] == InboxChannel.EMAIL:
        _domain_release_if_unused(tenant, mail_domain(previous[1]))
    return record


@transaction.atomic
def inbox_address_delete(*, tenant: Tenant, inbox_address: InboxAddress) -> None:
    InboundRoute.objects.filter(inbox_address_id=inbox_address.pk).delete()
    inbox_address.delete()
    if inbox_address.channel == InboxChannel.EMAIL:
        _domain_release_if_unused(tenant, mail_domain(inbox_address.address))


@transaction.atomic
def inbound_domain_assign(*, domain: str, tenant: Tenant) -> InboundDomain:
    """A platform operator's decision (the platform admin): `domain` and its subdomains become
    `tenant`'s. Any other tenant's addresses there are removed, with their routes, so its mail
    goes to nobody until the new owner adds its own; their tickets and messages stay."""
    domain = domain_canonical(domain)
    if is_platform_domain(domain):
        raise ValidationError(
            {"domain": _("%(domain)s is Threadline's own mail domain.") % {"domain": domain}}
        )
    losing = (
        InboundRoute.objects.filter(_on_domain(domain), channel=InboxChannel.EMAIL)
        .exclude(tenant_id=tenant.pk)
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    for previous in Tenant.objects.filter(pk__in=list(losing)):
        with tenant_context(previous):
            addresses = InboxAddress.objects.filter(_on_domain(domain), channel=InboxChannel.EMAIL)
            InboundRoute.objects.filter(
                inbox_address_id__in=list(addresses.values_list("pk", flat=True))
            ).delete()
            addresses.delete()
    below = Q()
    for spelling in _spellings(domain):
        below |= Q(domain__endswith=f".{spelling}")
    InboundDomain.objects.filter(below).exclude(claimed_by=tenant).delete()
    InboundDomain.objects.filter(domain__in=_spellings(domain)).exclude(domain=domain).delete()
    claim, _created = InboundDomain.objects.update_or_create(
        domain=domain, defaults={"claimed_by": tenant}
    )
    return claim


@transaction.atomic
def inbox_agent_set(
    *, tenant: Tenant, inbox: Inbox, membership: Membership, capacity: int | None = None
) -> InboxAgent:
    agent, _created = InboxAgent.objects.update_or_create(
        tenant=tenant, inbox=inbox, membership=membership, defaults={"capacity": capacity}
    )
    return agent


@transaction.atomic
def inbox_agent_remove(*, tenant: Tenant, inbox: Inbox, membership: Membership) -> None:
    InboxAgent.objects.filter(tenant=tenant, inbox=inbox, membership=membership).delete()


@transaction.atomic
def sla_policies_ensure(*, tenant: Tenant) -> list[SlaPolicy]:
    """One policy per priority, with the defaults (< 1 h, < 4 h, < 24 h, < 48 h) where missing."""
    policies = []
    for priority, minutes in DEFAULT_SLA_MINUTES.items():
        policy, _created = SlaPolicy.objects.get_or_create(
            tenant=tenant,
            priority=priority,
            defaults={"first_response_minutes": minutes, "next_response_minutes": minutes},
        )
        policies.append(policy)
    return policies


# A target from one minute to 60 days (in business minutes, like the clock that reads it).
SLA_TARGET_MINUTES = (1, 60 * 24 * 60)


@transaction.atomic
def sla_policies_save(
    *, tenant: Tenant, actor: User | None, targets: dict[str, tuple[int, int]]
) -> list[SlaPolicy]:
    """Set each given priority's (first-response, next-response) targets in minutes. A clock
    already running keeps the due time it started with; the new targets apply from the next
    customer message."""
    if any(priority not in Priority.values for priority in targets):
        raise ValidationError(_("Targets are set per priority: urgent, high, normal or low."))
    low, high = SLA_TARGET_MINUTES
    errors = [
        _("%(priority)s: a target must be between %(low)s minute and %(high)s days.")
        % {"priority": Priority(priority).label, "low": low, "high": high // 1440}
        for priority, minutes in targets.items()
        if any(not low <= value <= high for value in minutes)
    ]
    if errors:
        raise ValidationError(errors)
    policies = []
    for priority, (first, following) in targets.items():
        policy, _created = SlaPolicy.objects.update_or_create(
            tenant=tenant,
            priority=priority,
            defaults={"first_response_minutes": first, "next_response_minutes": following},
        )
        policies.append(policy)
    return policies


def inbox_settings_get(*, tenant: Tenant) -> InboxSettings:
    """The tenant's inbox settings, created with the defaults the first time they are needed."""
    settings, _created = InboxSettings.objects.get_or_create(tenant=tenant)
    return settings


@transaction.atomic
def inbox_settings_save(
    *,
    tenant: Tenant,
    actor: User | None,
    thread_window_days: int,
    sentiment_threshold: float,
    priority_keywords: list[str],
    vip_after_won_jobs: int,
    escalate_to_manager_after_minutes: int,
):
    """The tenant's threading window, priority boosts and escalation delay. Keywords are kept
    lower-case, once each, in the order given."""
    if not -1 <= sentiment_threshold <= 1:
        raise ValidationError({"sentiment_threshold": _("The threshold is between -1 and 1.")})
    keywords = list(dict.fromkeys(word.strip().casefold() for word in priority_keywords))
    config = inbox_settings_get(tenant=tenant)
    config.thread_window_days = thread_window_days
    config.sentiment_threshold = sentiment_threshold
    config.priority_keywords = [word for word in keywords if word]
    config.vip_after_won_jobs = vip_after_won_jobs
    config.escalate_to_manager_after_minutes = escalate_to_manager_after_minutes
    config.full_clean(exclude=["tenant"], validate_unique=False)
    config.save()
    return config


def inbox_secrets_reencrypt() -> int:
    """Every tenant's stored Twilio auth tokens again under the first of FIELD_ENCRYPTION_KEYS
    (a key rotation's second step; each tenant in its own transaction). The number of tokens."""
    done = 0
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant), transaction.atomic():
            addresses = InboxAddress.objects.select_for_update().filter(tenant=tenant)
            for address in addresses.exclude(twilio_auth_token_encrypted=""):
                address.twilio_auth_token_encrypted = reencrypt(address.twilio_auth_token_encrypted)
                address.save(update_fields=["twilio_auth_token_encrypted"])
                done += 1
    return done


@transaction.atomic
def inbox_address_twilio_forget(*, tenant: Tenant, inbox_address: InboxAddress) -> InboxAddress:
    """The number goes back to the platform's Twilio account: its own SID and token are dropped
    (inbox_address_save keeps a stored token when none is given, so this is the way to clear it)."""
    inbox_address.twilio_account_sid = ""
    inbox_address.twilio_auth_token_encrypted = ""
    inbox_address.save(update_fields=["twilio_account_sid", "twilio_auth_token_encrypted"])
    return inbox_address
