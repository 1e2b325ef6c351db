"""The HTTPS path of a delivery against a real TLS server: the connection goes to the address
checked, while TLS is verified against the endpoint's host name (SNI and certificate). A
certificate for another name, or one no trusted authority signed, is no answer."""

import datetime as dt
import http.server
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhooks import transport
from webhooks.targets import Target

HOST = "hooks.example.test"


def _certificate(folder) -> tuple[str, str]:
    """A self-signed certificate for HOST (its own authority), as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS server on 127.0.0.1 presenting HOST's certificate; yields (port, cert, seen)."""
    cert_path, key_path = _certificate(tmp_path)
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            seen.append((self.path, self.headers.get("Host"), self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"received")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    # Shutdown is noticed within this interval (serve_forever's default is half a second).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield server.server_address[1], cert_path, seen
    server.shutdown()
    server.server_close()


def _trusting(monkeypatch, cert_path: str) -> None:
    """The delivery's TLS context trusts the test's authority (and verifies as always)."""
    default_context = ssl.create_default_context
    monkeypatch.setattr(
        transport.ssl, "create_default_context", lambda: default_context(cafile=cert_path)
    )


def _post(port: int, host: str = HOST):
    return transport.post(
        target=Target(scheme="https", host=host, port=port, path="/in?x=1"),
        address="127.0.0.1",
        headers={"webhook-id": "msg_1"},
        body='{"type": "webhook.test"}',
        timeout=5,
    )


def test_a_delivery_reaches_the_checked_address_verified_for_the_host_name(
    tls_receiver, monkeypatch
):
    port, cert_path, seen = tls_receiver
    _trusting(monkeypatch, cert_path)

    answer = _post(port)

    assert answer.status == 200 and answer.body_head == "received"
    assert seen == [("/in?x=1", f"{HOST}:{port}", b'{"type": "webhook.test"}')]


def test_a_certificate_for_another_name_is_no_answer(tls_receiver, monkeypatch):
    port, cert_path, seen = tls_receiver
    _trusting(monkeypatch, cert_path)

    with pytest.raises(transport.TransportError, match=r"certificate|hostname|match"):
        _post(port, host="other.example.test")
    assert seen == []


def test_a_certificate_no_trusted_authority_signed_is_no_answer(tls_receiver):
    port, _cert_path, seen = tls_receiver

    with pytest.raises(transport.TransportError, match="certificate"):
        _post(port)
    assert seen == []
