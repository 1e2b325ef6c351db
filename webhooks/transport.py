"""One POST of a delivery: to the address `targets.resolve` checked, with a timeout, following
no redirect (http.client never does), keeping only the start of the answer."""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from webhooks.targets import Target

TIMEOUT_SECONDS = 10
# What the log keeps of a receiver's answer.
RESPONSE_KEPT_BYTES = 500
USER_AGENT = "Threadline-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status: int
    body_head: str
    duration_ms: int
    location: str  # a redirect's target, shown in the log, never followed


class TransportError(Exception):
    """No answer: connection refused or reset, TLS failure, timeout."""

    def __init__(self, message: str, duration_ms: int):
        super().__init__(message)
        self.duration_ms = duration_ms


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the Host header still names the host."""

    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS verified against the host's name (SNI and certificate)."""

    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(
    *, target: Target, address: str, headers: dict[str, str], body: str, timeout: float
) -> Answer:
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, address, timeout)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            target.path,
            body=body.encode(),
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        head = response.read(RESPONSE_KEPT_BYTES)
        return Answer(
            status=response.status,
            body_head=head.decode("utf-8", errors="replace"),
            duration_ms=_since(started),
            location=response.getheader("Location", "")[:300],
        )
    except (OSError, http.client.HTTPException) as error:
        raise TransportError(_describe(error), _since(started)) from error
    finally:
        connection.close()


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "Timed out"
    return f"{type(error).__name__}: {error}"[:300]
