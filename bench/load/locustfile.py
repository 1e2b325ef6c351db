"""A working day at Threadline, for Locust: staff on the lead list, its row actions, the inbox and
the dashboard, customers in the portal, and providers posting signed inbound webhooks.

    locust -f bench/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 30 -r 10 -t 3m

bench/load/run.py starts the app and runs this at several user counts; bench/load/setup.py writes
the JSON file it reads (LOAD_STATE, default .data/load/state.json). Each simulated user signs in
as one of a tenant's staff (the accounts are shared round-robin, each user with a session of its
own that setup.py signed in) and holds one portal customer's session. The share of each task is its weight below, out of 100:

    35 lead list: a filter, a sort or a search, then 0-3 more pages through the page's own
       keyset cursor ("Show more", as htmx asks for it)
    20 htmx row actions: open a row's action menu, refresh a row, filter the list in place, log a
       call from the row
    15 inbox: the ticket list (a view tab), then a thread from it
    10 dashboard: this month, this quarter, or one pipeline (a rep gets their own numbers)
    10 portal: the customer's jobs, then a job, their documents or their preferences
     5 writes: a note or a move to the next stage, from a row (htmx)
     5 a burst of 3-8 signed inbound webhooks: Twilio SMS (X-Twilio-Signature computed with the
       inbox number's token over the site URL, as tickets.views.webhooks verifies it) and
       Postmark inbound email (anymail's basic auth), from the tenant's own customers

Requests go out as through the TLS-terminating proxy of production: X-Forwarded-Proto: https (the
production settings trust it), so the __Secure- cookies are kept over plain HTTP here, and POSTs
carry the Origin and Referer a browser sends (Django's CSRF check on HTTPS wants them).
"""

import base64
import datetime as dt
import html
import itertools
import json
import os
import random
import re
import uuid
from email.utils import format_datetime
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import HttpUser, between, events, task
from locust.clients import HttpSession
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[2]
STATE = json.loads(
    Path(os.environ.get("LOAD_STATE", ROOT / ".data" / "load" / "state.json")).read_text()
)
WAIT = [float(s) for s in os.environ.get("LOAD_WAIT", "2,8").split(",")]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
LEAD_ROW = re.compile(r'<tbody class="lead" id="lead-(\d+)">')
NEXT_PAGE = re.compile(r'hx-get="([^"]*after=[^"]*)" hx-target="#load-more"')
TICKET_LINK = re.compile(r'href="/inbox/(\d+)/"')
JOB_LINK = re.compile(r'href="/portal/jobs/(\d+)/"')
SEARCHES = ("mar", "smith", "maria gonz", "john wil", "garcia", "tyler", "johnson", "king")
SMS_TEXTS = (
    "Hi, is the crew still coming tomorrow morning?",
    "Water is dripping through the ceiling again, please call me.",
    "Can you send me the quote again? I can't find the email.",
    "Thanks, the new gutters look great.",
)
EMAIL_SUBJECTS = ("Leak after the storm", "Quote for a new roof", "Question about my invoice")

_next_user = itertools.count()


# The proxy speaks HTTPS to the browser; here the client talks to gunicorn directly, so it must
# send the Secure cookies over HTTP as a browser does over HTTPS. requests copies the session's
# cookies into a fresh jar (with the default policy) for every request and redirect, so the
# policy is changed where every jar reads it, in this process only.
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


@events.init.add_listener
def _count_sign_ins(environment, **_kwargs):
    environment.signed_in = 0


def _signed_in(environment) -> None:
    """Once every user has started, the statistics start afresh (the ramp-up is not part of a
    working day) and LOAD_SECONDS later the run ends; LOAD_READY names a file to touch then."""
    environment.signed_in += 1
    if environment.signed_in == environment.parsed_options.num_users:
        environment.runner.stats.reset_all()
        if os.environ.get("LOAD_SECONDS"):
            gevent.spawn_later(float(os.environ["LOAD_SECONDS"]), environment.runner.quit)
        if os.environ.get("LOAD_READY"):
            Path(os.environ["LOAD_READY"]).touch()


SIGN_IN_PATH = "/accounts/login/"


def _sign_in_page_is_a_failure(response, *args, **kwargs):
    """A staff request redirected to the sign-in page was refused, not served: Locust counts the
    sign-in page it followed the redirect to as a success, so its status is made 401 (a
    failure in the results). A run whose sessions stopped working shows it as errors."""
    if response.history and urlsplit(response.url).path == SIGN_IN_PATH:
        response.status_code = 401
        response.reason = "redirected to the sign-in page"
    return response


