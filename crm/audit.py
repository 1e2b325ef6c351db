"""The registry of the audit trail's words: how the history rows (django-pghistory events) of each
audited model read ("Consent for SMS granted for Casey Morgan", not "Created contact consent #26").

The core cannot know the models of the apps above it, so each app declares its own in its
`audit_trail.py` module (found by `autodiscover_modules`, as crm.privacy finds `personal_data.py`):

- `AuditKind`s: what the trail's "what" filter offers, a name people use and the models behind it
  (apps may add models to one kind: API keys and webhooks are one "integrations");
- `AuditReference`s: an id in a row's data (`lead_id`) and the model it names, read for a page's
  rows in one query per reference; with a `search`, the trail's search box finds the rows about
  what it names (a payment by its lead's customer or L-number) the way that model's own list
  finds it;
- labels: how a field's name reads in the changes ("VIP" for is_vip), by field name; a field
  without one reads as its verbose name;
- readers: per model label, a function of an `AuditRow` returning its sentence. A model without
  one reads "<verbose name> <name> <verb>" (a settings model: "<verbose name> <verb>").

crm/selectors/audit.py reads the rows and uses the declarations to describe them; a row's values
read as its reader writes them (`AuditValues`).
"""

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Protocol

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.kit.formatting import local_date, money_format

AUDIT_TRAIL_MODULE = "audit_trail"

