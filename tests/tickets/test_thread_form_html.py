"""Issue 21: the thread page draws its reply form's and sidebar's fields without Django's widget
templates (crm.kit.widgets.field_html); the markup is the one Django's widgets draw, byte for
byte, unbound and bound with errors and hostile text."""

import uuid
from types import SimpleNamespace

import pytest

from crm.kit.widgets import field_html
from tickets.forms.inbox import AssignForm, ChangeForm, ReplyForm
from tickets.selectors.inbox import ReplyOptions

HOSTILE = "Tom & \"Jerry\" <b>'x'</b>"


def _options():
    templates = [SimpleNamespace(pk=7, name=HOSTILE, variants=SimpleNamespace(all=list))]
    return ReplyOptions([("email", "Email"), ("sms", "Text")], "email", templates)


def _members():
    return [SimpleNamespace(pk=4, user=HOSTILE), SimpleNamespace(pk=9, user="Avery Brooks")]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"channel": "sms", "template": "7", "body": HOSTILE + "\n\nsecond line", "nonce": "x"},
        {"channel": "nope", "template": "999", "body": "", "status_after": "closed"},
    ],
)
def test_the_thread_forms_fields_are_the_markup_djangos_widgets_draw(data):
    reply = ReplyForm(data, options=_options(), initial={"nonce": uuid.uuid4()})
    change = ChangeForm(data, initial={"status": "open", "priority": "high"})
    assign = AssignForm(
        {"assignee": "4"} if data else None, members=_members(), initial={"assignee": "nobody"}
    )
    for form in (reply, change, assign):
        if data is not None:
            form.is_valid()
        for field in form:
            if field.name in ("channel",):
                continue  # drawn by hand as radio buttons
            assert field_html(field) == str(field), field.name
