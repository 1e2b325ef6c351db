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


REVERSING = {"reverse", "reverse_lazy", "redirect", "resolve_url", "path_to_id", "path_around_id"}


def _reversed_strings(tree: ast.AST) -> set[int]:
    """The strings a module reverses as URL names (the first argument of `reverse(...)` …)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            called = node.func.attr if isinstance(node.func, ast.Attribute) else None
            called = node.func.id if isinstance(node.func, ast.Name) else called
            if called in REVERSING:
                found.add(id(node.args[0]))
    return found


def _is_reference(node: ast.Constant, reversed_strings: set[int]) -> bool:
    """A URL name without a namespace ("home", "search") is a common word: it names a page only
    where it is reversed, not as a dictionary key or an input's type."""
    value = node.value
    if value in url_names() and ":" not in value:
        return id(node) in reversed_strings
    return True


def code_references(package: str) -> Iterator[tuple[str, str]]:
    """(file, "<what> of <app>") for each name of a higher app in the package's code."""
    for path in source_files(package):
        tree = ast.parse(path.read_text(), filename=str(path))
        reversed_strings = _reversed_strings(tree)
        for node in _strings(tree):
            if not _is_reference(node, reversed_strings):
                continue
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


def test_no_code_names_a_higher_apps_model_url_or_task():
    found = _grouped(ref for package in layers() for ref in code_references(package))
    assert found == {}


def test_no_template_names_a_higher_apps_url_or_task():
    assert _grouped(template_references()) == {}


def test_the_walk_sees_an_upward_name():
    """The checks find what they look for (a rename must not leave them finding nothing)."""
    assert url_names()["tickets:detail"] == {"tickets"}
    assert model_labels()["automation.TriggerStep"] == "automation"
    assert task_names()["followups.tasks.sweep_missed_follow_ups"] == "followups"
    assert points_up("crm", "leads")
    assert points_up("tickets", "documents")
    assert not points_up("leads", "crm")
    assert _named("portal:home")[0][1] == {"portal"}


def test_a_common_word_names_a_page_only_where_it_is_reversed():
    tree = ast.parse('redirect("home")\ncontext = {"home": page}')
    reversed_strings = _reversed_strings(tree)
    found = sorted((node.lineno, _is_reference(node, reversed_strings)) for node in _strings(tree))
    assert found == [(1, True), (2, False)]


def migration_references() -> Iterator[str]:
    """Each dependency of a migration on a migration of a higher app (or a sibling)."""
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    package = {config.label: app_of_module(config.name) for config in apps.get_app_configs()}
    for key, node in graph.node_map.items():
        for parent in node.parents:
            app, target = package.get(key[0], ""), package.get(parent.key[0], "")
            if points_up(app, target):
                yield f"{key[0]}.{key[1]} depends on {parent.key[0]}.{parent.key[1]}"


def test_no_migration_depends_on_a_higher_apps():
    assert list(migration_references()) == []
