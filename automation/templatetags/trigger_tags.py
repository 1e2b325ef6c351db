"""Plain-words summaries of triggers and their steps for the trigger admin pages."""

from django import template

from automation.selectors import triggers as selectors_triggers

register = template.Library()

register.filter("trigger_summary", selectors_triggers.trigger_summary)
register.filter("trigger_event", selectors_triggers.describe_event)
register.filter("trigger_conditions", selectors_triggers.trigger_conditions)
register.filter("step_summary", selectors_triggers.step_summary)
register.filter("step_delay", selectors_triggers.describe_delay)
