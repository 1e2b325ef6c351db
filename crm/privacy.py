"""The registry of personal data: what each app holds on a contact, what erasure does to it, and
what the customer's "download my data" includes.

The core cannot know the fields of the apps above it, so each app declares its own in its
`personal_data.py` module (found by `autodiscover_modules`, as the admin finds `admin.py`):

- per model, a `PersonalModel`: how its rows that belong to a contact are found (the lookup path
  to the contact, or a function of the `ErasureScope` when the path alone does not say), and per
  field what erasure does: `BLANK` (the field's empty value), `Replace(value)` (a placeholder),
  `Rewrite(function)` (row by row, e.g. a timeline detail without its words) or `Keep(reason)`;
  or the rows go (`delete=True`, their `files` first; `deleted_with` when the database cascade
  removes them with another declared model's rows);
- the export's sections, as `ExportKind`s reading a `DataSubject`;
- what merging two contacts does to its rows, as `MergeRule`s: a foreign key to the contact is
  moved to the surviving contact by default; a model whose rows may not simply move (a unique
  constraint on the contact, one row per contact) names the service that combines them.

Each app calls `register_personal_models(...)`, `register_export_kinds(...)` and
`register_merge_rules(...)` at import.

crm/services/erasure.py runs the declarations and portal/services/data_export.py writes the sections; a test
walks every model that reaches a contact and fails on a text field declared neither erased nor kept.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import ForeignObjectRel
from django.utils.module_loading import autodiscover_modules

from crm.models import Contact, Tenant

PERSONAL_DATA_MODULE = "personal_data"
ERASED = "Erased"  # the placeholder for an erased name or subject


@dataclass(frozen=True)
class Blank:
    """The field's empty value: "" for text, {} or [] for JSON, b"" for bytes, None if nullable."""


BLANK = Blank()


@dataclass(frozen=True)
class Replace:
    """A fixed value in place of the old one, such as the ERASED placeholder."""

    value: Any


@dataclass(frozen=True)
class Rewrite:
    """A new value computed from the old one, row by row."""

    function: Callable[[Any], Any]


@dataclass(frozen=True)
class Keep:
    """The field stays; the reason says why (a figure the business keeps, our own words…)."""

    reason: str


FieldRule = Blank | Replace | Rewrite | Keep


def empty_value(model_field: models.Field | ForeignObjectRel):
    if isinstance(model_field, (models.JSONField, models.BinaryField)):
        return model_field.get_default()
    if model_field.null:
        return None
    return ""


@dataclass(frozen=True)
class ErasureScope:
    """What the erasure of one contact reaches, worked out by the core before any row changes:
    the addresses sign-in challenges went to, and which of their properties are theirs alone."""

    tenant: Tenant
    contact: Contact
    addresses: tuple[str, ...]
    own_property_ids: frozenset[int]
    shared_link_ids: frozenset[int]


@dataclass(frozen=True)
class PersonalModel:
    """One model's rows that belong to a contact, and what erasure does to them."""

    model: str  # "app_label.ModelName"
    contact_path: str  # lookup from the model to the contact ("" for the contact itself)
    fields: Mapping[str, FieldRule] = field(default_factory=dict)
    delete: bool = False
    files: tuple[str, ...] = ()  # file fields whose files go before the rows do
    deleted_with: str = ""  # the model whose deleted rows take these with them (CASCADE)
    rows: Callable[[ErasureScope], models.QuerySet] | None = None
    counted_as: str = ""  # the ErasureReport figure counting the rows erased

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def rows_of(self, scope: ErasureScope) -> models.QuerySet:
        if self.rows is not None:
            return self.rows(scope)
        contact_lookup = self.contact_path or "pk"
        return self.model_class._default_manager.filter(
            tenant=scope.tenant, **{contact_lookup: scope.contact.pk}
        )


@dataclass(frozen=True)
class DataSubject:
    """Whose data the export holds: the contacts one customer proved to be, the properties they
    are linked to, and their jobs as the portal shows them (a queryset of leads)."""

    tenant: Tenant
    contacts: tuple[Contact, ...]
    contact_ids: frozenset[int]
    property_ids: frozenset[int]
    jobs: models.QuerySet


@dataclass(frozen=True)
class ExportKind:
    """One section of the export: its name, its column headers and its rows."""

    name: str
    headers: tuple[str, ...]
    rows: Callable[[DataSubject], Iterator[tuple]]


@dataclass(frozen=True)
class MergeScope:
    """Two contacts being merged: `merged`'s rows go to `survivor`, then `merged` is deleted."""

    tenant: Tenant
    actor: Any
    survivor: Contact
    merged: Contact


@dataclass(frozen=True)
class MergeRule:
    """How merging moves one model's rows that point at the merged contact through `field`,
    when an UPDATE of the foreign key alone could break a constraint (one row per contact,
    one per contact and channel...). `merge` is a service: it leaves no row of the model
    pointing at the merged contact through `field`."""

    model: str  # "app_label.ModelName"
    field: str  # the foreign key (or one-to-one field) to crm.Contact
    merge: Callable[[MergeScope], Any]
    why: str = ""

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


