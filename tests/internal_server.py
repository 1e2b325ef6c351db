"""An HTTP server on 127.0.0.1, as an internal service of the platform's network would be: it
answers "secret" to anyone and keeps each request it was sent (a connection the client closed
without sending anything is not a request)."""

import contextlib
import socket
import threading
from contextlib import contextmanager


@contextmanager
def serving_internally():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    hits: list[bytes] = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(4096)
                if request:
                    hits.append(request)
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret"
                    )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    finally:
        # Closing alone leaves the thread blocked in accept() until the join gives up; a shutdown
        # wakes it.
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)
        server.close()
        thread.join(timeout=5)
