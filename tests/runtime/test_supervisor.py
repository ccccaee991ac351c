"""`supportbot run`: everything comes up on loopback and Ctrl-C stops all of it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import PROJECT_DIR
from tests.conftest import start_stack, stop_stack

pytestmark = pytest.mark.stack


def children_of(pid: int) -> list:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_ctrl_c_stops_every_part(model: Path, tmp_path: Path) -> None:
    stack = start_stack(tmp_path)
    try:
        children = children_of(stack.process.pid)
        assert len(children) == 2, "expected the action server and Rasa as children"
        deadline = time.monotonic() + 10
        while "ready in" not in stack.output.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        printed = stack.output.read_text()
        for part in ("gateway", "rasa", "action server", "ready in"):
            assert part in printed, printed
        assert "127.0.0.1" in printed
        assert stack.say("ctrl-c", "hello")[0]["text"]
    finally:
        code = stop_stack(stack)
    assert code == 0, stack.output.read_text()
    assert "stopped" in stack.output.read_text()
    for child in children:
        assert (
            not Path(f"/proc/{child}").exists()
            or "zombie" in Path(f"/proc/{child}/status").read_text().lower()
        )


def test_parts_listen_on_loopback_only(stack) -> None:
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    ports = {str(p) for p in stack.ports.values()}
    seen = set()
    for line in out.splitlines():
        local = line.split()[3]
        port = local.rsplit(":", 1)[1]
        if port in ports:
            seen.add(port)
            assert local.startswith("127.0.0.1:"), local
    assert seen == ports, f"not all parts listen: {seen} of {ports}"


def test_port_option_overrides_the_environment(model: Path, tmp_path: Path) -> None:
    """`supportbot run --port N` wins over SUPPORTBOT_PORT (checked via argument parsing)."""
    from bot.cli import _settings, build_parser

    os.environ["SUPPORTBOT_PORT"] = "8111"
    try:
        args = build_parser().parse_args(["run", "--port", "8222"])
        assert _settings(args).port == 8222
        args = build_parser().parse_args(["run"])
        assert _settings(args).port == 8111
    finally:
        del os.environ["SUPPORTBOT_PORT"]


def test_bad_setting_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "SUPPORTBOT_PORT": "eighty"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "configuration error: SUPPORTBOT_PORT must be a whole number, got 'eighty'"
    )
