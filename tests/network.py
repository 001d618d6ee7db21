"""Ports for the stand-in servers the tests start (an OpenID provider, a Redis that is away)."""

import socket


def free_port() -> int:
    """A port on the loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
