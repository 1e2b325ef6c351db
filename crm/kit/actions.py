"""Quick actions from a list row or a page's sidebar: run the service, then answer htmx with the
re-rendered part (carrying the error or the done note), or a plain form post with a flash message
and a redirect."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse

from crm.kit.requests import HtmxRequest


def all_errors(form: Form) -> str:
    """Every error of the form, in one line."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def first_error(form: Form) -> str:
    """The form's first error only (a list row has room for one)."""
    return str(next(iter(form.errors.values()))[0])


def run_action(
    form: Form | None,
    perform: Callable[[dict], object],
    *,
    describe_errors: Callable[[Form], str] = all_errors,
) -> str:
    """Validate `form` (if the action has one) and `perform(cleaned_data)`: the error, or ""."""
    if form is not None and not form.is_valid():
        return describe_errors(form)
    try:
        perform(form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def action_response(
    request: HtmxRequest,
    *,
    error: str,
    done: str,
    render_part: Callable[[str, str], HttpResponse | None],
    redirect_back: Callable[[], HttpResponse],
) -> HttpResponse:
    """htmx gets `render_part(error, done)`; a plain post, or an htmx request whose part
    `render_part` does not know (it returns None), gets a flash message and `redirect_back()`."""
    if request.htmx:
        part = render_part(error, "" if error else done)
        if part is not None:
            return part
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect_back()


def panel_form_response(
    request: HtmxRequest,
    *,
    form: Form,
    done: str,
    render_panel: Callable[[Form | None], HttpResponse],
    redirect_back: Callable[[], HttpResponse],
) -> HttpResponse:
    """A page panel's form was posted (and `done` says what it did, if it did): htmx gets the
    panel again, with a fresh form after success; a plain post gets the done note and each
    field's errors as flash messages, and `redirect_back()`."""
    if request.htmx:
        return render_panel(None if done else form)
    if done:
        messages.success(request, done)
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))
    return redirect_back()
