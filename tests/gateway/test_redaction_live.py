"""No raw card number, IBAN, one-time code or password in any store or log of the running bot.

A bot at log level DEBUG (Rasa logs every message then) gets secrets in three
languages, before and during a handoff. Then every file the product wrote (the
tracker store, the handoff queue, the gateway's database, all logs, with SQLite's
write-ahead logs) is searched for the raw values, as typed and as bare digits.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from tests.conftest import AGENT_TOKEN, Stack, start_stack, stop_stack

pytestmark = pytest.mark.stack

# (message, the secret as typed) per language; every value passes its checksum.
BEFORE: List[Tuple[str, str]] = [
    ("my card 4111 1111 1111 1111 was charged twice", "4111 1111 1111 1111"),
    ("please refund to IBAN GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    ("my password is Hunter2!xyz", "Hunter2!xyz"),
    ("the verification code is 483920", "483920"),
    ("Meine Karte 5500-0055-5555-5559 wurde belastet", "5500-0055-5555-5559"),
    ("Meine IBAN: DE89370400440532013000", "DE89370400440532013000"),
    ("Mein Passwort ist Sommer2024#Berg", "Sommer2024#Berg"),
    ("Der Bestätigungscode lautet 715 902", "715 902"),
    ("mit kortnummer er 3782 822463 10005", "3782 822463 10005"),
    ("min IBAN er DK50 0040 0440 1162 43", "DK50 0040 0440 1162 43"),
    ("min adgangskode er Rødgrød!Fløde9", "Rødgrød!Fløde9"),
    ("engangskoden er 66 41 07", "66 41 07"),
]
DURING: List[Tuple[str, str]] = [
    ("here is my other card 4012 8888 8888 1881", "4012 8888 8888 1881"),
    ("IBAN NL91ABNA0417164300 bitte", "NL91ABNA0417164300"),
    ("koden fra sms'en er 902114", "902114"),
]


@pytest.fixture(scope="module")
def debug_stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(
        tmp_path_factory.mktemp("redaction"), extra_env={"SUPPORTBOT_LOG_LEVEL": "DEBUG"}
    )
    yield stack
    stop_stack(stack)


def forms(secret: str) -> List[str]:
    """The secret as typed and with separators removed (how a leak would usually look)."""
    bare = re.sub(r"[\s-]", "", secret)
    return sorted({secret, bare})


def test_no_secret_survives_in_any_store_or_log(debug_stack: Stack) -> None:
    sender = "redaction-check"
    for index, (text, _) in enumerate(BEFORE):
        # each also alone, so an earlier handoff cannot silence the warning
        replies = debug_stack.say(f"{sender}-{index}", text)
        assert replies and replies[0]["metadata"].get("redacted"), (text, replies)
        debug_stack.say(sender, text)
    debug_stack.say(sender, "I want to talk to a human")
    _, queue = debug_stack.api("GET", "/api/handoffs")
    ticket_id = next(t["id"] for t in queue["tickets"] if t["conversation_id"] == sender)
    for text, _ in DURING:
        assert debug_stack.say(sender, text) == []  # silent while handed off
    status, ticket = debug_stack.api("GET", f"/api/handoffs/{ticket_id}")
    assert status == 200
    transcript = "\n".join(m["text"] for m in ticket["transcript"])
    assert (
        "[card ending 1111]" in transcript and "[code]" in transcript and "[password]" in transcript
    )
    assert "[card ending 1881]" in transcript  # written during the handoff

    files = [p for p in debug_stack.data_dir.rglob("*") if p.is_file()] + [debug_stack.output]
    names = {p.name for p in files}
    assert {"tracker.db", "handoff.db", "rasa.log", "actions.log"} <= names, names
    # the log really is verbose: Rasa logged the (masked) messages themselves
    rasa_log = (debug_stack.data_dir / "logs" / "rasa.log").read_text(errors="replace")
    assert "[card ending 1111]" in rasa_log
    leaks = []
    for path in files:
        content = path.read_bytes()
        for _, secret in BEFORE + DURING:
            for form in forms(secret):
                if form.encode() in content:
                    leaks.append(f"{path.name}: {form}")
    assert leaks == []
    assert AGENT_TOKEN.encode() not in debug_stack.output.read_bytes()
