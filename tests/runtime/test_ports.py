"""free_port hands out a loopback port a server can bind at once."""

from __future__ import annotations

import socket

from bot.runtime.ports import free_port


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        assert s.getsockname()[1] == port
