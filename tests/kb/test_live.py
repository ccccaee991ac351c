"""The knowledge base in the running bot: answers, clarifying, hot reload, passwords."""

import shutil
import sqlite3
import time
from pathlib import Path
from typing import Iterator

import pytest

from bot.config import PROJECT_DIR
from tests.conftest import Stack, start_stack, stop_stack
from tests.kb.helpers import until, write_entry
from tests.test_conversations_rest import TEXTS

pytestmark = pytest.mark.stack

RESET_CHECK = {
    "en": "Did the reset e-mail arrive",
    "de": "Ist die E-Mail zum Zurücksetzen angekommen",
    "da": "Kom mailen til nulstilling frem",
}


def test_a_confident_answer_carries_kb_article_and_asks_if_it_helped(stack: Stack) -> None:
    replies = stack.say("kb-refund", "when will I get my refund?")
    assert replies[0]["metadata"]["kb_article"] == "refund-status"
    assert replies[0]["metadata"]["language"] == "en"
    assert "3 business days" in replies[0]["text"]
    question = replies[-1]
    assert question["text"] == "Did this answer your question?"
    assert [b["payload"] for b in question["buttons"]] == ["/affirm", "/deny"]


def test_no_offers_related_entries_and_a_person(stack: Stack) -> None:
    stack.say("kb-no", "when will I get my refund?")
    replies = stack.say("kb-no", "/deny")
    payloads = [b["payload"] for b in replies[-1]["buttons"]]
    assert payloads[-1] == "/request_human"
    assert any('"kb_entry": "return-item"' in p for p in payloads)
    # Choosing a related entry answers with it.
    chosen = stack.say("kb-no", '/faq{"kb_entry": "return-item"}')
    assert chosen[0]["metadata"]["kb_article"] == "return-item"


def test_yes_ends_the_question(stack: Stack) -> None:
    stack.say("kb-yes", "Wann bekomme ich mein Geld zurück?")
    replies = stack.say("kb-yes", "/affirm")
    assert replies[0]["metadata"]["language"] == "de"
    assert replies[0]["text"].startswith("Super")


@pytest.mark.parametrize(
    "lang, opening",
    [
        ("en", "I forgot my password"),
        ("de", "Ich habe mein Passwort vergessen"),
        ("da", "Jeg har glemt min adgangskode"),
    ],
)
def test_password_reset_flow(stack: Stack, lang: str, opening: str) -> None:
    sender = f"pw-flow-{lang}"
    replies = stack.say(sender, opening)
    assert replies[0]["metadata"] == {**replies[0]["metadata"], "kb_article": "password-reset"}
    assert replies[0]["metadata"]["language"] == lang
    assert "https://alpha.example/account/reset-password" in replies[0]["text"]
    check = replies[-1]
    assert check["text"].startswith(RESET_CHECK[lang])
    payloads = [b["payload"] for b in check["buttons"]]
    assert len(payloads) == 3
    # "No e-mail came" → what to do when the e-mail does not arrive.
    missing = stack.say(sender, payloads[1])
    assert missing[0]["metadata"]["kb_article"] == "reset-email-missing"
    assert missing[0]["metadata"]["language"] == lang
    # "My account is locked" → the locked-account steps.
    locked = stack.say(sender, payloads[2])
    assert locked[0]["metadata"]["kb_article"] == "account-locked"
    assert "30" in locked[0]["text"]


def test_an_ambiguous_question_gets_one_clarifying_question(stack: Stack) -> None:
    replies = stack.say("kb-clarify", "cancel")
    assert len(replies) == 1
    reply = replies[0]
    assert "kb_article" not in reply["metadata"]
    entries = [b["payload"] for b in reply["buttons"]]
    assert 2 <= len(entries) <= 3
    assert all(p.startswith('/faq{"kb_entry": ') for p in entries)
    assert any("cancel-order" in p for p in entries)
    assert any("cancel-subscription" in p for p in entries)


@pytest.mark.parametrize(
    "lang, text",
    [("en", "How do I bake sourdough bread?"), ("de", "Wie wird das Wetter morgen in Berlin?")],
)
def test_nothing_close_is_never_answered_with_an_entry(stack: Stack, lang: str, text: str) -> None:
    replies = stack.say(f"kb-none-{lang}", text)
    assert all("kb_article" not in r["metadata"] for r in replies)
    assert replies[0]["metadata"]["language"] == lang
    # Either "I don't know, here is a person" (knowledge base) or the polite
    # out-of-scope answer (the NLU recognised chit-chat).
    said = replies[0]["text"].strip()
    assert said in TEXTS["utter_kb_unknown"][lang] or said in TEXTS["utter_out_of_scope"][lang]


