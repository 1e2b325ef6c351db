"""No GET page answers 5xx, whatever its query string, for any role (issue 18).

Every GET route of the resolver is opened with its objects filled in (tests/security/
test_url_isolation.py's map), as an admin, a manager, a rep, a portal customer and a stranger.
The parameters each page reads are harvested from the pages themselves (GET forms, links and htmx
attributes that point at it), so a new filter is fuzzed the day it is added. Values: any text
(control characters and NUL included), huge and negative numbers, impossible dates, and another
tenant's ids; they come in the query string, repeated, and as htmx requests.

A control character in a query string is refused with 400 by config.middleware
.ControlCharacterMiddleware, once for every page; everything else must be answered below 500 and
show none of the other tenant's data.
"""

import contextlib
import json
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from crm.models import Role
from tests.conftest import sign_in
from tests.fuzz.budget import any_text, fuzz_settings, rolled_back, short_text
from tests.portal.helpers import portal_sign_in
from tests.security.test_url_isolation import (
    NON_OBJECT_KWARGS,
    OBJECT_KWARGS,
    portal_pages,
    routes,
)

pytestmark = pytest.mark.django_db

STAFF_ROLES = (Role.ADMIN, Role.MANAGER, Role.REP)
PORTAL, STRANGER = "portal customer", "not signed in"
# Names every list page might read even where no link of ours sends them.
COMMON_PARAMETERS = {"q", "page", "after", "before", "sort", "next", "format", "id", "tab"}
FOREIGN_NAME = "Zebulon Foreignhouse"
# Answers 503 by design while Celery or Redis is down (no worker runs in the tests).
NOT_FUZZED = {"healthz"}