_personal_models: list[PersonalModel] = []
_export_kinds: list[ExportKind] = []
_merge_rules: list[MergeRule] = []
_discovered = False


def register_personal_models(*declarations: PersonalModel) -> None:
    _personal_models.extend(declarations)


def register_export_kinds(*kinds: ExportKind) -> None:
    _export_kinds.extend(kinds)


def register_merge_rules(*rules: MergeRule) -> None:
    _merge_rules.extend(rules)


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules(PERSONAL_DATA_MODULE)
        _discovered = True


def _app_position(label: str) -> int:
    app_labels = [config.label for config in apps.get_app_configs()]
    return app_labels.index(label.split(".")[0])


def personal_models() -> list[PersonalModel]:
    """Every declaration, lower apps first (INSTALLED_APPS order), each app's in the order it
    declared them, the contact itself last: the order erasure runs them in."""
    _discover()
    return sorted(
        _personal_models,
        key=lambda declared: (declared.contact_path == "", _app_position(declared.model)),
    )


def export_kinds() -> list[ExportKind]:
    """Every registered section, in no promised order (the export sets its own)."""
    _discover()
    return list(_export_kinds)


def merge_rules() -> dict[tuple[type[models.Model], str], MergeRule]:
    """Every registered merge rule by (model, foreign key name)."""
    _discover()
    return {(rule.model_class, rule.field): rule for rule in _merge_rules}


def contact_foreign_keys() -> list[tuple[type[models.Model], models.Field]]:
    """Every foreign key (and one-to-one field) of an installed model that points straight at
    crm.Contact, in INSTALLED_APPS order: what a merge must move. Audit history rows
    (django-pghistory) are records of the past and are left as they were."""
    found = []
    for model in apps.get_models():
        if _is_history(model):
            continue
        for model_field in model._meta.concrete_fields:
            if model_field.is_relation and model_field.related_model is Contact:
                found.append((model, model_field))
    return found


def rows_pointing_at(model: type[models.Model], tenant: Tenant, **lookup) -> models.QuerySet:
    """The tenant's rows of `model` matching `lookup` (a model without a tenant column: all)."""
    manager = model._default_manager
    if any(f.name == "tenant" for f in model._meta.concrete_fields):
        return manager.filter(tenant=tenant, **lookup)
    return manager.filter(**lookup)


