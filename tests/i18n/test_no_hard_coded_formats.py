"""Every date reaches its reader in the reader's language, and every word on a page is
translatable: templates use named or kit date formats only, user-facing Python formats no date
with English names, and template text sits inside {% translate %} / {% blocktranslate %}.

Each exception below is listed with its reason; a new one fails the test."""

import ast
import re
from pathlib import Path

from django.conf import settings

from crm.kit.formatting import DATE_STYLES

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
APPS = [
    "api",
    "automation",
    "config",
    "crm",
    "dashboards",
    "documents",
    "followups",
    "leads",
    "messaging",
    "portal",
    "shell",
    "tickets",
    "webhooks",
]

# Formats a template may give |date and |time besides Django's named ones (*_FORMAT).
MACHINE_FORMATS = {
    "c": "ISO 8601 for <time datetime> and data attributes, read by machines",
    "U": "a Unix timestamp, read by machines",
    "Y-m-d": "an <input type=date> value, which browsers read in ISO form",
    "Y-m-d\\TH:i": "an <input type=datetime-local> value, ISO form",
    "H:i": "a 24-hour clock time, written alike in every language the product speaks",
}
# One name or number alone (a calendar's column head, a day cell): the names come from the
# reader's language.
SINGLE_PARTS = {"l", "D", "j", "M", "N", "F", "Y"}

DATE_FILTER = re.compile(r"""\|(date|time):(["'])(.*?)\2""")
KIT_FILTER = re.compile(r"""\|local_date:(["'])(.*?)\1""")


def template_files():
    return sorted(
        path for path in TEMPLATES.rglob("*") if path.suffix in (".html", ".txt") and path.is_file()
    )


def hard_coded_date_formats(text: str) -> list[str]:
    found = []
    for match in DATE_FILTER.finditer(text):
        shape = match.group(3)
        if shape.endswith("_FORMAT") or shape in MACHINE_FORMATS or shape in SINGLE_PARTS:
            continue
        found.append(match.group(0))
    found += [m.group(0) for m in KIT_FILTER.finditer(text) if m.group(2) not in DATE_STYLES]
    return found


def test_templates_write_dates_in_the_reader_language():
    found = {
        str(path.relative_to(ROOT)): shapes
        for path in template_files()
        if (shapes := hard_coded_date_formats(path.read_text()))
    }
    assert found == {}


def test_the_check_finds_a_date_written_in_english_order():
    assert hard_coded_date_formats('{{ at|date:"M j, Y g:i A" }}') == ['|date:"M j, Y g:i A"']
    assert hard_coded_date_formats("{{ at|date:'N j, Y, P' }}") == ["|date:'N j, Y, P'"]
    assert hard_coded_date_formats('{{ at|local_date:"no_such_style" }}')
    assert not hard_coded_date_formats('{{ at|date:"SHORT_DATE_FORMAT" }}{{ at|date:"c" }}')
    assert not hard_coded_date_formats('{{ at|local_date:"month_day" }}')


# strftime directives that write English names or English order (weekday, month, AM/PM, the
# locale's own date): numeric ISO forms (%Y-%m-%d %H:%M) read the same everywhere.
NAMED_DIRECTIVE = re.compile(r"%-?[aAbBhpcxX]")

# User-facing Python that still writes an English date, with why it stays for now.
PYTHON_DATE_BASELINE = {
    "followups/services/neglect.py": (
        "the neglect follow-up's subject and description are free text stored in English; "
        "they need stored params on follow-ups to read in the owner's language"
    ),
}


def english_date_formats(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(
                part.value for part in node.format_spec.values if isinstance(part, ast.Constant)
            )
            if NAMED_DIRECTIVE.search(spec):
                lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "strftime"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and NAMED_DIRECTIVE.search(str(node.args[0].value))
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "date_format"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and not str(node.args[1].value).endswith("_FORMAT")
            and str(node.args[1].value) not in SINGLE_PARTS
        ):
            lines.append(node.lineno)
    return lines


def python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "formatting.py":
                continue
            yield path


def test_python_writes_no_english_date():
    found = {
        name: lines
        for path in python_files()
        if (lines := english_date_formats(path.read_text()))
        and (name := str(path.relative_to(ROOT))) not in PYTHON_DATE_BASELINE
    }
    assert found == {}
    still = {str(path.relative_to(ROOT)) for path in python_files()}
    for name in PYTHON_DATE_BASELINE:  # the baseline only shrinks: a fixed file leaves it
        assert name in still and english_date_formats((ROOT / name).read_text()), name


