"""docs/security.md lists each rule with its test: every rule names a test file, and every test
it names exists (a renamed or deleted test fails here, not silently in the docs)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "security.md"
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+(?:\.py)?/?)((?:::\w+)*)`")
# A rule is a bullet that starts in bold; its entry runs to the next bullet or heading.
RULE = re.compile(r"^- \*\*.*?(?=^- |^#|\Z)", re.M | re.S)


def _rules() -> list[str]:
    return RULE.findall(PAGE.read_text(encoding="utf-8"))


def _test_names(path: Path) -> set[str]:
    """test functions and Class::test methods of a module."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef)
            }
            names.add(node.name)
    return names


def test_every_rule_names_a_test_file():
    rules = _rules()
    assert len(rules) > 30
    without = [
        rule.splitlines()[0]
        for rule in rules
        if not any(path.endswith(".py") for path, _ in TEST_REFERENCE.findall(rule))
        and "make security" not in rule
    ]
    assert without == []


def test_every_test_the_page_names_exists():
    missing = []
    for path, names in TEST_REFERENCE.findall(PAGE.read_text(encoding="utf-8")):
        target = ROOT / path
        if not target.exists():
            missing.append(path)
        elif names and names.lstrip(":") not in _test_names(target):
            missing.append(path + names)
    assert missing == []