def _unique_sets(model: type[models.Model]) -> list[set[str]]:
    """The column sets each row must be unique in (fields, unique_together, constraints)."""
    sets = [{f.name} for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    sets.extend(set(together) for together in model._meta.unique_together)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names = set(constraint.fields)
            for expression in constraint.expressions:
                names.update(_expression_fields(expression))
            sets.append(names)
    return sets


def _expression_fields(expression) -> set[str]:
    if isinstance(expression, models.F):
        return {expression.name}  # type: ignore[attr-defined]  # F's field name, not in the stubs
    names: set[str] = set()
    for source in getattr(expression, "get_source_expressions", lambda: [])():
        names.update(_expression_fields(source))
    return names


def merge_plan() -> list[tuple[type[models.Model], models.Field, MergeRule | None]]:
    """Each foreign key to a contact with the rule that merges its rows, or None when moving
    the key is enough (no uniqueness involves it)."""
    rules = merge_rules()
    return [
        (model, model_field, rules.get((model, model_field.name)))
        for model, model_field in contact_foreign_keys()
    ]


def unmerged_foreign_keys() -> list[str]:
    """Each foreign key to a contact whose rows a merge could not simply move (a uniqueness
    involves it) and that no merge rule handles; and each rule naming no such key."""
    problems = []
    keys = contact_foreign_keys()
    for model, model_field, rule in merge_plan():
        if rule is not None:
            continue
        clashing = [names for names in _unique_sets(model) if model_field.name in names]
        if clashing:
            problems.append(
                f"{model._meta.label}.{model_field.name} points at a contact and must be unique"
                f" with {sorted(clashing[0])}: merging two contacts cannot just move it;"
                f" register a MergeRule in {_module_of(model)}"
            )
    known = {(model, model_field.name) for model, model_field in keys}
    for (model, name), rule in merge_rules().items():
        if (model, name) not in known:
            problems.append(f"merge rule {rule.model}.{name}: not a foreign key to a contact")
    return problems


# Fields that can hold what a person wrote or is called. A field with choices holds one of a
# fixed set of values and cannot.
PERSONAL_FIELD_TYPES = (
    models.CharField,  # EmailField and PhoneNumberField are CharFields
    models.TextField,
    models.JSONField,
    models.BinaryField,
    models.FileField,
)


def may_hold_personal_text(model_field: models.Field) -> bool:
    return isinstance(model_field, PERSONAL_FIELD_TYPES) and not model_field.choices


def _is_history(model: type[models.Model]) -> bool:
    """django-pghistory's event models: erasure deletes the erased rows' events whole."""
    return hasattr(model, "pgh_tracked_model")


def models_reaching_contacts() -> dict[type[models.Model], str]:
    """Every installed model whose rows point at a contact, directly or through foreign keys
    (a ticket message → its ticket → the contact), with the first lookup path found."""
    reached: dict[type[models.Model], str] = {Contact: ""}
    candidates = [model for model in apps.get_models() if not _is_history(model)]
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in reached:
                continue
            for model_field in model._meta.concrete_fields:
                if model_field.is_relation and model_field.related_model in reached:
                    rest = reached[model_field.related_model]
                    reached[model] = f"{model_field.name}__{rest}" if rest else model_field.name
                    grew = True
                    break
    return reached


def _module_of(model: type[models.Model]) -> str:
    return f"{model._meta.app_config.name}/{PERSONAL_DATA_MODULE}.py"


def undeclared_personal_fields(declarations: list[PersonalModel]) -> list[str]:
    """Each text field of a model that reaches a contact (or is declared) whose erasure nobody
    declared: neither erased nor kept, nor its rows deleted."""
    rules: dict[type[models.Model], set[str]] = {}
    deleted: set[type[models.Model]] = set()
    for declared in declarations:
        model = declared.model_class
        rules.setdefault(model, set()).update(declared.fields)
        if declared.delete or declared.deleted_with:
            deleted.add(model)
    reached = models_reaching_contacts()
    problems = []
    for model in sorted({*reached, *rules}, key=lambda model: model._meta.label):
        if model in deleted:
            continue
        for model_field in model._meta.concrete_fields:
            if may_hold_personal_text(model_field) and model_field.name not in rules.get(model, ()):
                problems.append(
                    f"{model._meta.label}.{model_field.name} reaches a contact"
                    f" ({reached.get(model, 'declared')}) but is declared neither erased nor"
                    f" kept: declare it in {_module_of(model)}"
                )
    return problems


def _follow(model: type[models.Model], path: str) -> type[models.Model] | None:
    for name in path.split("__") if path else ():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not model_field.is_relation or model_field.related_model is None:
            return None
        model = model_field.related_model
    return model


def declaration_mistakes(declarations: list[PersonalModel]) -> list[str]:
    """What a declaration names that does not exist or cannot be done: an unknown model or
    field, a path that does not end at the contact, a file list naming a non-file field, rows
    deleted by a cascade that does not exist."""
    deleted = {declared.model for declared in declarations if declared.delete}
    mistakes = []
    for declared in declarations:
        where = f"{declared.model} (declared in its app's {PERSONAL_DATA_MODULE}.py)"
        try:
            model = declared.model_class
        except (LookupError, ValueError):
            mistakes.append(f"{where}: no such model")
            continue
        if _follow(model, declared.contact_path) is not Contact:
            mistakes.append(f"{where}: {declared.contact_path!r} does not lead to a contact")
        mistakes.extend(_field_mistakes(declared, model, where))
        if declared.delete and any(not isinstance(rule, Keep) for rule in declared.fields.values()):
            mistakes.append(f"{where}: its rows are deleted, there is nothing to overwrite")
        for name in declared.files:
            try:
                is_file = isinstance(model._meta.get_field(name), models.FileField)
            except FieldDoesNotExist:
                is_file = False
            if not is_file:
                mistakes.append(f"{where}: {name!r} is not a file field")
        if declared.delete and not declared.files:
            for model_field in model._meta.concrete_fields:
                if isinstance(model_field, models.FileField):
                    mistakes.append(
                        f"{where}: deleting the rows leaves the files of {model_field.name}"
                    )
        if declared.deleted_with:
            mistakes.extend(_cascade_mistakes(declared, model, deleted, where))
    return mistakes


def _field_mistakes(declared, model, where) -> list[str]:
    mistakes = []
    for name, rule in declared.fields.items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            mistakes.append(f"{where}: no field {name!r}")
            continue
        if not model_field.concrete:
            mistakes.append(f"{where}: {name!r} is not a column")
        if isinstance(rule, Keep) and not rule.reason.strip():
            mistakes.append(f"{where}: keeping {name!r} needs a reason")
    return mistakes


def _cascade_mistakes(declared, model, deleted, where) -> list[str]:
    if declared.deleted_with not in deleted:
        return [f"{where}: {declared.deleted_with} is not declared deleted"]
    owner = apps.get_model(declared.deleted_with)
    links = [
        model_field
        for model_field in model._meta.concrete_fields
        if model_field.is_relation
        and model_field.related_model is owner
        and model_field.remote_field.on_delete is models.CASCADE
    ]
    if not links:
        return [f"{where}: no foreign key to {declared.deleted_with} with on_delete=CASCADE"]
    if any(
        isinstance(model_field, models.FileField) for model_field in model._meta.concrete_fields
    ):
        return [f"{where}: a cascade would leave its files behind; delete them explicitly"]
    return []
