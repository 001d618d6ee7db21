"""A stand-in for a Redis that hangs: a server that accepts and never answers."""

import socket
import threading

import pytest


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers (Redis hanging, a firewall)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()
