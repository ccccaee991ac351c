"""The terminal chat (bot/chat.py) talks through the gateway."""

from __future__ import annotations

from typing import List

import pytest

from bot.chat import GatewayClient, chat_loop, render
from tests.conftest import Stack


def test_render_numbers_buttons() -> None:
    text = render(
        {
            "text": "Did it help?",
            "buttons": [{"title": "Yes"}, {"title": "No"}],
            "metadata": {"language": "en"},
        }
    )
    assert text.splitlines() == ["bot [en]: Did it help?", "    1) Yes", "    2) No"]


@pytest.mark.stack
def test_chat_session_through_the_gateway(stack: Stack) -> None:
    lines = iter(["hallo", "was kannst du?", "/quit", "never read"])
    out: List[str] = []
    chat_loop(
        GatewayClient(stack.url, sender="terminal-test"),
        read=lambda _: next(lines),
        write=out.append,
    )
    replies = [line for line in out if line.startswith("bot [")]
    assert len(replies) == 2 and all(r.startswith("bot [de]") for r in replies), out


def test_unreachable_gateway_is_detected() -> None:
    assert not GatewayClient("http://127.0.0.1:9").reachable()
