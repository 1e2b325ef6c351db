"""One visible write path: every ORM write of the apps lives in a `services` package.

The scan reads the source (ast), so it needs no database. It finds the calls that write rows —
`save`, `delete`, `create`, `get_or_create`, `update_or_create`, `bulk_create`, `bulk_update`, and
`update` on a queryset — and reports each one outside `<app>/services/`, migrations and the demo
seeders, by file and function. Selectors, views, tasks and forms therefore never write.

A few writes are allowed elsewhere on purpose; each entry of ALLOWED says why. An entry that no
longer matches a write fails too, so the list only shrinks.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

ALWAYS_WRITES = {
    "save",
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
}
# `update` and `delete` are also dict/set/storage/cache methods: they count when called on a
# queryset or manager (a chain through `objects`, `filter(...)`, ...) or, for delete, on a row.
QUERYSET_STEPS = {
    "objects",
    "all_tenants",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "only",
    "defer",
    "annotate",
    "using",
}
NOT_ROWS = {"storage", "cache", "session", "client", "redis", "default_storage", "storages"}

# (path, function, method): writes that live outside services on purpose.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("crm/models.py", "UserManager._create_user", "save"): (
        "Django's user manager contract (createsuperuser and the auth backends call it)"
    ),
}


def _project_apps() -> list[Path]:
    paths = []
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path.parent == ROOT:
            paths.append(path)
    return paths


def _exempt(relative: Path) -> bool:
    parts = relative.parts
    return (
        "services" in parts
        or "migrations" in parts
        or parts[0] == "demo"
        or relative.name.startswith("demo")
    )


def _receiver_steps(node: ast.expr) -> list[str]:
    steps = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            steps.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            steps.append(node.id)
            return steps
        else:
            return steps


def _is_write(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    steps = _receiver_steps(func.value)
    if steps == ["super"] or set(steps) & NOT_ROWS:
        return False  # a model's own save() handing on to Django's is not a second write site
    if func.attr == "save":
        return not any(
            keyword.arg == "commit"
            and isinstance(keyword.value, ast.Constant)
            and keyword.value.value is False
            for keyword in call.keywords
        )
    if func.attr in ALWAYS_WRITES:
        return True
    if func.attr == "update":
        return bool(set(steps) & QUERYSET_STEPS)
    if func.attr == "delete":
        return bool(set(steps) & QUERYSET_STEPS) or not call.args
    return False


class _WriteFinder(ast.NodeVisitor):
    def __init__(self):
        self.scope: list[str] = []
        self.found: list[tuple[str, str, int]] = []

    def _visit_scope(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def visit_Call(self, node: ast.Call):
        if _is_write(node):
            self.found.append((".".join(self.scope) or "<module>", node.func.attr, node.lineno))
        self.generic_visit(node)


def writes_outside_services() -> dict[tuple[str, str, str], int]:
    found: dict[tuple[str, str, str], int] = {}
    for app in _project_apps():
        for path in sorted(app.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if _exempt(relative):
                continue
            finder = _WriteFinder()
            finder.visit(ast.parse(path.read_text(), filename=str(path)))
            for function, method, line in finder.found:
                found.setdefault((relative.as_posix(), function, method), line)
    return found


def test_no_orm_write_outside_services():
    found = writes_outside_services()
    unexpected = sorted(
        f"{path}:{line} {function}() calls .{method}()"
        for (path, function, method), line in found.items()
        if (path, function, method) not in ALLOWED
    )
    assert not unexpected, (
        "ORM writes belong in the app's services/ package (see docs/architecture.md):\n  "
        + "\n  ".join(unexpected)
    )


def test_every_allowed_write_still_exists():
    stale = sorted(str(key) for key in ALLOWED if key not in writes_outside_services())
    assert not stale, "ALLOWED lists writes that are gone; delete them:\n  " + "\n  ".join(stale)


@pytest.mark.parametrize(
    ("source", "writes"),
    [
        ("def f(lead):\n    lead.save()", True),
        ("def f(form):\n    form.save(commit=False)", False),
        ("def f():\n    Lead.objects.filter(pk=1).update(owner=None)", True),
        ("def f(context):\n    context.update(a=1)", False),
        ("def f():\n    Lead.objects.create(title='x')", True),
        ("def f(lead):\n    lead.quotes.get_or_create(title='x')", True),
        ("def f(lead):\n    lead.delete()", True),
        ("def f(name):\n    default_storage.delete(name)", False),
        ("def f(key):\n    cache.delete(key)", False),
        ("def save(self):\n    super().save()", False),
    ],
)
def test_the_scan_tells_writes_from_other_calls(source, writes):
    finder = _WriteFinder()
    finder.visit(ast.parse(source))
    assert bool(finder.found) is writes
