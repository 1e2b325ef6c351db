"""Database constraints as field errors. A model names, for each constraint a person can break,
the field it guards and what to tell them (``constraint_fields``); model validation and a
violation the database reports both answer on that field, and never with the constraint's name."""

import functools
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError

if TYPE_CHECKING:
    from django.db import models

    _ModelMixin = models.Model
else:
    _ModelMixin = object


class FieldConstraints(_ModelMixin):
    """Model mixin: ``constraint_fields = {constraint name: (field, message)}``."""

    constraint_fields: dict = {}

    def get_constraints(self):
        # Django's own validation of these would say "Constraint “name” is violated."
        return [
            (model, [c for c in constraints if c.name not in self.constraint_fields])
            for model, constraints in super().get_constraints()
        ]

    def validate_constraints(self, exclude=None):
        errors: dict[str, list] = {}
        for constraint in self._meta.constraints:
            if constraint.name not in self.constraint_fields:
                continue
            field, message = self.constraint_fields[constraint.name]
            try:
                constraint.validate(type(self), self, exclude=exclude)
            except ValidationError:
                errors.setdefault(field, []).append(ValidationError(message, code=constraint.name))
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as refused:
            errors = refused.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


@functools.cache
def _fields_by_constraint() -> dict:
    return {
        name: guarded
        for model in apps.get_models()
        for name, guarded in getattr(model, "constraint_fields", {}).items()
    }


def constraint_violated(error: IntegrityError) -> ValidationError | None:
    """The field error for a constraint the database refused, by the constraint's name
    (psycopg's diagnostics); None when no model maps it to a field."""
    name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    guarded = _fields_by_constraint().get(name)
    if guarded is None:
        return None
    field, message = guarded
    return ValidationError({field: [ValidationError(message, code=name)]})
