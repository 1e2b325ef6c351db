"""Check every locked dependency (uv.lock, all groups) against the known vulnerabilities on PyPI.

    python scripts/audit_dependencies.py            # exit 1 on a known vulnerability
    python scripts/audit_dependencies.py --strict   # and on a package that could not be checked

pip-audit does the checking. It asks PyPI about each exact release (/pypi/<name>/<version>/json);
where those pages cannot be reached (the PyPI access of this project's machines and CI serves only
the project pages) it skips the package and still prints "No known vulnerabilities found". So each
package pip-audit skipped is checked here instead against its project page, whose vulnerability
list is the newest release's: that answers for a package locked at its newest release. A package
locked behind its newest release can be checked by neither and is listed as not audited.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"


def locked_packages() -> dict[str, str]:
    """Name -> version of every package uv.lock takes from the registry."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {
        canonicalize_name(package["name"]): package["version"]
        for package in lock["package"]
        if "registry" in package.get("source", {})
    }


def run_pip_audit() -> list[dict]:
    with tempfile.TemporaryDirectory() as workdir:
        requirements = Path(workdir) / "requirements.txt"
        report = Path(workdir) / "report.json"
        exported = subprocess.run(
            [
                str(VENV_BIN / "uv"),
                "export",
                "--frozen",
                "--no-hashes",
                "--all-groups",
                "--no-emit-project",
                "--quiet",
                "--output-file",
                str(requirements),
            ],
            cwd=ROOT,
            check=False,
        )
        if exported.returncode:
            sys.exit("audit: uv export failed; is uv.lock in step with pyproject.toml?")
        # pip-audit exits 1 when it finds something; the report says what, so its code is not read.
        subprocess.run(
            [
                str(VENV_BIN / "pip-audit"),
                "--requirement",
                str(requirements),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report),
            ],
            cwd=ROOT,
            check=False,
            capture_output=True,
        )
        if not report.exists():
            sys.exit("audit: pip-audit wrote no report")
        return json.loads(report.read_text())["dependencies"]


def project_page(name: str) -> dict | None:
    try:
        response = requests.get(PROJECT_PAGE.format(name=name), timeout=30)
    except requests.RequestException:
        return None
    return response.json() if response.status_code == 200 else None


def check_against_newest_release(name: str, version: str) -> tuple[list[dict] | None, str]:
    """(vulnerabilities of the locked release, or None when this cannot tell; the reason)."""
    page = project_page(name)
    if page is None:
        return None, "its PyPI project page could not be read"
    newest = page["info"]["version"]
    if Version(newest) != Version(version):
        reason = f"locked at {version}, behind the newest release {newest}"
        series = Version(version).release[:2]
        releases = [Version(release) for release in page.get("releases", {})]
        same_series = [r for r in releases if r.release[:2] == series and not r.is_prerelease]
        if same_series and max(same_series) == Version(version):
            reason += f" (the newest {'.'.join(map(str, series))} release)"
        return None, reason
    return [vuln for vuln in page.get("vulnerabilities", []) if not vuln.get("withdrawn")], ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--strict", action="store_true", help="also fail when a package could not be checked"
    )
    args = parser.parse_args()

    locked = locked_packages()
    dependencies = run_pip_audit()
    findings: list[str] = []
    unchecked: list[str] = []
    skipped: list[str] = []
    for dependency in dependencies:
        name = canonicalize_name(dependency["name"])
        if "skip_reason" in dependency:
            skipped.append(name)
            continue
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            findings.append(f"{name} {dependency['version']}: {vuln['id']} (fixed in {fixed})")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = pool.map(lambda name: check_against_newest_release(name, locked[name]), skipped)
        for name, (vulns, reason) in zip(skipped, answers, strict=True):
            if vulns is None:
                unchecked.append(f"{name}: {reason}")
                continue
            for vuln in vulns:
                fixed = ", ".join(vuln.get("fixed_in") or []) or "no fixed release yet"
                findings.append(f"{name} {locked[name]}: {vuln['id']} (fixed in {fixed})")

    print(
        f"audit: {len(dependencies)} locked packages; "
        f"{len(dependencies) - len(skipped)} checked by pip-audit, "
        f"{len(skipped) - len(unchecked)} against their newest release's vulnerability list, "
        f"{len(unchecked)} not checked"
    )
    for line in unchecked:
        print(f"  not checked: {line}")
    for line in findings:
        print(f"  VULNERABLE: {line}")
    if findings:
        print("audit: upgrade with `uv lock --upgrade-package NAME`, then run the affected tests")
        return 1
    return 1 if args.strict and unchecked else 0


if __name__ == "__main__":
    sys.exit(main())
