"""A real HTTP server on 127.0.0.1, in a thread, that receives the webhooks in the tests and
checks each one's Standard Webhooks signature itself (its own HMAC, not the app's code)."""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    def signature_valid(self, secret: str) -> bool:
        key = base64.b64decode(secret.split("_", 1)[1])
        signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.{self.body}"
        expected = base64.b64encode(
            hmac.new(key, signed.encode(), hashlib.sha256).digest()
        ).decode()
        offered = [part.split(",", 1) for part in self.headers["webhook-signature"].split()]
        return any(
            version == "v1" and hmac.compare_digest(value, expected) for version, value in offered
        )


@dataclass
class Answer:
    status: int = 200
    body: str = "ok"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self.answers: list[Answer] = []  # answered in turn; then the default
        self.default = Answer()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                receiver.received.append(
                    Received(
                        path=self.path,
                        headers={key.lower(): value for key, value in self.headers.items()},
                        body=body,
                    )
                )
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body.encode())))
                self.end_headers()
                self.wfile.write(answer.body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # The loop looks for a shutdown this often: serve_forever's default half second would be
        # waited out at the end of every test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/threadline"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