VERBS = {
    "insert": gettext_lazy("added"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}


@dataclass(frozen=True)
class AuditKind:
    """One choice of the "what" filter: its key in the query string, its name, its models."""

    key: str
    label: str | Promise
    models: tuple[str, ...]  # "app_label.ModelName"


@dataclass(frozen=True)
class AuditReference:
    """`<key>_id` in a row's data names a row of `model`; `related` is read with it. `search`:
    the pks of the rows of `model` a search box's text names, (tenant, text) -> a list or a
    `values("pk")` queryset (read as a subquery), or None for an empty search."""

    key: str
    model: str  # "app_label.ModelName"
    related: tuple[str, ...] = ()
    search: Callable[[object, str], object] | None = None


class AuditValues:
    """A history row's stored values as the reader reads them: a datetime in the tenant's time
    zone and the reader's language, money in the tenant's currency as the reader writes it,
    numbers with the reader's separators, a choice or a yes/no as its translated label, a
    reference as the name of what it points at."""

    def __init__(self, tenant, names: Mapping[str, Mapping], references: Mapping[str, str]):
        self.zone = tenant.zone
        self.money = money_format(tenant.currency)
        self.names = names
        self.references = references  # {model label: reference key}

    def label(self, model: str, column: str) -> str:
        """The field's name as the reader reads it ("Sender email", "E-mailadres afzender")."""
        found = _field(model, column)
        if found is None:
            return column
        label = audit_labels().get(found.name)
        return str(label) if label else capfirst(str(found.verbose_name))

    def shown(self, model: str, column: str, value) -> str:
        found = _field(model, column)
        if value in (None, "", []):
            return "—"
        if found is None:
            return str(value)
        if isinstance(found, models.ForeignKey):
            return self._named(found, value)
        base_field = getattr(found, "base_field", None)  # an ArrayField's items' field
        if base_field is not None and isinstance(value, list):
            return ", ".join(self._scalar(base_field, item) for item in value)
        return self._scalar(found, value)

    def _named(self, found: models.ForeignKey, value) -> str:
        key = self.references.get(found.related_model._meta.label)
        row = self.names.get(key, {}).get(value) if key else None
        return str(row) if row is not None else f"#{value}"

    def _scalar(self, found: models.Field, value) -> str:
        if found.choices:
            # Labels marked with gettext_noop (QuoteStatus, Language) are translated here.
            label = dict(found.flatchoices).get(value)
            return _(str(label)) if label is not None else str(value)
        if isinstance(found, models.BooleanField):
            return _("Yes") if value else _("No")
        if isinstance(found, models.DateTimeField):
            moment = timezone.localtime(dt.datetime.fromisoformat(value), self.zone)
            return local_date(moment, "datetime")
        if isinstance(found, models.DateField):
            return local_date(dt.date.fromisoformat(value), "date")
        if isinstance(found, models.TimeField):
            return local_date(dt.time.fromisoformat(value), "time")
        if isinstance(found, models.DecimalField) and found.decimal_places == MONEY_PLACES:
            return self.money(Decimal(str(value)))
        if isinstance(found, models.DecimalField | models.FloatField | models.IntegerField):
            return formats.number_format(value, use_l10n=True, force_grouping=True)
        if isinstance(found, models.BinaryField):
            return _("a file")
        if isinstance(found, models.JSONField):
            if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                # A label per language and the like: "es: Ya hablamos con usted; nl: …".
                return Truncator("; ".join(f"{k}: {v}" for k, v in value.items())).chars(
                    LONGEST_VALUE
                )
            return json.dumps(value, ensure_ascii=False)
        return Truncator(str(value)).chars(LONGEST_VALUE)


# A message's body changes whole: the trail shows its start.
LONGEST_VALUE = 120
# Every audited amount with cents is money (quotes, payments, a source's cost).
MONEY_PLACES = 2


def _field(model: str, column: str) -> models.Field | None:
    """The tracked model's field stored in `column` (a name or a foreign key's `_id`)."""
    tracked = model_or_none(model)
    try:
        return tracked._meta.get_field(column) if tracked else None
    except FieldDoesNotExist:
        return None


def model_or_none(label: str):
    try:
        return apps.get_model(label)
    except FieldDoesNotExist:
        return None


class AuditEvent(Protocol):
    """What a reader reads of one history event (crm.selectors.audit.AuditEntry)."""

    pgh_obj_model: str  # "app_label.ModelName"
    pgh_label: str  # insert, update, delete
    pgh_obj_id: int


@dataclass
class AuditRow:
    """One history row as its reader sees it: the event, its data and the names its ids point at
    (`names[reference key][id]`, read for the whole page at once)."""

    entry: AuditEvent
    data: dict
    names: Mapping[str, Mapping]
    values_read: AuditValues | None = None

    @property
    def model(self) -> str:
        return self.entry.pgh_obj_model

    @property
    def action(self) -> str:
        """insert, update or delete."""
        return self.entry.pgh_label

    @cached_property
    def verb(self) -> str:
        return str(VERBS.get(self.action, self.action))

    def values(self, **more) -> dict:
        """The sentence's values: the verb and `more`."""
        return {"verb": self.verb, **more}

    def shown(self, column: str) -> str:
        """The value of `column` as the reader reads it (AuditValues)."""
        value = self.data.get(column)
        if self.values_read is None:
            return "" if value is None else str(value)
        return self.values_read.shown(self.model, column, value)

    def named(self, reference: str):
        """The row `<reference>_id` of the data points at, or None (since deleted)."""
        return self.names.get(reference, {}).get(self.data.get(f"{reference}_id"))

    def choice(self, field_name: str) -> str:
        """A choice's label (SMS for "sms"), or the value."""
        value = self.data.get(field_name)
        model = model_or_none(self.model)
        try:
            choices = dict(model._meta.get_field(field_name).flatchoices) if model else {}
        except Exception:
            choices = {}
        return str(choices.get(value, value or ""))

    def contact_name(self) -> str:
        contact = self.named("contact")
        return contact.display_name if contact else _("a contact since erased or deleted")

    def what(self) -> str:
        """The model's name as the reader reads it (registered, else its verbose name)."""
        name = audit_names().get(self.model)
        if name:
            return str(name)
        tracked = model_or_none(self.model)
        return str(tracked._meta.verbose_name).capitalize() if tracked else self.model


AuditReader = Callable[[AuditRow], str]


@dataclass
class _Registry:
    kinds: dict[str, AuditKind] = field(default_factory=dict)
    references: dict[str, AuditReference] = field(default_factory=dict)
    readers: dict[str, AuditReader] = field(default_factory=dict)
    labels: dict[str, str | Promise] = field(default_factory=dict)
    names: dict[str, str | Promise] = field(default_factory=dict)
    discovered: bool = False


_registry = _Registry()


def register_audit_kinds(*kinds: AuditKind) -> None:
    """Declare filter choices; a key declared again adds its models to the first's."""
    for kind in kinds:
        known = _registry.kinds.get(kind.key)
        if known is not None:
            kind = AuditKind(kind.key, known.label, known.models + kind.models)
        _registry.kinds[kind.key] = kind


def register_audit_references(*references: AuditReference) -> None:
    for reference in references:
        _registry.references[reference.key] = reference


def register_audit_readers(readers: Mapping[str, AuditReader]) -> None:
    _registry.readers.update(readers)


def register_audit_labels(labels: Mapping[str, str | Promise]) -> None:
    """{field name: its label (gettext_lazy)}: a name declared again keeps the first label."""
    for name, label in labels.items():
        _registry.labels.setdefault(name, label)


def register_audit_names(names: Mapping[str, str | Promise]) -> None:
    """{model label: what people call one (gettext_lazy)}: "Quote" in "Quote Q-12 added"."""
    _registry.names.update(names)


def _discover() -> None:
    if not _registry.discovered:
        autodiscover_modules(AUDIT_TRAIL_MODULE)
        _registry.discovered = True


def audit_kinds() -> dict[str, AuditKind]:
    """Every filter choice by key, lower apps' first (INSTALLED_APPS order)."""
    _discover()
    return dict(_registry.kinds)


def audit_references() -> dict[str, AuditReference]:
    _discover()
    return dict(_registry.references)


def audit_reader(model: str) -> AuditReader:
    """The model's reader, or the generic one."""
    _discover()
    return _registry.readers.get(model) or (
        _settings_sentence if model.endswith("Settings") else _named_sentence
    )


def audit_labels() -> dict[str, str | Promise]:
    _discover()
    return _registry.labels


def audit_names() -> dict[str, str | Promise]:
    _discover()
    return _registry.names


def audit_readers() -> dict[str, AuditReader]:
    _discover()
    return dict(_registry.readers)


def _settings_sentence(row: AuditRow) -> str:
    return _("%(what)s %(verb)s") % row.values(what=row.what())


def _named_sentence(row: AuditRow) -> str:
    name = row.data.get("name") or row.data.get("email") or f"#{row.entry.pgh_obj_id}"
    return _("%(what)s %(name)s %(verb)s") % row.values(what=row.what(), name=name)