def test_the_same_entry_is_not_given_twice_in_a_row(stack: Stack) -> None:
    first = stack.say("kb-repeat", "when will I get my refund?")
    assert first[0]["metadata"]["kb_article"] == "refund-status"
    again = stack.say("kb-repeat", "when will I get my refund?")
    assert all(r["metadata"].get("kb_article") != "refund-status" for r in again)
    assert "/request_human" in [b["payload"] for b in again[-1]["buttons"]]


SECRET = "Tr0ub4dor&3zebra"


def test_a_typed_password_is_masked_everywhere(stack: Stack) -> None:
    replies = stack.say("kb-secret", f"my password is {SECRET} and it does not work")
    assert replies[0]["metadata"]["redacted"] == ["password"]
    assert "don't share your password" in replies[0]["text"]
    assert all(SECRET not in r["text"] for r in replies)
    # In the reset flow, a bare password-looking message is masked too.
    stack.say("kb-secret-2", "I forgot my password")
    bare = stack.say("kb-secret-2", SECRET + "x")
    assert bare[0]["metadata"]["redacted"] == ["password"]
    time.sleep(0.5)
    for path in [*stack.data_dir.rglob("*.db"), *stack.data_dir.rglob("*.log"), stack.output]:
        raw = path.read_bytes()
        assert SECRET.encode() not in raw, path
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        texts = " ".join(str(row) for row in db.execute("select * from events"))
    assert "[password]" in texts and SECRET not in texts


def test_health_reports_the_knowledge_base(stack: Stack) -> None:
    component = stack.health()["components"]["knowledge_base"]
    assert component["status"] == "ok" and component["entries"] >= 25


@pytest.fixture(scope="module")
def kb_stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A bot answering from a copy of the knowledge base that the tests edit."""
    tmp = tmp_path_factory.mktemp("kb-stack")
    shutil.copytree(PROJECT_DIR / "knowledge_base", tmp / "kb")
    running = start_stack(tmp, extra_env={"SUPPORTBOT_KB_DIR": str(tmp / "kb")})
    running.kb_dir = tmp / "kb"  # type: ignore[attr-defined]
    yield running
    if running.process.poll() is None:
        stop_stack(running)


def test_hot_reload_add_edit_delete_and_broken(kb_stack: Stack) -> None:
    kb_dir: Path = kb_stack.kb_dir  # type: ignore[attr-defined]
    questions = {"en": ["do you gift wrap", "can you wrap my present", "gift wrapping",
                        "is gift wrap available", "wrap it as a gift"]}  # fmt: skip

    count = iter(range(1000))

    def article(text: str, sender: str):
        # A new conversation each time: the same entry is never given twice in a row.
        replies = kb_stack.say(f"{sender}-{next(count)}", text)
        return replies[0]["metadata"].get("kb_article"), replies[0]["text"]

    # add
    started = time.monotonic()
    write_entry(kb_dir, "gift-wrap", questions=questions, answer="Gift wrap costs EUR 3.")
    assert until(2.0, lambda: article("can you gift wrap my present?", "hr-1")[0] == "gift-wrap")
    assert time.monotonic() - started < 2.5
    # edit
    write_entry(kb_dir, "gift-wrap", questions=questions, answer="Gift wrap is now free.")
    assert until(2.0, lambda: "now free" in article("can you gift wrap my present?", "hr-2")[1])
    # broken: the last good version keeps serving, and /health names the file
    (kb_dir / "gift-wrap.yml").write_text("id: gift-wrap\nteam: [unclosed\n")
    problems = until(2.0, lambda: kb_stack.health()["components"]["knowledge_base"]["problems"])
    assert problems and problems[0]["file"] == "gift-wrap.yml"
    assert "now free" in article("can you gift wrap my present?", "hr-3")[1]
    # delete
    (kb_dir / "gift-wrap.yml").unlink()
    assert until(2.0, lambda: article("can you gift wrap my present?", "hr-4")[0] != "gift-wrap")
