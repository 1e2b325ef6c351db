"""`{% path_to "app:name" pk %}`: what `{% url "app:name" some_pk=pk %}` gives for a URL that
takes one id, for the rows of a list.

A full `reverse()` walks the resolver for every row (a follow-up list of 50 rows called it about
280 times a page, the board about 560); this reverses each pattern once per URL configuration and
script prefix, with a marker for the id, and each row only puts its own id in.
"""

import functools

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Digits no route prefix contains: the place of the id in the reversed path.
_MARK = 987654321987


@functools.lru_cache(maxsize=256)
def _around_id(name: str, urlconf: str, script_prefix: str) -> tuple[str, str]:
    path = reverse(name, args=[_MARK], urlconf=urlconf)
    before, marker, after = path.partition(str(_MARK))
    if not marker or str(_MARK) in after:
        raise ValueError(f"{name} does not take one id")
    return before, after


def path_around_id(name: str) -> tuple[str, str]:
    """The path of a URL that takes one id, split around the id: code that builds rows puts each
    row's id between the two parts."""
    return _around_id(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def path_to_id(name: str, pk: int) -> str:
    before, after = path_around_id(name)
    return f"{before}{int(pk)}{after}"


@register.simple_tag(takes_context=True)
def path_to(context, name: str, pk) -> str:
    path = path_to_id(name, pk)
    return conditional_escape(path) if context.autoescape else path