def _options(page: str, name: str) -> list[str]:
    """The non-empty option values of the page's <select name=...>."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option value="(\d+)"', match.group(1)) if match else []


class WorkingDay(HttpUser):
    wait_time = between(*WAIT)

    def on_start(self):
        number = next(_next_user)
        tenant = STATE["tenants"][number % len(STATE["tenants"])]
        slot = number // len(STATE["tenants"])
        self.account = tenant["staff"][slot % len(tenant["staff"])]
        session_key = self.account["sessions"][
            slot // len(tenant["staff"]) % len(self.account["sessions"])
        ]
        self.portal_session = random.choice(tenant["portal"])["session"]
        self.inbox = tenant["inbox"]
        self.senders = tenant["senders"]
        self.origin = "https://" + urlsplit(self.host).netloc
        self.rows: list[str] = []
        self.filters = {"stage": [], "source": [], "pipeline": []}
        self.csrf = ""
        proxy = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"10.{number // 250 % 250}.{number % 250}.{random.randint(1, 250)}",
        }
        self.client.headers.update(proxy)
        self.client.hooks["response"].append(_sign_in_page_is_a_failure)
        # Providers post without a session, and a customer's browser holds only the portal's
        # cookie: each gets a client of its own.
        self.hooks, self.customer = (
            HttpSession(
                base_url=self.host, request_event=self.environment.events.request, user=self
            )
            for _ in range(2)
        )
        self.hooks.headers.update(proxy)
        self.customer.headers.update(proxy)
        self.customer.cookies.set(
            "__Secure-threadline_portal", self.portal_session, domain="", path="/portal/"
        )
        self.sign_in(session_key)
        _signed_in(self.environment)

    # --- helpers --------------------------------------------------------------------------------

    def post_headers(self, referer: str, **extra) -> dict:
        return {"Origin": self.origin, "Referer": self.origin + referer, **extra}

    def htmx(self, target: str, current: str) -> dict:
        return {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": self.origin + current}

    def page(self, url: str, name: str, **kwargs):
        response = self.client.get(url, name=name, **kwargs)
        token = CSRF_HEADER.search(response.text or "")
        if token:
            self.csrf = token.group(1)
        return response

    def sign_in(self, session_key: str) -> None:
        """Use a session setup.py signed in (the login page's argon2 hash per user would make the
        ramp-up the test), then open the lead list as a rep starts the day."""
        self.client.cookies.set("__Secure-sessionid", session_key, domain="", path="/")
        with self.client.get(
            "/leads/", name="start: the lead list", catch_response=True
        ) as response:
            if urlsplit(response.url).path != "/leads/":
                response.failure(f"the staff session was refused: ended on {response.url}")
                return
        self.remember(response.text)

    def remember(self, page: str) -> None:
        token = CSRF_HEADER.search(page or "")
        if token:
            self.csrf = token.group(1)
        rows = LEAD_ROW.findall(page or "")
        if rows:
            self.rows = rows
        for name in self.filters:
            self.filters[name] = _options(page or "", name) or self.filters[name]

    def list_params(self) -> tuple[dict, str]:
        roll = random.random()
        if roll < 0.30:
            return {}, "leads: list (default)"
        if roll < 0.45:
            return {"sort": random.choice(["aging", "created"])}, "leads: list (sorted)"
        if roll < 0.55:
            return {"q": random.choice(SEARCHES)}, "leads: list (search)"
        if roll < 0.62:
            return {"status": "all"}, "leads: list (any status)"
        filters = [
            ("aging", ["red", "orange"]),
            ("priority", ["high", "medium"]),
            ("lead_type", ["commercial"]),
            ("stage", self.filters["stage"]),
            ("source", self.filters["source"]),
            ("pipeline", self.filters["pipeline"]),
        ]
        name, values = random.choice([f for f in filters if f[1]])
        return {name: random.choice(values)}, "leads: list (filtered)"

    def ensure_rows(self):
        if not self.rows:
            self.remember(self.page("/leads/", "leads: list (default)").text)
        return self.rows

    def row_post(self, lead: str, action: str, data: dict, name: str):
        with self.client.post(
            f"/leads/{lead}/{action}/",
            data={"next": "/leads/", **data},
            headers={
                **self.htmx(f"lead-{lead}", "/leads/"),
                **self.post_headers("/leads/", **{"X-CSRFToken": self.csrf}),
            },
            name=name,
            catch_response=True,
        ) as response:
            refused = re.search(r'class="row-flash error"[^>]*>([^<]*)<', response.text or "")
            if response.ok and refused:
                response.failure(f"refused: {html.unescape(refused.group(1))}")

    # --- 35: the lead list ----------------------------------------------------------------------

    @task(35)
    def lead_list(self):
        params, name = self.list_params()
        response = self.page("/leads/?" + urlencode(params), name)
        self.remember(response.text)
        text = response.text or ""
        for _ in range(random.choice([0, 0, 1, 1, 2, 3])):
            link = NEXT_PAGE.search(text)
            if not link:
                break
            text = self.client.get(
                html.unescape(link.group(1)),
                headers=self.htmx("load-more", "/leads/"),
                name="leads: next page (htmx, keyset cursor)",
            ).text

    # --- 20: htmx row actions -------------------------------------------------------------------

    @task(20)
    def row_action(self):
        rows = self.ensure_rows()
        if not rows:
            return
        lead = random.choice(rows)
        roll = random.random()
        if roll < 0.45:
            self.client.get(
                f"/leads/{lead}/actions/?next=%2Fleads%2F",
                headers=self.htmx("", "/leads/"),
                name="row: open the action menu (htmx)",
            )
        elif roll < 0.60:
            self.client.get(
                f"/leads/{lead}/row/?next=%2Fleads%2F",
                headers=self.htmx(f"lead-{lead}", "/leads/"),
                name="row: refresh (htmx)",
            )
        elif roll < 0.85:
            params, _name = self.list_params()
            response = self.client.get(
                "/leads/?" + urlencode(params),
                headers=self.htmx("lead-results", "/leads/"),
                name="leads: filter in place (htmx)",
            )
            self.remember(response.text)
        else:
            outcome = random.choice(["reached", "voicemail", "no_answer"])
            self.row_post(lead, "call", {"outcome": outcome, "note": ""}, "row: log a call (htmx)")

    # --- 15: the inbox --------------------------------------------------------------------------

    @task(15)
    def inbox(self):
        view = random.choice(["", "", "", "all", "unassigned"])
        response = self.page("/inbox/" + (f"?view={view}" if view else ""), "inbox: list")
        tickets = TICKET_LINK.findall(response.text or "")
        if tickets and random.random() < 0.7:
            self.page(f"/inbox/{random.choice(tickets)}/", "inbox: thread")

    # --- 10: the dashboard ----------------------------------------------------------------------

    @task(10)
    def dashboard(self):
        roll = random.random()
        if roll < 0.7 or not self.filters["pipeline"]:
            self.page("/dashboard/", "dashboard: this month")
        elif roll < 0.9:
            self.page("/dashboard/?period=quarter", "dashboard: this quarter")
        else:
            pipeline = random.choice(self.filters["pipeline"])
            self.page(f"/dashboard/?pipeline={pipeline}", "dashboard: one pipeline")

    # --- 10: the customer portal ----------------------------------------------------------------

    @task(10)
    def portal(self):
        with self.customer.get("/portal/", name="portal: jobs", catch_response=True) as response:
            if "/portal/sign-in/" in response.url:
                response.failure("the portal session was refused")
                return
        jobs = JOB_LINK.findall(response.text or "")
        roll = random.random()
        if roll < 0.6 and jobs:
            self.customer.get(f"/portal/jobs/{random.choice(jobs)}/", name="portal: a job")
        elif roll < 0.8:
            self.customer.get("/portal/documents/", name="portal: documents")
        else:
            self.customer.get("/portal/preferences/", name="portal: preferences")

    # --- 5: writes ------------------------------------------------------------------------------

    @task(5)
    def write(self):
        rows = self.ensure_rows()
        if not rows:
            return
        lead = random.choice(rows)
        if random.random() < 0.5:
            body = f"Load test note {uuid.uuid4().hex[:8]}: called, will send the quote."
            self.row_post(lead, "note", {"body": body}, "write: add a note (htmx)")
        else:
            self.row_post(lead, "next-stage", {}, "write: move to the next stage (htmx)")

    # --- 5: bursts of signed inbound webhooks ---------------------------------------------------

    @task(5)
    def webhook_burst(self):
        for _ in range(random.randint(3, 8)):
            sender = random.choice(self.senders)
            if random.random() < 0.6:
                self.twilio_sms(sender)
            else:
                self.postmark_email(sender)

    def twilio_sms(self, sender: dict):
        path = "/hooks/twilio/inbound/"
        sid = f"SM{uuid.uuid4().hex}"
        fields = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.inbox["twilio_account_sid"],
            "From": sender["phone"],
            "To": self.inbox["number"],
            "Body": random.choice(SMS_TEXTS),
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        signature = RequestValidator(self.inbox["twilio_token"]).compute_signature(
            STATE["site_url"].rstrip("/") + path, fields
        )
        self.hooks.post(
            path,
            data=fields,
            headers={"X-Twilio-Signature": signature},
            name="webhook: Twilio inbound SMS",
        )

    def postmark_email(self, sender: dict):
        message_id = f"load-{uuid.uuid4().hex}@example.org"
        raw = (
            f"From: Customer <{sender['email']}>\r\nTo: <{self.inbox['email']}>\r\n"
            f"Subject: {random.choice(EMAIL_SUBJECTS)}\r\n"
            f"Date: {format_datetime(dt.datetime.now(dt.UTC))}\r\n"
            f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{random.choice(SMS_TEXTS)}\r\n\r\nThanks\r\n"
        )
        payload = {
            "FromFull": {"Email": sender["email"], "Name": "Customer", "MailboxHash": ""},
            "ToFull": [{"Email": self.inbox["email"], "Name": "", "MailboxHash": ""}],
            "OriginalRecipient": self.inbox["email"],
            "Subject": "",
            "MessageID": str(uuid.uuid4()),
            "Headers": [{"Name": "Message-ID", "Value": f"<{message_id}>"}],
            "Attachments": [],
            "RawEmail": raw,
        }
        auth = base64.b64encode(STATE["webhook_secret"].encode()).decode()
        self.hooks.post(
            "/hooks/anymail/postmark/inbound/",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "Authorization": f"Basic {auth}"},
            name="webhook: Postmark inbound email",
        )
