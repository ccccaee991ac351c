"""`supportbot sandbox`: a developer chats on both channels end to end, offline, no tokens."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest

from bot.config import PROJECT_DIR
from bot.runtime.ports import free_port

pytestmark = pytest.mark.stack


class Terminal:
    """The sandbox process with a line-by-line view of what it prints."""

    def __init__(self, tmp: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
        env.update(
            SUPPORTBOT_PORT=str(free_port()),
            SUPPORTBOT_RASA_PORT=str(free_port()),
            SUPPORTBOT_ACTIONS_PORT=str(free_port()),
            SUPPORTBOT_DATA_DIR=str(tmp / "var"),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "sandbox"],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def expect(self, fragment: str, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if fragment in line:
                return line
        raise AssertionError(f"{fragment!r} not printed; got:\n" + "\n".join(self.seen[-40:]))


def test_sandbox_conversation_on_both_channels(model: Path, tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    try:
        terminal.expect("local Telegram Bot API")
        terminal.expect("sandbox ready", timeout=240)
        terminal.type("/lang de")
        terminal.type("/start")
        terminal.expect("[telegram] bot: Hallo, ich bin der Support-Assistent")
        terminal.type("Ich habe mein Passwort vergessen")
        terminal.expect("alpha.example/account/reset-password")
        terminal.expect("[1] ")
        terminal.type("/click 1")
        terminal.expect("[telegram] bot: ")
        terminal.type("/slack")
        terminal.type("/lang da")
        terminal.type("Hej")
        greeting = terminal.expect("bot: Hej, jeg er Alphas supportassistent")
        assert greeting.startswith("[slack (thread ")
        terminal.type("Hvordan nulstiller jeg min adgangskode?")
        thread = greeting.split(" bot: ")[0]
        terminal.expect(f"{thread} bot: ")  # the answer, in the same thread
        terminal.expect("alpha.example/account/reset-password")
        terminal.type("/quit")
        assert terminal.process.wait(timeout=90) == 0
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
