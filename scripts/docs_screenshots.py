"""Refresh the documentation's images (docs/images/*.png) from a running demo.

Start the demo with `make dev` (the sandbox and a worker must run: the portal's sign-in link is read
from Settings → Outbox), then, in another terminal:

    .venv/bin/python scripts/docs_screenshots.py [--base-url http://127.0.0.1:8000] [--only NAME]

Each image is taken with the system Chromium (CHROMIUM_PATH, else `chromium` on PATH; the browser
tests use the same) at the width the page shows it at, signed in as the demo user who sees it.
Adding an image: a Shot in SHOTS, and a reference to images/<name>.png from a page of docs/.
"""

import argparse
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
PASSWORD = "threadline-demo"  # noqa: S105  (the documented demo login, crm/demo.py)
CUSTOMER = "customer@demo.test"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


@dataclass(frozen=True)
class Shot:
    name: str  # docs/images/<name>.png
    who: str  # a staff login, or CUSTOMER for the portal
    path: str  # where to start
    follow: str = ""  # a regular expression: open the first link whose href matches it
    width: int = 1280
    height: int = 900
    full_page: bool = False
    hide: list[str] = field(default_factory=list)  # selectors hidden before the shot
    press: str = ""  # a selector clicked after `path` (a form's button), then its page is shot


SHOTS = [
    Shot("leads-list", "manager@demo.test", "/leads/", full_page=False, height=1000),
    Shot("lead-page", "rep@demo.test", "/leads/", follow=r"/leads/\d+/$", height=1100),
    Shot("inbox-thread", "rep@demo.test", "/inbox/", follow=r"/inbox/\d+/$"),
    Shot("leads-phone", "manager@demo.test", "/leads/", width=375, height=800),
    Shot("dashboard", "manager@demo.test", "/dashboard/", height=1100),
    Shot("trigger-edit", "admin@demo.test", "/settings/triggers/", follow=r"/triggers/\d+/$"),
    Shot("api-keys", "admin@demo.test", "/settings/api-keys/"),
    Shot("webhook-endpoint", "admin@demo.test", "/settings/webhooks/new/"),
    Shot("portal-home", CUSTOMER, "/portal/", height=1000),
    *[
        Shot(
            f"payments-{page}-{language}-{width}",
            who,
            "/settings/payments/",
            press="form[action$='/payments/try/'] button" if page == "sandbox" else "",
            width=width,
            height=1100 if page == "settings" else 800,
            full_page=page == "settings",
        )
        for page in ("settings", "sandbox")
        # The Dutch demo business bills in euros: its sandbox page offers iDEAL.
        for language, who in (("en", "admin@demo.test"), ("nl", "admin@chargecars.test"))
        for width in (1280, 375)
    ],
    Shot("receivables-en-1280", "manager@demo.test", "/dashboard/?tab=receivables", height=1000),
    Shot("receivables-nl-375", "admin@chargecars.test", "/dashboard/?tab=receivables", width=375),
    Shot("invoice-list-nl-1280", "admin@chargecars.test", "/invoices/?status=open"),
    Shot("invoice-list-en-375", "manager@demo.test", "/invoices/?status=open", width=375),
]


def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        sys.exit("Chromium is not installed: apt-get install chromium (or set CHROMIUM_PATH).")
    return path


def staff_sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        sys.exit(f"{email} could not sign in at {base}: is the demo seeded (make dev)?")
    if "/accounts/tenant/" in page.url:
        # Someone in two teams picks one: Florida First Roofing.
        page.locator("button.choice", has_text="Florida First Roofing").first.click()
        page.wait_for_load_state("networkidle")


def portal_sign_in(browser, page: Page, base: str) -> None:
    """The customer asks for a link; the admin reads it in the sandbox's outbox; the customer
    opens it and presses Sign in."""
    page.goto(f"{base}/portal/")
    page.get_by_label("Email or mobile number").fill(CUSTOMER)
    page.get_by_role("button", name="Send me a sign-in link or code").click()
    admin_context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = admin_context.new_page()
    staff_sign_in(admin, base, "admin@demo.test")
    link = ""
    for _attempt in range(30):  # the worker sends it within seconds
        admin.goto(f"{base}/settings/outbox/")
        rows = admin.locator("a", has_text="Your sign-in link")
        if rows.count():
            rows.first.click()
            admin.wait_for_load_state("networkidle")
            found = re.search(r"/portal/sign-in/[A-Za-z0-9_:.\-]+/", admin.content())
            if found:
                link = found.group(0)
                break
        time.sleep(2)
    admin_context.close()
    if not link:
        sys.exit("No sign-in link in Settings → Outbox: is a Celery worker running (make dev)?")
    page.goto(base + link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def take(browser, base: str, shot: Shot) -> Path:
    context = browser.new_context(viewport={"width": shot.width, "height": shot.height})
    page = context.new_page()
    try:
        if shot.who == CUSTOMER:
            portal_sign_in(browser, page, base)
        else:
            staff_sign_in(page, base, shot.who)
        page.goto(base + shot.path)
        page.wait_for_load_state("networkidle")
        if shot.follow:
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            target = next((href for href in hrefs if re.search(shot.follow, href)), None)
            if target is None:
                sys.exit(f"{shot.name}: no link matching {shot.follow} on {shot.path}")
            page.goto(target)
            page.wait_for_load_state("networkidle")
        if shot.press:
            page.locator(shot.press).first.click()
            page.wait_for_load_state("networkidle")
        for selector in shot.hide:
            page.locator(selector).evaluate_all("nodes => nodes.forEach(n => n.hidden = true)")
        path = IMAGES / f"{shot.name}.png"
        page.screenshot(path=str(path), full_page=shot.full_page)
        return path
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--only", action="append", help="an image's name; repeatable")
    args = parser.parse_args()
    shots = [shot for shot in SHOTS if not args.only or shot.name in args.only]
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        try:
            for shot in shots:
                path = take(browser, args.base_url.rstrip("/"), shot)
                print(path.relative_to(ROOT))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
