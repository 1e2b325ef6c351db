"""A lower app never names a higher one, in the ways the import contract cannot see: a model field
pointing at another app's model, a model label, a URL name or a Celery task name in its code or
its templates. The layers are read from pyproject.toml's import-linter contract, the one list.

Apps of one layer ("tickets | documents") are independent, as the contract makes them: neither
names the other."""

import ast
import importlib
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from celery import current_app
from celery.app.task import Task
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(settings.BASE_DIR)
TEMPLATE_URL = re.compile(r"""{%\s*url\s+["']([^"']+)["']""")
TEMPLATE_NAME = re.compile(r"""["']([a-z_]+\.tasks\.[a-z_]+|[a-z_]+\.[A-Z][A-Za-z]+)["']""")


@cache
def layers() -> dict[str, int]:
    """{app package: its layer's height}, the lowest layer 0."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(
        contract
        for contract in pyproject["tool"]["importlinter"]["contracts"]
        if contract["type"] == "layers"
    )
    return {
        package.strip(): height
        for height, layer in enumerate(reversed(contract["layers"]))
        for package in layer.split("|")
    }


def points_up(app: str, target: str) -> bool:
    """Whether `app` naming `target` breaks the layers (a higher layer, or a sibling)."""
    height = layers()
    if app == target or app not in height or target not in height:
        return False
    return height[target] >= height[app]


def app_of_module(module: str) -> str:
    return module.split(".")[0]


def model_app(model) -> str:
    return app_of_module(model._meta.app_config.name)


@cache
def model_labels() -> dict[str, str]:
    """{model label ("leads.Lead"): the app package that holds it}."""
    return {model._meta.label: model_app(model) for model in apps.get_models()}


def _view_module(callback) -> str:
    view = getattr(callback, "view_class", None) or callback
    return getattr(view, "__module__", "") or ""


def _url_names(
    resolver: URLResolver, namespace: tuple[str, ...], home: str
) -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + ((entry.namespace,) if entry.namespace else ())
            urlconf = entry.urlconf_name
            module = getattr(urlconf, "__name__", urlconf if isinstance(urlconf, str) else "")
            named = (entry.namespace or "").split("-")[0]  # "api-v1": the api app's list
            inner_home = app_of_module(module) if module else named if named in layers() else home
            yield from _url_names(entry, inner, inner_home)
        elif isinstance(entry, URLPattern) and entry.name:
            owner = app_of_module(_view_module(entry.callback))
            yield ":".join((*namespace, entry.name)), owner if owner in layers() else home


@cache
def url_names() -> dict[str, set[str]]:
    """{URL name ("tickets:detail"): the apps whose views answer it}."""
    found: dict[str, set[str]] = {}
    for name, owner in _url_names(get_resolver(), (), ""):
        found.setdefault(name, set()).add(owner)
    return found


@cache
def task_names() -> dict[str, str]:
    """{Celery task name: the app whose tasks module defines it} (a task keeps the name it had
    in an app it moved out of, so the name alone does not say)."""
    current_app.loader.import_default_modules()
    found = {}
    for package in layers():
        try:
            module = importlib.import_module(f"{package}.tasks")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, Task):
                found[value.name] = package
    return found


def _strings(tree: ast.AST) -> Iterator[ast.Constant]:
    """The string constants of a module, its docstrings left out (prose, not references)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node


def _named(text: str) -> list[tuple[str, set[str]]]:
    """What a string names: a model label, a URL name or a task name, with its apps."""
    if text in model_labels():
        return [(f"model {text}", {model_labels()[text]})]
    if text in url_names():
        return [(f"URL {text}", url_names()[text])]
    if text in task_names():
        return [(f"task {text}", {task_names()[text]})]
    return []