class _ParameterHarvest(HTMLParser):
    """The query parameter names a page sends, per URL path: GET forms' fields, the query strings
    of links and htmx attributes, and hx-vals' keys."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.found: dict[str, set[str]] = {}
        self.form_path: str | None = None

    def _add(self, url: str, names) -> None:
        path = urlsplit(url).path or self.page_path
        self.found.setdefault(path, set()).update(names)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.form_path = (attrs.get("action") or self.page_path) if method == "get" else None
            if self.form_path and attrs.get("hx-get"):
                self.form_path = attrs["hx-get"]
        elif (
            tag in ("input", "select", "textarea", "button")
            and self.form_path
            and attrs.get("name")
        ):
            self._add(self.form_path, [attrs["name"]])
        for attribute in ("href", "hx-get", "action", "src"):
            url = attrs.get(attribute) or ""
            if "?" in url:
                self._add(url, [key for key, _ in parse_qsl(urlsplit(url).query, True)])
        if attrs.get("hx-get") and attrs.get("hx-vals"):
            with contextlib.suppress(ValueError, TypeError):  # not JSON: not ours to read
                self._add(attrs["hx-get"], json.loads(attrs["hx-vals"]))
        if tag in ("input", "select") and attrs.get("hx-get") and attrs.get("name"):
            self._add(attrs["hx-get"], [attrs["name"]])

    def handle_endtag(self, tag):
        if tag == "form":
            self.form_path = None


def _get_pages(world) -> list[tuple[str, str, bool]]:
    """(route name, path, is a portal page) of every route whose keywords we can fill."""
    portal = portal_pages()
    pages = []
    for name, kwargs in routes():
        if name in NOT_FUZZED or any(
            k not in OBJECT_KWARGS and k not in NON_OBJECT_KWARGS for k in kwargs
        ):
            continue
        values = {k: OBJECT_KWARGS[k](world) if k in OBJECT_KWARGS else "x" * 8 for k in kwargs}
        values.update({k: "aging" for k in kwargs if k == "section"})
        pages.append((name, reverse(name, kwargs=values), name in portal))
    return pages


def _clients(world) -> dict[str, Client]:
    clients = {}
    for role in STAFF_ROLES:
        clients[role] = Client(raise_request_exception=False)
        sign_in(clients[role], world.membership(role))
    clients[PORTAL] = Client(raise_request_exception=False)
    portal_sign_in(clients[PORTAL], world.tenant, world.contact)
    clients[STRANGER] = Client(raise_request_exception=False)
    return clients


def _harvest(pages, clients) -> dict[str, set[str]]:
    """Route name -> parameter names, from every page each kind of reader sees."""
    by_path: dict[str, set[str]] = {}
    for _name, path, is_portal in pages:
        client = clients[PORTAL] if is_portal else clients[Role.ADMIN]
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        harvest = _ParameterHarvest(path)
        harvest.feed(response.content.decode(errors="replace"))
        for found_path, names in harvest.found.items():
            by_path.setdefault(found_path, set()).update(names)
    by_name: dict[str, set[str]] = {}
    for found_path, names in by_path.items():
        try:
            match = resolve(found_path)
        except Resolver404:
            continue
        by_name.setdefault(match.view_name, set()).update(names)
    return by_name


def _readers(is_portal: bool) -> list[str]:
    return [PORTAL, STRANGER] if is_portal else [*STAFF_ROLES, STRANGER]


def _foreign_ids(other_world) -> list[str]:
    ids = {other_world.contact.pk, other_world.rep.pk, other_world.brand.pk, other_world.tenant.pk}
    ids |= {OBJECT_KWARGS[k](other_world) for k in ("lead_pk", "pipeline_pk", "inbox_pk")}
    return [str(i) for i in sorted(ids)]


def _hard_values(other_world):
    return st.one_of(
        any_text,
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(
            [
                "",
                " ",
                "0",
                "-1",
                "1e400",
                "NaN",
                "inf",
                "1.5",
                "0x10",
                "١٢",
                "2026-02-30",
                "0000-00-00",
                "9999-12-31",
                "10000-01-01",
                "2026-13-01T25:61",
                "1970-01-01T00:00:00+99:00",
                "'; DROP TABLE crm_contact; --",
                "%",
                "_",
                "\\",
                "<script>alert(1)</script>",
                "a" * 5000,
                "é" * 300,
                "\u202e",
                "true",
                "null",
                *_foreign_ids(other_world),
            ]
        ),
    )


def _assert_answered(response, url: str, reader: str) -> None:
    assert response.status_code < 500, f"{url} answered {response.status_code} for {reader}"
    body = response.content.decode(errors="replace") if response.streaming is False else ""
    assert FOREIGN_NAME not in body, f"{url} showed another tenant's contact to {reader}"


def _world_with_a_foreign_twin(world, other_world):
    with other_world.active():
        other_world.contact.first_name, other_world.contact.last_name = FOREIGN_NAME.split()
        other_world.contact.save(update_fields=["first_name", "last_name"])
    return _get_pages(world)


def test_control_characters_in_any_query_string_are_refused_with_400(world, other_world):
    """The class of /contacts/?q=%00 (a 500 before): every page, every reader, every parameter
    it reads, at once; one place answers."""
    pages = _world_with_a_foreign_twin(world, other_world)
    clients = _clients(world)
    parameters = _harvest(pages, clients)
    for position, (name, path, is_portal) in enumerate(pages):
        names = sorted(parameters.get(name, set()) | COMMON_PARAMETERS)
        query = urlencode([(n, f"a\x00{n}\x1b") for n in names])
        # The readers take turns: the refusal comes before any view, whoever reads.
        reader = _readers(is_portal)[position % len(_readers(is_portal))]
        response = clients[reader].get(f"{path}?{query}")
        assert response.status_code == 400, f"{path} answered {response.status_code} to {reader}"


def test_a_nul_in_a_posted_form_is_refused_with_400(client, world):
    sign_in(client, world.admin)
    response = client.post(reverse("contacts:create"), {"first_name": "Ana\x00"})
    assert response.status_code == 400
    assert b"control character" in response.content


def test_any_query_string_is_answered_below_500(world, other_world):
    pages = _world_with_a_foreign_twin(world, other_world)
    clients = _clients(world)
    harvested = _harvest(pages, clients)
    parameters = {
        name: sorted(harvested.get(name, set()) | COMMON_PARAMETERS) for name, *_ in pages
    }
    values = _hard_values(other_world)

    @st.composite
    def requests(draw):
        name, path, is_portal = draw(st.sampled_from(pages))
        reader = draw(st.sampled_from(_readers(is_portal)))
        key = st.one_of(st.sampled_from(parameters[name]), short_text)
        pairs = draw(st.lists(st.tuples(key, values), max_size=5))
        return path, reader, pairs, draw(st.booleans())

    @fuzz_settings(examples=150)
    @given(request=requests())
    def check(request):
        path, reader, pairs, htmx = request
        url = f"{path}?{urlencode(pairs)}"
        headers = {"HX-Request": "true"} if htmx else {}
        with rolled_back():
            _assert_answered(clients[reader].get(url, headers=headers), url, reader)

    check()

    # Each page once with every parameter it reads set to another tenant's ids and odd values,
    # so no page is left to chance.
    # A NUL first: /contacts/?q=%00, the calendar feed and the contact picker answered 500.
    odd = ["a\x00b", *_foreign_ids(other_world), "99999999999999999999", "2026-02-30", "-1"]
    for name, path, is_portal in pages:
        for position, value in enumerate(odd):
            query = urlencode([(n, value) for n in parameters[name]])
            reader = _readers(is_portal)[position % len(_readers(is_portal))]
            with rolled_back():
                _assert_answered(clients[reader].get(f"{path}?{query}"), f"{path}?{query}", reader)
