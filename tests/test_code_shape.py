"""The shape of the code, read from the source (ast) without booting Django or a database.

- No function of the apps is longer than MAX_FUNCTION_LINES, counted from its `def` to its last
  line (decorators not counted). A longer one does several things: it is split into functions
  named for each. Tests, the bench, scripts and migrations are not counted. LONG_FUNCTIONS lists
  the few allowed for now, each with why; an entry that no longer needs to be there fails too, so
  the list only shrinks.
- No service module (an app's `services/*.py`) is longer than MAX_SERVICE_MODULE_LINES: a longer
  one is split by what its functions do (Zulip's actions), as sequences were into the building of
  a sequence (sequence_editing) and the enrolling and running of one (sequences).
- The bench (bench/) uses the apps through their public names only: it imports no name starting
  with an underscore from an app, and reaches no such attribute of what it imported. What the
  bench needs from an app is the app's API (a selector or service others may call as well); code
  that only the bench or the tests use lives in bench/ or tests/.
"""

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FUNCTION_LINES = 80
MAX_SERVICE_MODULE_LINES = 600
NOT_APPS = {"tests", "bench", "scripts"}

# "path:qualified name" -> why it may stay longer for now.
LONG_FUNCTIONS: dict[str, str] = {}

# Private by spelling, public by contract: Django documents a model's `_meta` (the Options API).
PUBLIC_UNDERSCORE_NAMES = {"_meta"}


def app_packages(root: Path = ROOT) -> list[str]:
    """The project's own packages: each top-level directory with an __init__.py, but the tests'
    and the bench's."""
    return sorted(
        path.parent.name for path in root.glob("*/__init__.py") if path.parent.name not in NOT_APPS
    )


def app_modules(root: Path = ROOT) -> Iterator[Path]:
    for package in app_packages(root):
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.relative_to(root).parts:
                yield path
    yield from sorted(root.glob("*.py"))


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.AST]]:
    """Every function and method of `tree`, nested ones included, by qualified name."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{node.name}", node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


@functools.cache
def long_functions(root: Path = ROOT) -> dict[str, int]:
    """ "path:qualified name" -> lines, for each function longer than MAX_FUNCTION_LINES."""
    found = {}
    for path in app_modules(root):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, node in _functions(tree):
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                found[f"{path.relative_to(root)}:{name}"] = lines
    return found


def _is_private(name: str) -> bool:
    return (
        name.startswith("_") and not name.startswith("__") and name not in PUBLIC_UNDERSCORE_NAMES
    )


def _app_bound_names(tree: ast.AST, apps: set[str]) -> set[str]:
    """The names a module binds to an app's modules or to what it imported from them."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in apps:
                bound |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in apps:
                    bound.add(alias.asname or alias.name.split(".")[0])
    return bound


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def private_uses(source: str, apps: set[str]) -> list[str]:
    """What `source` reaches of the apps by a private name: imports of one, private modules,
    attributes (`module._name`, `Class._method`) and getattr with a private name."""
    tree = ast.parse(source)
    bound = _app_bound_names(tree, apps)
    uses: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in apps:
                continue
            names = [*node.module.split("."), *(alias.name for alias in node.names)]
            uses += [
                (node.lineno, f"from {node.module} import {name}")
                for name in names
                if _is_private(name)
            ]
        elif isinstance(node, ast.Import):
            uses += [
                (node.lineno, f"import {alias.name}")
                for alias in node.names
                if alias.name.split(".")[0] in apps
                and any(_is_private(part) for part in alias.name.split("."))
            ]
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            if _root_name(node.value) in bound:
                uses.append((node.lineno, ast.unparse(node)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr")
            and len(node.args) >= 2
            and _root_name(node.args[0]) in bound
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _is_private(node.args[1].value)
        ):
            uses.append((node.lineno, ast.unparse(node)))
    return [f"line {line}: {use}" for line, use in sorted(uses)]


def test_no_function_is_longer_than_the_limit():
    found = long_functions()
    too_long = {name: lines for name, lines in found.items() if name not in LONG_FUNCTIONS}
    assert not too_long, (
        f"Functions over {MAX_FUNCTION_LINES} lines (split each into functions that do one thing, "
        "named for it): "
        + "; ".join(f"{name} ({lines})" for name, lines in sorted(too_long.items()))
    )


def test_allowed_long_functions_are_still_long():
    shorter = sorted(set(LONG_FUNCTIONS) - set(long_functions()))
    assert not shorter, (
        f"Now at most {MAX_FUNCTION_LINES} lines (or gone): remove from LONG_FUNCTIONS: "
        + ", ".join(shorter)
    )


def long_service_modules(root: Path = ROOT) -> dict[str, int]:
    """ "path" -> lines, for each service module longer than MAX_SERVICE_MODULE_LINES."""
    found = {}
    for path in app_modules(root):
        if path.parent.name == "services":
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_SERVICE_MODULE_LINES:
                found[str(path.relative_to(root))] = lines
    return found


def test_no_service_module_is_longer_than_the_limit():
    too_long = long_service_modules()
    assert not too_long, (
        f"Service modules over {MAX_SERVICE_MODULE_LINES} lines (split each by what its "
        f"functions do): {too_long}"
    )


def test_bench_uses_no_private_name_of_the_apps():
    apps = set(app_packages())
    found = {}
    for path in sorted((ROOT / "bench").rglob("*.py")):
        uses = private_uses(path.read_text(encoding="utf-8"), apps)
        if uses:
            found[str(path.relative_to(ROOT))] = uses
    assert not found, (
        "The bench reaches private names of the apps (make the name the app's public API, or "
        f"move what only the bench uses into bench/): {found}"
    )


def test_the_counts_see_what_they_look_for():
    """The walks find what they forbid, so an empty result means something."""
    body = "\n".join(f"    x = {n}" for n in range(MAX_FUNCTION_LINES))
    tree = ast.parse(f"class Report:\n  def build(self):\n{body}\n  def short(self):\n    pass\n")
    lengths = {name: node.end_lineno - node.lineno + 1 for name, node in _functions(tree)}
    assert lengths == {"Report.build": MAX_FUNCTION_LINES + 1, "Report.short": 2}

    source = (
        "import leads.services.leads as lead_services\n"
        "from dashboards.selectors.team import _team_sums, team_figures\n"
        "from dashboards.selectors.figures import Figures\n"
        "from leads.models import Lead\n"
        "import urllib.parse\n"
        "Figures._fetch = None\n"
        "lead_services._search_document(None)\n"
        "getattr(lead_services, '_private')\n"
        "Lead._meta.fields\n"
        "urllib.parse._coerce_args\n"
        "team_figures.__name__\n"
    )
    assert private_uses(source, {"leads", "dashboards"}) == [
        "line 2: from dashboards.selectors.team import _team_sums",
        "line 6: Figures._fetch",
        "line 7: lead_services._search_document",
        "line 8: getattr(lead_services, '_private')",
    ]


def test_the_module_walk_finds_a_long_service_module(tmp_path):
    services = tmp_path / "shop" / "services"
    services.mkdir(parents=True)
    (tmp_path / "shop" / "__init__.py").write_text("")
    (services / "orders.py").write_text("x = 1\n" * (MAX_SERVICE_MODULE_LINES + 1))
    (services / "carts.py").write_text("x = 1\n" * MAX_SERVICE_MODULE_LINES)
    assert long_service_modules(tmp_path) == {
        "shop/services/orders.py": MAX_SERVICE_MODULE_LINES + 1
    }
