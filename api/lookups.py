"""The objects a request body names by id."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

T = TypeVar("T")


def named_in_body(read: Callable[[], T], field: str) -> T:
    """`read()` (a tenant-scoped get), or a 422 on `field` when the id the body gives is not
    one of the tenant's: a body's bad id is a field error, not a missing page."""
    try:
        return read()
    except Http404:
        raise ValidationError({field: [_("Not found.")]}) from None
