"""Gateway replies as Slack messages: mrkdwn text and Block Kit buttons."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from bot.channels.base import split_text

# Slack's limit for a section block's text.
MAX_SECTION = 3000
BUTTON_PREFIX = "supportbot_button_"
BUTTON_ACTION = re.compile(rf"^{BUTTON_PREFIX}\d+$")

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


def mrkdwn(text: str) -> str:
    """Markdown-ish text as Slack mrkdwn: escape &, <, >; **bold** and [links](url)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BOLD.sub(r"*\1*", text)
    return _LINK.sub(r"<\2|\1>", text)


def button_block(buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Rasa buttons as one Block Kit ``actions`` block."""
    return {
        "type": "actions",
        "block_id": "supportbot_buttons",
        "elements": [
            {
                "type": "button",
                "action_id": f"{BUTTON_PREFIX}{index}",
                "text": {"type": "plain_text", "text": str(b.get("title") or b["payload"])[:75]},
                "value": str(b["payload"])[:2000],
            }
            for index, b in enumerate(buttons[:25])
            if b.get("payload")
        ],
    }


def messages(reply: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One gateway reply as ``chat.postMessage`` arguments (``text`` + ``blocks``).

    Long texts become several messages, cut at paragraphs; buttons go under the last.
    """
    parts = split_text(mrkdwn(str(reply.get("text") or "")), MAX_SECTION)
    buttons = reply.get("buttons") or []
    if not parts and buttons:
        parts = ["…"]
    out = []
    for index, part in enumerate(parts):
        blocks: List[Dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": part}}
        ]
        if buttons and index == len(parts) - 1:
            blocks.append(button_block(buttons))
        out.append({"text": part, "blocks": blocks})
    return out


def chosen(blocks: Optional[List[Dict[str, Any]]], title: str) -> List[Dict[str, Any]]:
    """The message's blocks with its buttons replaced by what the customer chose."""
    kept = [b for b in blocks or [] if b.get("type") != "actions"]
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"→ {mrkdwn(title)}"}]})
    return kept
