"""`supportbot sandbox`: try the Telegram and Slack channels end to end, offline, without tokens.

The local Bot API and Slack servers stand in for the platforms; the bot connects
to them exactly as it would to the real ones (Telegram polling, Slack Socket
Mode). You play the customer in the terminal; the bot's messages are printed
as each platform received them, buttons numbered.
"""

from __future__ import annotations

import asyncio
import html
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, TextIO

from bot.config import Settings
from bot.sandbox.server import ThreadedServer
from bot.sandbox.slack_api import (
    SANDBOX_APP_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_SIGNING_SECRET,
    SlackApi,
)
from bot.sandbox.telegram_api import SANDBOX_TOKEN, TelegramApi

CHAT_ID = 1001  # the sandbox customer's Telegram chat
DM = "D0SANDBOX"  # and Slack DM
HELP = """\
Type a message and press Enter; it goes to the current channel as the customer.
  /tg, /slack    switch channel (now: {channel})
  /lang de       your app language: en, de or da (Telegram language_code, Slack locale)
  /click N       press button N of the bot's last message
  /new           Slack: start a new thread (a new conversation)
  /start, /help  Telegram's commands (on Telegram)
  /quit          stop (also Ctrl-D)
Agents answer in the console: {console} (create a login with `supportbot agents add NAME`).
"""


class Customer:
    """The sandbox customer: writes on either channel, sees what the bot sent."""

    def __init__(self, telegram: TelegramApi, slack: SlackApi, say: Callable[[str], None]) -> None:
        self.telegram = telegram
        self.slack = slack
        self.say = say
        self.channel = "telegram"
        self.language = "en"
        self.thread: Optional[str] = None
        self._seen = {"telegram": 0, "slack": 0}
        self._last: Dict[str, Optional[Dict[str, Any]]] = {"telegram": None, "slack": None}
        self._lock = threading.Lock()

    def user(self) -> Dict[str, Any]:
        """The customer as a Telegram user, in the chosen app language."""
        return self.telegram.user(CHAT_ID, "Mia", language_code=self.language)

    def write(self, text: str) -> None:
        """Send ``text`` as the customer on the current channel."""
        if self.channel == "telegram":
            self.telegram.user_says(CHAT_ID, text, user=self.user())
            return
        self.slack.add_user("U0CUSTOMER", "Mia Jensen", f"{self.language}-XX")
        delivery = self.slack.user_says(DM, text, thread_ts=self.thread)
        if self.thread is None:
            self.thread = delivery.body["event"]["ts"]

    def click(self, number: int) -> str:
        """Press button ``number`` (1-based) of the bot's last message; '' or a problem."""
        last = self._last[self.channel]
        buttons = _buttons(self.channel, last)
        if not buttons or not 1 <= number <= len(buttons):
            return "no such button on the bot's last message"
        assert last is not None
        if self.channel == "telegram":
            self.telegram.user_clicks(last, buttons[number - 1][1], user=self.user())
        else:
            self.slack.user_clicks(last, index=number - 1)
        return ""

    def show_new(self) -> None:
        """Print what the bot sent since the last call."""
        with self._lock:
            for channel, messages in (
                ("telegram", self.telegram.sent_to(CHAT_ID)),
                ("slack", self.slack.posted_in(DM)),
            ):
                for message in messages[self._seen[channel] :]:
                    self._last[channel] = message
                    self.say(_render(channel, message))
                self._seen[channel] = len(messages)


def _buttons(channel: str, message: Optional[Dict[str, Any]]) -> List[tuple]:
    if message is None:
        return []
    if channel == "telegram":
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]
    blocks = [b for b in message.get("blocks") or [] if b.get("type") == "actions"]
    return [
        (e["text"]["text"], e.get("value", "")) for e in (blocks[-1]["elements"] if blocks else [])
    ]


def _render(channel: str, message: Dict[str, Any]) -> str:
    text = str(message.get("text", ""))
    if channel == "telegram":
        label = "telegram"
    else:
        label = f"slack (thread {message.get('thread_ts')})"
        text = html.unescape(text)  # as Slack shows mrkdwn's &lt; &gt; &amp;
    lines = [f"[{label}] bot: {text}"]
    buttons = _buttons(channel, message)
    if buttons:
        lines.append(
            "    " + "  ".join(f"[{i}] {title}" for i, (title, _) in enumerate(buttons, 1))
        )
    return "\n".join(lines)


def channel_env(telegram_url: str, slack_url: str) -> Dict[str, str]:
    """The variables that point the bot at the local servers (polling, Socket Mode)."""
    return {
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_APP_TOKEN": SANDBOX_APP_TOKEN,
        "SLACK_SIGNING_SECRET": SANDBOX_SIGNING_SECRET,
        "SLACK_API_URL": f"{slack_url}/api/",
    }


def run(
    settings: Settings,
    start_bot: Callable[[Settings], Any],
    stdin: TextIO = sys.stdin,
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> int:
    """Start the local platforms and the bot, then read the customer's lines until /quit."""
    telegram, slack = TelegramApi(), SlackApi()
    servers = [ThreadedServer(telegram.app).start(), ThreadedServer(slack.app).start()]
    say(f"local Telegram Bot API  {servers[0].url}  (bot @{telegram.me['username']})")
    say(f"local Slack Web API     {servers[1].url}/api/  (Socket Mode)")
    settings = settings.with_overrides(channel_env=channel_env(servers[0].url, servers[1].url))
    background = None
    customer = Customer(telegram, slack, say)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.1):
            customer.show_new()

    watcher = threading.Thread(target=watch, name="sandbox-watch", daemon=True)
    try:
        background = start_bot(settings)
        say(HELP.format(channel=customer.channel, console=f"{settings.gateway_url}/console"))
        watcher.start()
        say("sandbox ready")
        for raw in stdin:
            line = raw.strip()
            if not line:
                continue
            if line in {"/quit", "/exit"}:
                break
            reply = _command(customer, line)
            if reply is not None:
                if reply:
                    say(reply)
                continue
            customer.write(line)
        # let the last answers arrive before stopping
        stop.wait(2.0)
        customer.show_new()
    finally:
        stop.set()
        if background is not None:
            thread, supervisor, loop = background
            asyncio.run_coroutine_threadsafe(supervisor.stop(), loop).result(timeout=60)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
        for server in servers:
            server.stop()
    return 0


def _command(customer: Customer, line: str) -> Optional[str]:
    """Handle a sandbox command; None when ``line`` is a message for the bot."""
    word, _, rest = line.partition(" ")
    if word in {"/tg", "/telegram"}:
        customer.channel = "telegram"
        return "now writing on Telegram"
    if word == "/slack":
        customer.channel = "slack"
        return "now writing on Slack (a DM)"
    if word == "/lang":
        if rest.strip() not in {"en", "de", "da"}:
            return "usage: /lang en|de|da"
        customer.language = rest.strip()
        return f"app language is now {customer.language}"
    if word == "/click":
        if not rest.strip().isdigit():
            return "usage: /click N"
        return customer.click(int(rest.strip()))
    if word == "/new":
        customer.thread = None
        return "the next Slack message starts a new thread"
    if word.startswith("/") and customer.channel == "slack":
        return f"{word} is a Telegram command; on Slack just write"
    return None
