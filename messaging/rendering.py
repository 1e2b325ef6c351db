"""Message templates rendered in a sandbox: Django's template language with a small, safe set of
tags and filters, and only the variables listed in VARIABLES (plain values, never model objects).

A variable a template uses unguarded (not inside ``{% if name %}``, not with ``|default``) must
have a value when the message is sent; if it has none the message is not sent with a blank in it
(MissingVariables), and the admin sees unknown names when saving the template.
"""

import datetime as dt
from dataclasses import dataclass

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, NodeList, VariableNode
from django.template.defaulttags import ForNode, IfNode, TemplateLiteral, WithNode
from django.utils import timezone
from django.utils.html import escape, linebreaks

VARIABLES = {
    "customer_name": "The customer's full name",
    "first_name": "The customer's first name",
    "order_number": "The job's reference, e.g. L-1042",
    "job_title": "What the job is, e.g. Roof replacement",
    "stage_label": "The job's current step, as the customer sees it",
    "next_step": "The step after the current one, as the customer sees it",
    "recent_updates": "What happened since the last update (a list)",
    "appointment_at": "The booked appointment (date and time)",
    "quote_link": "Link to the quote the customer can accept or decline",
    "quote_reference": "The quote's reference, e.g. Q-1042-1",
    "quote_total": "The quote's total with currency",
    "portal_link": "Link to the customer portal, where they sign in with their email or mobile",
    "unsubscribe_link": "One-click unsubscribe link for this channel",
    "sender_name": "Who the message is from (the brand's sender name)",
    "brand_name": "The brand's name",
    "brand_phone": "The brand's phone number",
    "brand_email": "The brand's email address for customers (its reply-to, else its sender)",
    "brand_website": "The brand's website",
    "owner_name": "The team member who owns the job",
    "owner_phone": "The owner's phone number",
    "lost_reason": "Why the job did not go ahead (lost leads)",
}

# Names every template context holds (Django's BaseContext builtins).
CONTEXT_BUILTINS = {"True", "False", "None"}

# Filters that give a missing value a fallback, so the variable is optional where they are used.
FALLBACK_FILTERS = {"default", "default_if_none"}


class _SandboxEngine(Engine):
    # Engine adds Django's full tag and filter set (include, load, url …) unless told otherwise.
    default_builtins = []


_engine = _SandboxEngine(
    builtins=["messaging.template_sandbox"],
    libraries={},
    loaders=[],
    debug=False,
    autoescape=True,
    string_if_invalid="",
)


class TemplateProblem(ValueError):
    """The template cannot be saved: a syntax error or an unknown variable."""


class MissingVariables(ValueError):
    def __init__(self, names):
        self.names = sorted(names)
        super().__init__(
            "No value for " + ", ".join(f"{{{{ {name} }}}}" for name in self.names) + " here."
        )


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Analysis:
    used: frozenset
    required: frozenset


def _compile(source: str, *, field: str):
    try:
        return _engine.from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"{field}: {error}") from None


def _names_in(expression) -> set[str]:
    """Root variable names in a filter expression or an if-condition tree (literals: none)."""
    names = set()
    if isinstance(expression, TemplateLiteral):  # an operand inside an {% if %} condition
        expression = expression.value
    if isinstance(expression, FilterExpression):
        if expression.is_var and expression.var.lookups:
            names.add(expression.var.lookups[0])
        for _, args in expression.filters:
            for is_var, arg in args:
                if is_var and arg.lookups:
                    names.add(arg.lookups[0])
    for attr in ("first", "second"):  # the operator nodes of an {% if %} condition
        operand = getattr(expression, attr, None)
        if operand is not None:
            names |= _names_in(operand)
    return names - CONTEXT_BUILTINS


