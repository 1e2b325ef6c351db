"""The registry of the audit trail's words: how the history rows (django-pghistory events) of each
audited model read ("Consent for SMS granted for Casey Morgan", not "Created contact consent #26").

The core cannot know the models of the apps above it, so each app declares its own in its
`audit_trail.py` module (found by `autodiscover_modules`, as crm.privacy finds `personal_data.py`):

- `AuditKind`s: what the trail's "what" filter offers, a name people use and the models behind it
  (apps may add models to one kind: API keys and webhooks are one "integrations");
- `AuditReference`s: an id in a row's data (`lead_id`) and the model it names, read for a page's
  rows in one query per reference;
- readers: per model label, a function of an `AuditRow` returning its sentence. A model without
  one reads "<verbose name> <name> <verb>" (a settings model: "<verbose name> <verb>").

crm/selectors/audit.py reads the rows and uses the declarations to describe them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    """`<key>_id` in a row's data names a row of `model`; `related` is read with it."""

    key: str
    model: str  # "app_label.ModelName"
    related: tuple[str, ...] = ()


def model_or_none(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


@dataclass
class AuditRow:
    """One history row as its reader sees it: the event, its data and the names its ids point at
    (`names[reference key][id]`, read for the whole page at once)."""

    entry: object
    data: dict
    names: Mapping[str, Mapping]

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
        """The model's name as people read it (its verbose name)."""
        tracked = model_or_none(self.model)
        return str(tracked._meta.verbose_name).capitalize() if tracked else self.model


AuditReader = Callable[[AuditRow], str]


@dataclass
class _Registry:
    kinds: dict[str, AuditKind] = field(default_factory=dict)
    references: dict[str, AuditReference] = field(default_factory=dict)
    readers: dict[str, AuditReader] = field(default_factory=dict)
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


def audit_readers() -> dict[str, AuditReader]:
    _discover()
    return dict(_registry.readers)


def _settings_sentence(row: AuditRow) -> str:
    return _("%(what)s %(verb)s") % row.values(what=row.what())


def _named_sentence(row: AuditRow) -> str:
    name = row.data.get("name") or row.data.get("email") or f"#{row.entry.pgh_obj_id}"
    return _("%(what)s %(name)s %(verb)s") % row.values(what=row.what(), name=name)
