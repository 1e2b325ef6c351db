"""Form plumbing: forms built for one tenant, team-member choices, the digest's hours, and a
service's ValidationError shown on the fields the user filled in."""

from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise

from crm.kit.prefetched import PrefetchedModelChoiceField
from crm.models import UI_LANGUAGES, Membership, Tenant, digest_minute

# The mixins below are mixed into forms: typed as one, they are plain classes at run time.
if TYPE_CHECKING:
    from django.forms import BaseForm as FormMixinBase
else:
    FormMixinBase = object


class TenantFormMixin:
    """A form built for one tenant (`tenant=` is required and kept as `self.tenant`).

    Choice fields are declared with empty querysets; the form's `__init__` sets the tenant's own.
    """

    def __init__(self, *args, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant


def language_choices(empty_label: str | Promise) -> list[tuple[str, str | Promise]]:
    """The languages Threadline is translated into, after an empty choice that means "someone
    else's language" (`empty_label` says whose)."""
    return [("", empty_label), *UI_LANGUAGES]


def team_language_name(tenant: Tenant) -> str:
    """The name of the team's language, in the reader's ("Engels" for English in Dutch)."""
    return str(dict(UI_LANGUAGES).get(tenant.language, tenant.language))


def digest_hour_choices(tenant_id: int) -> list[tuple[int, str]]:
    """Each hour of the day as the time the team's digests leave (the team's minute past it)."""
    minute = digest_minute(tenant_id)
    return [(hour, f"{hour:02d}:{minute:02d}") for hour in range(24)]


class MemberChoiceField(forms.ModelChoiceField):
    """A team member, shown by name, or by name and role where the role matters to the choice."""

    def __init__(self, *args, with_role: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_role = with_role

    def label_from_instance(self, membership: Membership) -> str:
        return str(membership) if self.with_role else str(membership.user)


class PrefetchedMemberChoiceField(PrefetchedModelChoiceField):
    """A team member, shown by name, among members the page has already read
    (crm.kit.prefetched): no query of the field's own."""

    def label_from_instance(self, membership: Membership) -> str:
        return str(membership.user)


class ServiceErrorsMixin(FormMixinBase):
    """Shows a service's ValidationError on the fields the user filled in; an error the form
    has no field for goes to the top of the form."""

    # Service field name -> the form field that holds it.
    service_fields: dict[str, str] = {}

    def form_field_for(self, service_field: str) -> str:
        return self.service_fields.get(service_field, service_field)

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for service_field, errors in error.error_dict.items():
            field = self.form_field_for(service_field)
            self.add_error(field if field in self.fields else None, errors)


class RedisplayMixin(FormMixinBase):
    """A form redrawn as posted, without checking it: when a choice changes which fields show."""

    @classmethod
    def redisplay(cls, data, **kwargs):
        """The form as posted but unchecked: redrawn when a choice changes which fields show,
        before the user has finished filling it in."""
        posted = cls(data, **kwargs)
        values = {
            name: field.widget.value_from_datadict(data, None, posted.add_prefix(name))
            for name, field in posted.fields.items()
        }
        # A field that was not on the page starts from its default.
        return cls(initial={k: v for k, v in values.items() if v is not None}, **kwargs)

    def current(self, name: str):
        """The field's value as shown: posted, else initial."""
        return self[name].value()
