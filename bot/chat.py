"""A terminal chat that talks to the bot through the gateway's REST endpoint."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any, Callable, Dict, List, Optional


class GatewayClient:
    """Minimal blocking client for ``POST /webhooks/rest/webhook``."""

    def __init__(self, base_url: str, sender: Optional[str] = None, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.sender = sender or f"terminal-{uuid.uuid4().hex[:8]}"
        self.timeout = timeout

    def reachable(self) -> bool:
        """True when the gateway answers /health (whatever the components' state)."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/health", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            return False

    def send(self, text: str) -> List[Dict[str, Any]]:
        """Send one message and return the replies."""
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            return [{"text": f"[{exc.code}] {detail}", "metadata": {}}]


def render(reply: Dict[str, Any]) -> str:
    """A reply as terminal text, buttons numbered."""
    lines = [f"bot [{reply.get('metadata', {}).get('language', '?')}]: {reply.get('text', '')}"]
    for i, button in enumerate(reply.get("buttons") or [], 1):
        lines.append(f"    {i}) {button.get('title')}")
    return "\n".join(lines)


def chat_loop(
    client: GatewayClient, read: Callable[[str], str] = input, write: Callable[[str], None] = print
) -> None:
    """Read lines until EOF or /quit; a number picks a button of the last reply."""
    write(f"Chatting as {client.sender} via {client.base_url}. Type /quit to leave.")
    buttons: List[Dict[str, Any]] = []
    while True:
        try:
            line = read("you: ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if not line:
            continue
        if line in {"/quit", "/exit"}:
            return
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            button = buttons[int(line) - 1]
            line = str(button.get("payload") or button.get("title"))
        replies = client.send(line)
        buttons = []
        for reply in replies:
            write(render(reply))
            buttons = reply.get("buttons") or buttons
