"""Forms of the inbox's admin pages under /settings/. Every choice list is the tenant's own; the
writes they feed are tickets.services.configuration's."""

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.kit.forms import MemberChoiceField, TenantFormMixin
from crm.models import Brand, Membership, Tenant
from crm.phones import phone_examples
from tickets.models import (
    DEFAULT_SLA_MINUTES,
    EventStatus,
    Inbox,
    InboxAddress,
    InboxChannel,
    InboxSettings,
    Priority,
    SlaPolicy,
)
from tickets.services.configuration import SLA_TARGET_MINUTES

TWILIO_ACCOUNT_SID_LENGTH = 34  # "AC" and 32 hexadecimal digits
TWILIO_AUTH_TOKEN_LENGTH = 64  # Twilio's are 32 hexadecimal digits; room for an API key secret
KEYWORD_CHARS = InboxSettings._meta.get_field("priority_keywords").base_field.max_length
MAX_KEYWORDS = 50


def _active_members(tenant: Tenant):
    return (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


class InboxForm(TenantFormMixin, forms.ModelForm):
    # Declared with empty querysets: the tenant's own are set per form, in __init__.
    brand = forms.ModelChoiceField(
        label=_("Brand"),
        queryset=Brand.unscoped.none(),
        required=False,
        empty_label=_("No brand (the default one signs replies)"),
        help_text=_("Replies from this inbox go out under this brand's name."),
    )
    team_lead = MemberChoiceField(
        label=_("Team lead"),
        queryset=Membership.unscoped.none(),
        with_role=True,
        required=False,
        empty_label=_("Nobody: the managers"),
        help_text=_("Told first when one of the inbox's tickets breaches its SLA."),
    )

    class Meta:
        model = Inbox
        fields = ["name", "brand", "team_lead", "default_priority", "is_active"]
        labels = {
            "name": _("Name"),
            "default_priority": _("New tickets start at"),
            "is_active": _("Active"),
        }
        help_texts = {
            "name": _("What agents see, e.g. Support or Sales."),
            "default_priority": _("VIP and repeat customers start one step higher."),
            "is_active": _(
                "An inactive inbox is listed last and kept for its tickets; its "
                "addresses keep receiving until you switch them off."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An archived brand or a member who left stays selectable while the inbox still has them.
        self.fields["brand"].queryset = Brand.objects.filter(
            Q(is_archived=False) | Q(pk=self.instance.brand_id), tenant=self.tenant
        ).order_by("name")
        self.fields["team_lead"].queryset = (
            Membership.objects.filter(Q(is_active=True) | Q(pk=self.instance.team_lead_id))
            .filter(tenant=self.tenant)
            .select_related("user")
            .order_by("user__full_name", "pk")
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Inbox.objects.filter(tenant=self.tenant, name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Another inbox has this name."))
        return name


class InboxAgentForm(TenantFormMixin, forms.Form):
    """Add a member to an inbox, or change their capacity."""

    membership = MemberChoiceField(
        queryset=Membership.unscoped.none(),
        with_role=True,
        label=_("Team member"),
        empty_label=_("Choose someone"),
    )
    capacity = forms.IntegerField(
        min_value=0,
        max_value=999,
        required=False,
        label=_("Open tickets at once"),
        help_text=_("Across all inboxes. Empty: no limit; 0: takes no new tickets for now."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": _("No limit")}),
    )

    def __init__(self, *args, exclude_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = _active_members(self.tenant).exclude(
            pk__in=exclude_ids
        )


class InboxAddressForm(TenantFormMixin, forms.Form):
    """An email address or a Twilio number. The auth token is write-only: never put back into the
    page, and left blank it keeps the one stored."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=InboxChannel.choices, initial=InboxChannel.EMAIL
    )
    address = forms.CharField(label=_("Address"), max_length=254)
    twilio_account_sid = forms.CharField(
        required=False,
        max_length=TWILIO_ACCOUNT_SID_LENGTH,
        label=_("Twilio account SID"),
        help_text=_("Only for a number in its own Twilio account (AC…). Empty: the platform's."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    twilio_auth_token = forms.CharField(
        required=False,
        max_length=TWILIO_AUTH_TOKEN_LENGTH,
        label=_("Twilio auth token"),
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    forget_twilio = forms.BooleanField(
        required=False,
        label=_("Use the platform's Twilio account (forget this number's SID and token)"),
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Receiving"),
        help_text=_("Off: messages to this address are no longer taken in."),
    )

    def __init__(self, *args, inbox_address: InboxAddress | None = None, **kwargs):
        if inbox_address is not None:
            kwargs.setdefault(
                "initial",
                {
                    "channel": inbox_address.channel,
                    "address": inbox_address.address,
                    "twilio_account_sid": inbox_address.twilio_account_sid,
                    "is_active": inbox_address.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        self.inbox_address = inbox_address
        self.fields["address"].help_text = _(
            "An email address (support@yourbusiness.com) or a phone number "
            "(%(international)s; without a +, read as your country's)."
        ) % phone_examples(self.tenant.country)
        self.token_is_set = bool(inbox_address and inbox_address.twilio_auth_token_encrypted)
        self.fields["twilio_auth_token"].help_text = (
            _("Set. Leave empty to keep it; type a new one to replace it.")
            if self.token_is_set
            else _("Not set. Twilio shows it next to the account SID.")
        )
        if not (inbox_address and (inbox_address.twilio_account_sid or self.token_is_set)):
            del self.fields["forget_twilio"]

    def clean_address(self) -> str:
        return self.cleaned_data["address"].strip()

    def clean_twilio_account_sid(self) -> str:
        sid = self.cleaned_data["twilio_account_sid"].strip()
        hexadecimal = sid[2:]
        well_formed = (
            sid.startswith("AC")
            and len(sid) == TWILIO_ACCOUNT_SID_LENGTH
            and all(c in "0123456789abcdefABCDEF" for c in hexadecimal)
        )
        if sid and not well_formed:
            raise ValidationError(
                _("A Twilio account SID is AC followed by 32 letters and digits.")
            )
        return sid

    def _phone(self, address: str) -> str:
        """The number in E.164, read in the tenant's country when it has no +."""
        number = address.removeprefix("whatsapp:").strip()
        try:
            parsed = phonenumbers.parse(number, self.tenant.country or "US")
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            raise ValidationError(
                _(
                    "“%(address)s” is not a valid phone number. Write it with its country "
                    "code, like %(international)s."
                )
                % {"address": address, **phone_examples(self.tenant.country or "US")}
            )
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    def clean(self):
        cleaned = super().clean()
        channel, address = cleaned.get("channel"), cleaned.get("address")
        if channel and address:
            try:
                if channel == InboxChannel.EMAIL:
                    validate_email(address)
                else:
                    cleaned["address"] = self._phone(address)
            except ValidationError as error:
                message = (
                    _("“%(address)s” is not an email address.") % {"address": address}
                    if channel == InboxChannel.EMAIL
                    else error.messages[0]
                )
                self.add_error("address", message)
        if cleaned.get("forget_twilio"):
            cleaned["twilio_account_sid"], cleaned["twilio_auth_token"] = "", ""
            return cleaned
        sid, token = cleaned.get("twilio_account_sid", ""), cleaned.get("twilio_auth_token", "")
        if channel == InboxChannel.EMAIL:
            if sid or token:
                self.add_error(
                    "twilio_account_sid",
                    _("Twilio credentials belong to SMS and WhatsApp numbers."),
                )
            return cleaned
        if sid and not (token or self.token_is_set):
            self.add_error("twilio_auth_token", _("Enter the auth token of this Twilio account."))
        if (token or self.token_is_set) and not sid:
            self.add_error(
                "twilio_account_sid", _("Enter the account SID the auth token belongs to.")
            )
        return cleaned


def describe_minutes(minutes: int) -> str:
    """ "1 h 30 min", "4 h", "45 min"."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if rest:
        parts.append(f"{rest} min")
    return " ".join(parts)


# "Urgent first response": the field's name before ": hours" / ": minutes".
SLA_FIELD_LABELS = {
    "first": _("%(priority)s first response"),
    "next": _("%(priority)s next response"),
}


class SlaPoliciesForm(forms.Form):
    """Each priority's first- and next-response targets, typed as hours and minutes."""

    TARGETS = (("first", _("First response")), ("next", _("Next response")))

    def __init__(self, *args, policies: list[SlaPolicy], **kwargs):
        super().__init__(*args, **kwargs)
        self.priorities = [policy.priority for policy in policies]
        max_hours = SLA_TARGET_MINUTES[1] // 60
        for policy in policies:
            for target, _label in self.TARGETS:
                minutes = getattr(policy, f"{target}_response_minutes")
                hours_part, minutes_part = divmod(minutes, 60)
                label = SLA_FIELD_LABELS[target] % {"priority": policy.get_priority_display()}
                self.fields[f"{policy.priority}_{target}_hours"] = forms.IntegerField(
                    min_value=0,
                    max_value=max_hours,
                    initial=hours_part,
                    label=_("%(label)s: hours") % {"label": label},
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "hours"}),
                )
                self.fields[f"{policy.priority}_{target}_minutes"] = forms.IntegerField(
                    min_value=0,
                    max_value=59,
                    initial=minutes_part,
                    label=_("%(label)s: minutes") % {"label": label},
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "minutes"}),
                )

    def clean(self):
        cleaned = super().clean()
        for priority in self.priorities:
            for target, name in self.TARGETS:
                hours = cleaned.get(f"{priority}_{target}_hours")
                minutes = cleaned.get(f"{priority}_{target}_minutes")
                if hours is not None and minutes is not None and hours * 60 + minutes < 1:
                    self.add_error(
                        f"{priority}_{target}_hours",
                        _("%(name)s: at least a minute.") % {"name": name},
                    )
        return cleaned

    def rows(self):
        """One row per priority: its label and the four boxes, in the order shown."""
        for priority in self.priorities:
            yield {
                "priority": priority,
                "label": Priority(priority).label,
                "default": describe_minutes(DEFAULT_SLA_MINUTES[priority]),
                "targets": [
                    {
                        "name": name,
                        "hours": self[f"{priority}_{target}_hours"],
                        "minutes": self[f"{priority}_{target}_minutes"],
                    }
                    for target, name in self.TARGETS
                ],
            }

    def targets(self) -> dict[str, tuple[int, int]]:
        data = self.cleaned_data
        return {
            priority: tuple(
                data[f"{priority}_{target}_hours"] * 60 + data[f"{priority}_{target}_minutes"]
                for target, _label in self.TARGETS
            )
            for priority in self.priorities
        }


class KeywordsField(forms.CharField):
    """Comma-separated words, shown back the same way."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        words = [word.strip() for word in text.replace("\n", ",").split(",")]
        return [word for word in words if word]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        too_long = [word for word in value if len(word) > KEYWORD_CHARS]
        if too_long:
            raise ValidationError(
                _("Keep each keyword under %(KEYWORD_CHARS)s characters: “%(keyword)s…”.")
                % {"KEYWORD_CHARS": KEYWORD_CHARS, "keyword": too_long[0][:20]}
            )
        if len(value) > MAX_KEYWORDS:
            raise ValidationError(
                _("At most %(MAX_KEYWORDS)s keywords.") % {"MAX_KEYWORDS": MAX_KEYWORDS}
            )


def _model_help(name: str) -> str:
    return InboxSettings._meta.get_field(name).help_text


class InboxSettingsForm(forms.ModelForm):
    thread_window_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        label=_("Thread window (days)"),
        help_text=format_lazy(
            "{} {}", _model_help("thread_window_days"), _("0: only replies join a ticket.")
        ),
    )
    sentiment_threshold = forms.FloatField(
        min_value=-1,
        max_value=1,
        label=_("Sentiment threshold"),
        help_text=format_lazy("{} {}", _model_help("sentiment_threshold"), _("-1 turns it off.")),
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )
    priority_keywords = KeywordsField(
        required=False,
        label=_("Priority keywords"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Comma separated. A message with one of these words (or a word starting "
            "with one: “leak” finds “leaking”) raises its ticket's priority and alerts its assignee."
        ),
    )
    vip_after_won_jobs = forms.IntegerField(
        min_value=0,
        max_value=100,
        label=_("Repeat customer after (won jobs)"),
        help_text=_model_help("vip_after_won_jobs"),
    )
    escalate_to_manager_after_minutes = forms.IntegerField(
        min_value=0,
        max_value=7 * 24 * 60,
        label=_("Escalate to the managers after (minutes)"),
        help_text=_model_help("escalate_to_manager_after_minutes"),
    )

    class Meta:
        model = InboxSettings
        fields = [
            "thread_window_days",
            "sentiment_threshold",
            "priority_keywords",
            "vip_after_won_jobs",
            "escalate_to_manager_after_minutes",
        ]

    def service_values(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class InboundFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *EventStatus.choices], label=_("Status")
    )

    def status_filter(self) -> str:
        """The chosen status; a value not understood is left out (an old link still opens)."""
        self.is_valid()
        return self.cleaned_data.get("status", "")
