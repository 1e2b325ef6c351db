"""Form fields as HTML without Django's per-option widget templates.

A select of forty options renders through about eighty template includes; on a page that shows a
filter form on every request (the lead list) that was the larger part of the page's template time.
`field_html` writes the markup Django's default widget templates write, for the widgets it knows
(Select, Textarea, and the Input subclasses Date, DateTime, Hidden, Number and Text), and falls
back to Django's rendering for others. tests/leads/test_lead_rows_html.py,
tests/followups/test_rows_html.py and tests/tickets/test_thread_form_html.py compare both.
"""

from html import escape

from django import forms
from django.forms.models import ModelChoiceField
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from crm.kit.prefetched import PrefetchedModelChoiceField


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


def _choices(field) -> list[tuple[str, str | Promise]]:
    """(value, label) of each choice; a model field's queryset is read once per request (its
    result cache), not through ModelChoiceIterator's uncached .iterator()."""
    if isinstance(field, ModelChoiceField):
        options: list[tuple[str, str | Promise]] = (
            [] if field.empty_label is None else [("", field.empty_label)]
        )
        # A prefetched field's objects were read with the page's other lists.
        objects = field.objects if isinstance(field, PrefetchedModelChoiceField) else field.queryset
        if objects is None:  # a ModelChoiceField not given its queryset yet: no options
            objects = []
        options += [
            (str(field.prepare_value(obj)), field.label_from_instance(obj)) for obj in objects
        ]
        return options
    return [(str(value), label) for value, label in field.choices]


def field_html(bound_field) -> SafeString:
    widget = bound_field.field.widget
    plain_select = type(widget) is forms.Select
    plain_input = type(widget) in (
        forms.DateInput,
        forms.DateTimeInput,
        forms.HiddenInput,
        forms.NumberInput,
        forms.TextInput,
    )
    plain_textarea = type(widget) is forms.Textarea
    if not (plain_select or plain_input or plain_textarea):
        return bound_field.as_widget()
    # As BoundField.as_widget and Widget.build_attrs merge them, in the same order.
    extra = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        extra.setdefault("id", bound_field.auto_id)
    attrs = {**widget.attrs, **extra}
    name = escape(bound_field.html_name)
    value = widget.format_value(bound_field.value())
    if plain_input:
        attrs.pop("type", None)
        shown = "" if value is None else f' value="{escape(str(value))}"'
        return mark_safe(  # noqa: S308  # nosec B308 B703  (escaped above)
            f'<input type="{widget.input_type}" name="{name}"{shown}{_attrs(attrs)}>'
        )
    if plain_textarea:
        text = escape(value) if value else ""
        return mark_safe(  # noqa: S308  # nosec B308 B703  (escaped above)
            f'<textarea name="{name}"{_attrs(attrs)}>\n{text}</textarea>'
        )
    choices = _choices(bound_field.field)
    if any(isinstance(label, (list, tuple)) for _, label in choices):
        return bound_field.as_widget()  # option groups: Django's own rendering
    selected = set(value)
    options = []
    for option_value, label in choices:
        is_selected = option_value in selected
        if is_selected:
            selected = set()  # a single select marks its first match only
        options.append(
            f'\n  <option value="{escape(option_value)}"{" selected" if is_selected else ""}>'
            f"{escape(str(label))}</option>\n"
        )
    return mark_safe(  # noqa: S308  # nosec B308 B703  (escaped above)
        f'<select name="{name}"{_attrs(attrs)}>{"".join(options)}\n</select>'
    )
