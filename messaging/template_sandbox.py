"""The only tags and filters a message template may use: none of them reach the database, the
file system, other templates or settings. Registered as the sandbox engine's sole builtin library.
"""

from django.template import Library, defaultfilters, defaulttags

register = Library()

SAFE_TAGS = ("if", "for", "with", "comment", "firstof", "spaceless")
SAFE_FILTERS = (
    "capfirst",
    "cut",
    "date",
    "default",
    "default_if_none",
    "first",
    "floatformat",
    "join",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "lower",
    "pluralize",
    "time",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "urlize",
    "wordwrap",
    "yesno",
)

for _name in SAFE_TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in SAFE_FILTERS:
    # The functions carry their flags (is_safe, expects_localtime …) from their first registration.
    register.filter(_name, defaultfilters.register.filters[_name])