def source_files(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.relative_to(ROOT).parts:
            yield path


def code_references(package: str) -> Iterator[tuple[str, str]]:
    """(file, "<what> of <app>") for each name of a higher app in the package's code."""
    for path in source_files(package):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in _strings(tree):
            for what, owners in _named(node.value):
                for owner in sorted(owners):
                    if points_up(package, owner):
                        yield str(path.relative_to(ROOT)), f"{what} of {owner}"


def template_app(directory: str) -> str:
    """The app a top-level templates/ directory is named after (by package or app label)."""
    for config in apps.get_app_configs():
        if directory in (config.label, app_of_module(config.name)):
            return app_of_module(config.name)
    return ""


@cache
def template_users() -> dict[str, set[str]]:
    """{template name: the apps whose code names it}: the apps that render it answer for what
    it links to (a template may sit in the folder of the app it moved out of)."""
    names = {
        str(path.relative_to(ROOT / "templates"))
        for path in (ROOT / "templates").rglob("*")
        if path.is_file()
    }
    users: dict[str, set[str]] = {}
    for package in layers():
        for path in source_files(package):
            for node in _strings(ast.parse(path.read_text())):
                if node.value in names:
                    users.setdefault(node.value, set()).add(package)
    return users


def template_references() -> Iterator[tuple[str, str]]:
    """(template, "<what> of <app>") for each name of an app above the apps rendering it."""
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt") or path.parent == ROOT / "templates":
            continue
        name = str(path.relative_to(ROOT / "templates"))
        packages = template_users().get(name) or {template_app(name.split("/")[0])}
        for line in path.read_text().splitlines():
            for found in TEMPLATE_URL.findall(line) + TEMPLATE_NAME.findall(line):
                for what, owners in _named(found):
                    for package in sorted(packages):
                        for owner in sorted(owners):
                            if points_up(package, owner):
                                yield str(path.relative_to(ROOT)), f"{what} of {owner}"


def field_references() -> Iterator[str]:
    for model in apps.get_models():
        package = model_app(model)
        for field in model._meta.local_fields + model._meta.local_many_to_many:
            target = field.related_model if field.is_relation else None
            if target is None or isinstance(target, str):
                continue
            if points_up(package, model_app(target)):
                yield f"{model._meta.label}.{field.name} points at {target._meta.label}"


# Names of higher apps that lower apps still use, by file: mostly the contact and lead pages and
# the home page, which shell composes (contacts:detail, leads:list, home …) and every app links
# to, and the settings layout's menu of every app's settings. Each wants a link its app declares
# and the serving app provides (crm.kit.links). Nothing may be added; a fixed one leaves the list.
KNOWN_UPWARD: dict[str, set[str]] = {
    "automation/views/sequences.py": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "automation/views/updates.py": {
        "URL leads:detail of shell",
    },
    "crm/services/contacts.py": {
        "URL contacts:detail of shell",
    },
    "crm/services/erasure.py": {
        "URL contacts:detail of shell",
    },
    "crm/views/accounts.py": {
        "URL home of shell",
    },
    "crm/views/contacts.py": {
        "URL contacts:detail of shell",
    },
    "crm/views/erasure.py": {
        "URL contacts:detail of shell",
    },
    "dashboards/selectors/aging.py": {
        "URL leads:list of shell",
    },
    "dashboards/urls.py": {
        "URL home of shell",
    },
    "documents/services/documents.py": {
        "URL leads:detail of shell",
    },
    "documents/views.py": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "followups/rows.py": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "followups/services/digest.py": {
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "followups/services/neglect.py": {
        "URL leads:detail of shell",
    },
    "leads/services/assignment.py": {
        "URL leads:detail of shell",
    },
    "leads/services/imports.py": {
        "URL contacts:list of shell",
        "URL leads:list of shell",
    },
    "leads/services/notices.py": {
        "URL leads:detail of shell",
    },
    "leads/services/speed_to_lead.py": {
        "URL leads:detail of shell",
    },
    "leads/views/leads.py": {
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "leads/views/quotes.py": {
        "URL leads:detail of shell",
    },
    "leads/views/settings.py": {
        "URL leads:list of shell",
    },
    "messaging/forms/outbox.py": {
        "URL search of shell",
    },
    "messaging/services/outbox_send.py": {
        "URL leads:detail of shell",
    },
    "messaging/views/contacts.py": {
        "URL contacts:detail of shell",
    },
    "portal/urls.py": {
        "URL home of shell",
    },
    "portal/views/jobs.py": {
        "URL home of shell",
    },
    "portal/views/onboarding.py": {
        "URL contacts:detail of shell",
    },
    "portal/views/staff.py": {
        "URL contacts:detail of shell",
    },
    "templates/automation/sequences/enrolments.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "templates/automation/sequences/panel_page.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "templates/automation/updates/lead_messages.html": {
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "templates/automation/updates/list.html": {
        "URL leads:detail of shell",
    },
    "templates/comms/contacts/panel_page.html": {
        "URL contacts:detail of shell",
        "URL contacts:list of shell",
    },
    "templates/comms/settings/outbox/list.html": {
        "URL contacts:detail of shell",
    },
    "templates/comms/settings/outbox/message.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "templates/crm/contact_erasure_page.html": {
        "URL contacts:detail of shell",
        "URL contacts:list of shell",
    },
    "templates/crm/contacts/edit.html": {
        "URL contacts:detail of shell",
        "URL contacts:list of shell",
    },
    "templates/crm/contacts/form.html": {
        "URL contacts:list of shell",
    },
    "templates/crm/contacts/merge_choose.html": {
        "URL contacts:detail of shell",
        "URL contacts:list of shell",
    },
    "templates/crm/contacts/merge_confirm.html": {
        "URL contacts:detail of shell",
        "URL contacts:list of shell",
    },
    "templates/crm/notifications/list.html": {
        "URL comms:notification-preferences of messaging",
    },
    "templates/crm/settings/_layout.html": {
        "URL api-settings:keys of api",
        "URL automation-settings:sequences of automation",
        "URL automation-settings:triggers of automation",
        "URL comms-settings:delivery of messaging",
        "URL comms-settings:outbox of messaging",
        "URL comms-settings:templates of messaging",
        "URL followups-settings:follow-up-settings of followups",
        "URL followups-settings:templates of followups",
        "URL followups-settings:types of followups",
        "URL lead-settings:assignment of leads",
        "URL lead-settings:capture-forms of leads",
        "URL lead-settings:pipelines of leads",
        "URL lead-settings:sources of leads",
        "URL lead-settings:speed-to-lead of leads",
        "URL tickets-settings:inbound of tickets",
        "URL tickets-settings:inbox-settings of tickets",
        "URL tickets-settings:inboxes of tickets",
        "URL tickets-settings:sla of tickets",
        "URL webhooks-settings:endpoints of webhooks",
    },
    "templates/documents/_panel.html": {
        "URL leads:detail of shell",
    },
    "templates/documents/link_expired.html": {
        "URL home of shell",
    },
    "templates/documents/panel_page.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "templates/errors/400.html": {
        "URL home of shell",
    },
    "templates/errors/403.html": {
        "URL home of shell",
    },
    "templates/errors/404.html": {
        "URL home of shell",
    },
    "templates/followups/detail.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "templates/followups/form.html": {
        "URL contacts:detail of shell",
    },
    "templates/followups/import_preview.html": {
        "URL contacts:detail of shell",
    },
    "templates/followups/panel.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "templates/followups/timeline.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
    },
    "templates/leads/_row_actions.html": {
        "URL leads:assign of shell",
        "URL leads:call of shell",
        "URL leads:lost of shell",
        "URL leads:note of shell",
        "URL leads:reopen of shell",
        "URL leads:stage of shell",
    },
    "templates/leads/_row_menu.html": {
        "URL leads:detail of shell",
    },
    "templates/leads/edit.html": {
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "templates/leads/form.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "templates/leads/imports/detail.html": {
        "URL contacts:detail of shell",
        "URL leads:list of shell",
    },
    "templates/leads/imports/upload.html": {
        "URL leads:list of shell",
    },
    "templates/leads/quotes/detail.html": {
        "URL contacts:detail of shell",
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "templates/leads/quotes/form.html": {
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "templates/leads/quotes/payment_form.html": {
        "URL leads:detail of shell",
        "URL leads:list of shell",
    },
    "templates/tickets/inbox/detail.html": {
        "URL contacts:detail of shell",
        "URL followups:create of followups",
        "URL leads:detail of shell",
    },
    "tickets/forms/inbox.py": {
        "URL search of shell",
    },
}


def test_the_layers_come_from_the_import_contract():
    height = layers()
    assert height["crm"] == 0
    assert height["tickets"] == height["documents"]
    assert height["config"] > height["shell"] > height["portal"] > height["automation"]


def test_no_model_field_points_at_a_higher_app():
    assert list(field_references()) == []


def _grouped(references) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path, named in references:
        found.setdefault(path, set()).add(named)
    return found


def _unlisted(found: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        path: names - KNOWN_UPWARD.get(path, set())
        for path, names in found.items()
        if names - KNOWN_UPWARD.get(path, set())
    }


def test_no_code_names_a_higher_apps_model_url_or_task():
    found = _grouped(ref for package in layers() for ref in code_references(package))
    assert _unlisted(found) == {}


def test_no_template_names_a_higher_apps_url_or_task():
    assert _unlisted(_grouped(template_references())) == {}


def test_the_known_names_are_still_there():
    """A name fixed leaves the list: the list only shrinks."""
    found = _grouped(ref for package in layers() for ref in code_references(package))
    found |= _grouped(template_references())
    gone = {
        path: names - found.get(path, set())
        for path, names in KNOWN_UPWARD.items()
        if names - found.get(path, set())
    }
    assert gone == {}


def test_the_walk_sees_an_upward_name():
    """The checks find what they look for (a rename must not leave them finding nothing)."""
    assert url_names()["tickets:detail"] == {"tickets"}
    assert model_labels()["automation.TriggerStep"] == "automation"
    assert task_names()["followups.tasks.sweep_missed_follow_ups"] == "followups"
    assert points_up("crm", "leads")
    assert points_up("tickets", "documents")
    assert not points_up("leads", "crm")
    assert _named("portal:home")[0][1] == {"portal"}
