"""Shared fixtures: the whole bot started once per test session, on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from bot.config import PROJECT_DIR, Settings
from bot.runtime.ports import free_port
from bot.runtime.training import ensure_model
from bot.sandbox.server import ThreadedServer
from bot.sandbox.slack_api import SANDBOX_SIGNING_SECRET, SlackApi
from bot.sandbox.telegram_api import TelegramApi

# The agent API's bearer token in the tests' bot (SUPPORTBOT_AGENT_TOKEN).
AGENT_TOKEN = "test-agent-token-0123456789"


@dataclass
class Stack:
    """A running bot: its gateway URL, data directory and process."""

    url: str
    data_dir: Path
    process: subprocess.Popen
    output: Path
    ports: Dict[str, int]

    def post(
        self, body: Any, raw: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None
    ):
        """POST to the REST webhook; returns (status, parsed JSON or text)."""
        data = raw if raw is not None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/webhooks/rest/webhook",
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                return exc.code, json.loads(payload)
            except ValueError:
                return exc.code, payload.decode("utf-8", "replace")

    def say(self, sender: str, text: str) -> List[Dict[str, Any]]:
        status, replies = self.post({"sender": sender, "message": text})
        assert status == 200, replies
        return replies

    def api(self, method: str, path: str, body: Any = None, agent: Optional[str] = "anna") -> tuple:
        """Call the agent API with the bearer token; returns (status, parsed JSON)."""
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}", "Content-Type": "application/json"}
        if agent:
            headers["X-Agent"] = agent
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def fetch(self, sender: str, wait: float = 0) -> List[Dict[str, Any]]:
        """The REST customer's waiting messages (agent replies, the survey)."""
        url = f"{self.url}/webhooks/rest/webhook/{urllib.parse.quote(sender, safe='')}/messages"
        with urllib.request.urlopen(f"{url}?wait={wait}", timeout=60) as resp:
            return json.loads(resp.read())

    def health(self) -> Dict[str, Any]:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read())


def start_stack(
    tmp: Path,
    timeout: float = 240.0,
    extra_env: Optional[Dict[str, str]] = None,
    ports: Optional[Dict[str, int]] = None,
    ready: Optional[Callable[[Dict[str, Any]], bool]] = None,
) -> Stack:
    """Run `supportbot run` as a user would, on free ports, and wait until ready."""
    ports = ports or {"gateway": free_port(), "rasa": free_port(), "actions": free_port()}
    env = dict(os.environ)
    env.update(
        SUPPORTBOT_PORT=str(ports["gateway"]),
        SUPPORTBOT_RASA_PORT=str(ports["rasa"]),
        SUPPORTBOT_ACTIONS_PORT=str(ports["actions"]),
        SUPPORTBOT_DATA_DIR=str(tmp / "var"),
        SUPPORTBOT_AGENT_TOKEN=AGENT_TOKEN,
    )
    env.update(extra_env or {})
    output = tmp / "supportbot-run.log"
    with open(output, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(f"http://127.0.0.1:{ports['gateway']}", tmp / "var", process, output, ports)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"supportbot run exited early:\n{output.read_text()}")
        try:
            health = stack.health()
            if ready(health) if ready else health.get("status") == "ok":
                return stack
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"bot not ready after {timeout} s:\n{output.read_text()}")


def stop_stack(stack: Stack, timeout: float = 60.0) -> int:
    stack.process.send_signal(signal.SIGINT)
    return stack.process.wait(timeout=timeout)


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained model (cached by fingerprint; trains only when inputs changed)."""
    s = Settings.from_env()
    return ensure_model(s.project_dir, s.models_dir, quiet=True)


@dataclass
class Platforms:
    """The local Telegram Bot API and Slack the session's bot is connected to."""

    telegram: TelegramApi
    slack: SlackApi


@pytest.fixture(scope="session")
def platforms() -> Iterator[Platforms]:
    """Local Telegram and Slack API servers on loopback, for the whole session."""
    telegram, slack = TelegramApi(), SlackApi()
    servers = [ThreadedServer(telegram.app).start(), ThreadedServer(slack.app).start()]
    telegram.url, slack.url = servers[0].url, servers[1].url  # type: ignore[attr-defined]
    yield Platforms(telegram, slack)
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def stack(
    model: Path, platforms: Platforms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The whole bot, started once for the session, with Telegram and Slack switched on.

    Telegram runs in webhook mode and Slack in HTTP events mode, so their routes on
    the gateway are exercised; polling and Socket Mode are covered in tests/channels.
    """
    ports = {"gateway": free_port(), "rasa": free_port(), "actions": free_port()}
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    channels = {
        "TELEGRAM_BOT_TOKEN": platforms.telegram.token,
        "TELEGRAM_API_BASE_URL": platforms.telegram.url,  # type: ignore[attr-defined]
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"{gateway}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "session-webhook-secret-0123",
        "SLACK_BOT_TOKEN": platforms.slack.bot_token,
        "SLACK_SIGNING_SECRET": SANDBOX_SIGNING_SECRET,
        "SLACK_API_URL": f"{platforms.slack.url}/api/",  # type: ignore[attr-defined]
    }
    platforms.slack.events_url = f"{gateway}/slack/events"
    running = start_stack(tmp_path_factory.mktemp("stack"), extra_env=channels, ports=ports)
    yield running
    if running.process.poll() is None:
        stop_stack(running)