def _analyse(nodelist: NodeList, guarded: frozenset = frozenset()) -> tuple[set, set]:
    used, required = set(), set()
    for node in nodelist:
        if isinstance(node, VariableNode):
            expression = node.filter_expression
            names = _names_in(expression)
            used |= names
            has_fallback = any(func.__name__ in FALLBACK_FILTERS for func, _ in expression.filters)
            if not has_fallback:
                required |= names - guarded
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                names = _names_in(condition) if condition is not None else set()
                used |= names
                branch_used, branch_required = _analyse(branch, guarded | names)
                used |= branch_used
                required |= branch_required
        elif isinstance(node, ForNode):
            names = _names_in(node.sequence)
            used |= names
            inner_used, inner_required = _analyse(
                node.nodelist_loop, guarded | set(node.loopvars) | {"forloop"}
            )
            used |= inner_used - set(node.loopvars) - {"forloop"}
            required |= inner_required
            empty_used, empty_required = _analyse(node.nodelist_empty, guarded)
            used |= empty_used
            required |= empty_required
        elif isinstance(node, WithNode):
            for value in node.extra_context.values():
                used |= _names_in(value)
            local = set(node.extra_context)
            inner_used, inner_required = _analyse(node.nodelist, guarded | local)
            used |= inner_used - local
            required |= inner_required
        elif isinstance(node, Node):
            for attr in node.child_nodelists:
                child = getattr(node, attr, None)
                if child:
                    child_used, child_required = _analyse(child, guarded)
                    used |= child_used
                    required |= child_required
            for value in getattr(node, "vars", ()):  # {% firstof a b %}
                used |= _names_in(value)
    return used, required


def analyse(source: str, *, field: str = "Text") -> _Analysis:
    template = _compile(source, field=field)
    used, required = _analyse(template.nodelist)
    return _Analysis(frozenset(used), frozenset(required))


def validate(*, subject: str = "", text: str, html: str = "") -> None:
    """Raise TemplateProblem naming the first field with a syntax error or unknown variable."""
    for field, source in (("Subject", subject), ("Text", text), ("HTML", html)):
        if not source:
            continue
        unknown = analyse(source, field=field).used - set(VARIABLES)
        if unknown:
            names = ", ".join(f"{{{{ {name} }}}}" for name in sorted(unknown))
            raise TemplateProblem(
                f"{field}: unknown variable {names}. Use one of the variables listed beside the "
                "editor."
            )
        # Some mistakes only show when rendering (a filter given a bad argument): try it now,
        # with sample values, rather than fail every customer's message later.
        try:
            _compile(source, field=field).render(Context(sample_variables(now=timezone.now())))
        except Exception as error:  # any error here is the template's
            raise TemplateProblem(f"{field}: {error}") from None


def required_variables(*, subject: str = "", text: str, html: str = "") -> set[str]:
    names = set()
    for field, source in (("Subject", subject), ("Text", text), ("HTML", html)):
        if source:
            names |= analyse(source, field=field).required
    return names


def _has_value(value) -> bool:
    return value not in (None, "", [], ())


def render(
    *, subject: str = "", text: str, html: str = "", variables: dict, make_html: bool = False
) -> RenderedMessage:
    """Render the three parts. Raises MissingVariables if a required variable has no value.

    ``make_html``: for email without its own HTML, build one from the text (escaped, paragraphs).
    """
    missing = {
        name
        for name in required_variables(subject=subject, text=text, html=html)
        if not _has_value(variables.get(name))
    }
    if missing:
        raise MissingVariables(missing)
    present = {name: value for name, value in variables.items() if _has_value(value)}
    plain = Context(present, autoescape=False)
    rendered_subject = (
        " ".join(_compile(subject, field="Subject").render(plain).split()) if subject else ""
    )
    rendered_text = _compile(text, field="Text").render(Context(present, autoescape=False))
    if html:
        rendered_html = _compile(html, field="HTML").render(Context(present, autoescape=True))
    elif make_html:
        rendered_html = linebreaks(escape(rendered_text))
    else:
        rendered_html = ""
    return RenderedMessage(rendered_subject, rendered_text.strip(), rendered_html)


def sample_variables(*, now: dt.datetime) -> dict:
    """Values for a preview without a real contact."""
    return {
        "customer_name": "Maria Gonzalez",
        "first_name": "Maria",
        "order_number": "L-1042",
        "job_title": "Roof replacement",
        "stage_label": "Installation scheduled",
        "next_step": "Final inspection",
        "recent_updates": ["Materials delivered", "Permit approved by the city"],
        "appointment_at": now + dt.timedelta(days=2),
        "quote_link": "https://example.com/q/sample",
        "quote_reference": "Q-1042-1",
        "quote_total": "$14,250.00",
        "portal_link": "https://example.com/portal/",
        "unsubscribe_link": "https://example.com/u/sample",
        "sender_name": "Florida First Roofing",
        "brand_name": "Florida First Roofing",
        "brand_phone": "+1 305 555 0100",
        "brand_email": "office@example.com",
        "brand_website": "https://example.com",
        "owner_name": "Dana Rep",
        "owner_phone": "+1 305 555 0111",
        "lost_reason": "Price",
    }
