"""The translation catalogs (locale/<language>/LC_MESSAGES): every string has its Dutch and Spanish
translation, a string added to a template or to Python is in the catalogs (makemessages was run),
and the committed .mo (what Django reads; CI machines may have no gettext to compile it) says what
the .po says."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# Where gettext looks (makemessages' --ignore in docs/contributing.md leaves bench/, tests/ and docs/ out).
SOURCES = (
    "api",
    "automation",
    "config",
    "crm",
    "dashboards",
    "documents",
    "followups",
    "gateway",
    "leads",
    "messaging",
    "portal",
    "shell",
    "templates",
    "tickets",
    "webhooks",
)
TEMPLATE_STRING = re.compile(
    r"""\{% (?:translate|trans) (?:"([^"\\]+)"|'([^'\\]+)')(?: as \w+)? %\}"""
)
# gettext_noop too: a timeline event's or notification's msgid, translated when it is read.
PYTHON_STRING = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|gettext_noop)\((?:"([^"\\]+)"|'([^'\\]+)')\)"""
)

# ngettext_noop (crm.kit.stored_text): a stored plural sentence's singular and plural, which
# crm's makemessages extracts as one plural entry.
PLURAL_STRING = re.compile(r"""\bngettext_noop\(\s*"([^"\\]+)",\s*"([^"\\]+)",?\s*\)""")


def _string(line: str) -> str:
    return ast.literal_eval(line[line.index('"') :])


def read_po(path: Path) -> list[dict]:
    """Each entry: its references, its msgctxt/msgid/msgid_plural and msgstr(s); no fuzzy ones."""
    entries = []
    for block in path.read_text(encoding="utf8").split("\n\n"):
        entry = {"refs": [], "fuzzy": False, "fields": {}}
        field = None
        for line in block.splitlines():
            if line.startswith("#:"):
                entry["refs"] += line[2:].split()
            elif line.startswith("#,"):
                entry["fuzzy"] = "fuzzy" in line
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                entry["fields"][field] += _string(line)
            else:
                field = line.split(" ", 1)[0]
                entry["fields"][field] = _string(line)
        if entry["fields"].get("msgid"):
            entries.append(entry)
    return entries


def msgstrs(entry) -> list[str]:
    return [value for key, value in entry["fields"].items() if key.startswith("msgstr")]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated(language):
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 2500
    missing = [e["fields"]["msgid"] for e in entries if e["fuzzy"] or not all(msgstrs(e))]
    assert missing == []


def test_every_marked_string_is_in_the_catalogs():
    """A string marked for translation after the last makemessages would show in English."""
    entries = read_po(LOCALE / "nl" / "LC_MESSAGES" / "django.po")
    known = {e["fields"]["msgid"] for e in entries}
    plurals = {(e["fields"]["msgid"], e["fields"].get("msgid_plural")) for e in entries}
    base = Path(settings.BASE_DIR)
    missing = []
    for folder in SOURCES:
        for path in (base / folder).rglob("*"):
            if path.suffix not in (".html", ".txt", ".py") or "migrations" in path.parts:
                continue
            pattern = PYTHON_STRING if path.suffix == ".py" else TEMPLATE_STRING
            for double, single in pattern.findall(path.read_text(encoding="utf8")):
                if (text := double or single) not in known:
                    missing.append(f"{path.relative_to(base)}: {text}")
            if path.suffix == ".py":
                for pair in PLURAL_STRING.findall(path.read_text(encoding="utf8")):
                    if pair not in plurals:
                        missing.append(f"{path.relative_to(base)}: {pair[0]} / {pair[1]}")
    assert missing == [], (
        "run makemessages (docs/contributing.md, Translations) and translate:\n"
        + "\n".join(missing)
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_is_the_current_po(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    translated = [e for e in read_po(folder / "django.po") if all(msgstrs(e)) and not e["fuzzy"]]
    assert translated
    for entry in translated:
        fields = entry["fields"]
        context = fields.get("msgctxt")
        if "msgid_plural" in fields:
            for n, form in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                found = (
                    catalog.npgettext(context, fields["msgid"], fields["msgid_plural"], n)
                    if context
                    else catalog.ngettext(fields["msgid"], fields["msgid_plural"], n)
                )
                assert found == fields[form], fields["msgid"]
        else:
            found = (
                catalog.pgettext(context, fields["msgid"])
                if context
                else catalog.gettext(fields["msgid"])
            )
            assert found == fields["msgstr"], fields["msgid"]


# Words a template may show untranslated: the product's name, protocol names, code samples.
UNTRANSLATED_WORDS = {"Threadline", "SMS", "HTTP", "endif", "name", "first_name", "default"}
UNTRANSLATED_WORDS |= {"there", "ANYMAIL_WEBHOOK_SECRET"}
SEEN_ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"{]*[A-Za-z]{3,}[^"{]*)"')


def _shown_text(template: str) -> list[str]:
    """What a template shows a reader outside translate tags, variables and other tags."""
    for pattern in (
        r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}",
        r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}",
        r"<(script|style)\b.*?</\1>",
        r"{#.*?#}",
        r"{%.*?%}",
        r"{{.*?}}",
    ):
        template = re.sub(pattern, " ", template, flags=re.S)
    shown = SEEN_ATTRIBUTES.findall(template)
    shown += re.sub(r"<[^>]*>", "\n", template).split("\n")
    return [text.strip() for text in shown if re.search(r"[A-Za-z]{3,}", text)]


def test_every_template_shows_only_translated_words():
    """A template's words go through {% translate %} / {% blocktranslate %}: a literal English
    word would show in a Dutch or Spanish page."""
    base = Path(settings.BASE_DIR) / "templates"
    untranslated = [
        f"{path.relative_to(base)}: {text}"
        for path in base.rglob("*.html")
        for text in _shown_text(path.read_text(encoding="utf8"))
        if set(re.findall(r"[A-Za-z_]{3,}", text)) - UNTRANSLATED_WORDS
    ]
    assert untranslated == []
