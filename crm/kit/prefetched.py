"""A model choice field (and django-filter filter) over objects the page has already read.

Django's ModelChoiceField queries its queryset to list its options and again to validate the
chosen value. A page that reads its choice lists together (crm.kit.together) hands the objects to
this field instead: the same options, labels and errors, with no query of the field's own.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator


class _ObjectsIterator(ModelChoiceIterator):
    field: "PrefetchedModelChoiceField"

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.objects:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.objects) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.objects)


class PrefetchedModelChoiceField(forms.ModelChoiceField):
    iterator = _ObjectsIterator

    def __init__(self, *, model, objects=(), **kwargs):
        self.objects = list(objects)
        self.model = model
        kwargs.pop("queryset", None)
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        if isinstance(value, self.model):
            value = getattr(value, key)
        for obj in self.objects:
            if str(getattr(obj, key)) == str(value):
                return obj
        # As ModelChoiceField says of a value its queryset does not hold.
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class PrefetchedModelChoiceFilter(django_filters.Filter):
    """Filters on `field_name` = the chosen object; set `extra["objects"]` before the form is
    built (FilterSet.__init__)."""

    field_class = PrefetchedModelChoiceField

    def __init__(self, *args, model, **kwargs):
        kwargs.setdefault("objects", ())
        super().__init__(*args, model=model, **kwargs)