def test_the_check_finds_an_english_date_in_python():
    assert english_date_formats('x = f"{when:%a %b %-d}"') == [1]
    assert english_date_formats('x = when.strftime("%b %d, %Y")') == [1]
    assert english_date_formats('x = date_format(when, "M j, Y")') == [1]
    assert english_date_formats('x = f"{when:%Y-%m-%d %H:%M}"') == []
    assert english_date_formats('x = date_format(when, "DATE_FORMAT")') == []


# --- Text outside {% translate %} --------------------------------------------------------------

COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|<!--.*?-->", re.S)
BLOCKS = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
RAW = re.compile(r"<(script|style|pre|code)\b.*?</\1>", re.S | re.I)
EXPRESSIONS = re.compile(r"{%.*?%}|{{.*?}}", re.S)
ENTITIES = re.compile(r"&[#\w]+;")

# Words a template may show as they are, each with its reason.
ALLOWED_WORDS = {
    "Threadline": "the product's name",
    "SMS": "a channel's name, written alike in every language the product speaks",
    "HTTP": "a protocol's name",
    "ms": "the SI symbol for milliseconds",
    "T-": "a ticket reference's prefix, as the references are written",
    "tl_": "an API key's prefix, as the keys are written",
    "ANYMAIL_WEBHOOK_SECRET": "a setting's name, typed as it is",
    "if name … endif": "template syntax shown as an example to type",
    'first_name|default:"there"': "template syntax shown as an example to type",
}


def untranslated_text(source: str) -> list[str]:
    source = COMMENTS.sub(" ", source)
    source = BLOCKS.sub(" ", source)
    source = RAW.sub(" ", source)
    source = EXPRESSIONS.sub(" ", source)
    found = []
    for match in re.finditer(r">([^<>]*)<", f">{source}<"):
        text = " ".join(ENTITIES.sub(" ", match.group(1)).split())
        if not re.search(r"[^\W\d_]", text):
            continue
        words = text
        for allowed in sorted(ALLOWED_WORDS, key=len, reverse=True):
            words = words.replace(allowed, " ")
        if re.search(r"[^\W\d_]", words):
            found.append(text)
    return found


def test_template_text_is_translatable():
    found = {
        str(path.relative_to(ROOT)): texts
        for path in template_files()
        if path.suffix == ".html" and (texts := untranslated_text(path.read_text()))
    }
    assert found == {}


def test_the_check_finds_text_outside_translate():
    assert untranslated_text("<p>Mine</p>") == ["Mine"]
    assert untranslated_text('<p>{% translate "Mine" %} · {{ count }}</p>') == []
    assert untranslated_text("<p>{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}</p>") == []
    assert untranslated_text("<title>Inbox · Threadline</title>") == ["Inbox · Threadline"]
    assert untranslated_text("<title>{% translate 'Inbox' %} · Threadline</title>") == []


# --- Python strings a page shows ----------------------------------------------------------------

FLASHES = {"success", "error", "warning", "info", "debug"}


def unwrapped_python_strings(source: str) -> list[int]:
    """Lines where a flash message is a bare literal, or a choice's label is (both reach a page
    as they are written): they belong inside gettext."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "messages"
            and node.func.attr in FLASHES
            and len(node.args) > 1
            and isinstance(node.args[1], (ast.Constant, ast.JoinedStr))
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.keyword)
            and node.arg == "choices"
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            lines += [
                choice.lineno
                for choice in node.value.elts
                if isinstance(choice, ast.Tuple)
                and len(choice.elts) == 2
                and isinstance(choice.elts[1], ast.Constant)
                and re.search(r"[^\W\d_]", str(choice.elts[1].value))
            ]
    return lines


def test_python_flashes_and_choice_labels_are_translatable():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in python_files()
        if (lines := unwrapped_python_strings(path.read_text()))
    }
    assert found == {}


def test_the_check_finds_a_bare_flash_and_a_bare_choice_label():
    assert unwrapped_python_strings('messages.success(request, "New link made")') == [1]
    assert unwrapped_python_strings('f = forms.ChoiceField(choices=[("mine", "Mine")])') == [1]
    assert unwrapped_python_strings('messages.success(request, _("New link made"))') == []
    assert unwrapped_python_strings('f = forms.ChoiceField(choices=[("mine", _("Mine"))])') == []
