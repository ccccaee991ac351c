"""The whole bot: every handoff trigger in three languages, silence, agent replies, the survey.

These run against the real trained model, Rasa, the action server and the gateway.
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, List

import pytest

from tests.conftest import Stack

pytestmark = pytest.mark.stack
_ids = itertools.count()


def conversation(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def handoff_of(stack: Stack, replies: List[Dict[str, Any]]) -> Dict[str, Any]:
    ids = {r["metadata"].get("handoff_id") for r in replies} - {None}
    assert len(ids) == 1, replies
    status, ticket = stack.api("GET", f"/api/handoffs/{ids.pop()}")
    assert status == 200
    return ticket


REQUESTS = {
    "en": "I want to talk to a human, please",
    "de": "Ich möchte bitte mit einem Mitarbeiter sprechen",
    "da": "Jeg vil gerne tale med en medarbejder",
}
FRUSTRATED = {
    "en": "This is the third time I'm writing and nobody answers! I've waited three weeks "
    "for my refund. Absolutely useless!!!",
    "de": "Ich schreibe jetzt zum dritten Mal und niemand antwortet! Seit drei Wochen warte "
    "ich auf meine Erstattung. Total nutzlos!!!",
    "da": "Det er tredje gang, jeg skriver, og ingen svarer! Jeg har ventet i tre uger på "
    "min refusion. Fuldstændig ubrugeligt!!!",
}
TECHNICAL = {
    "en": "Your API returns HTTP 502 on POST /v2/orders since version 3.4.1, webhook "
    "retries fail with TimeoutError in our logs",
    "de": "Eure API liefert seit Version 3.4.1 HTTP 502 bei POST /v2/orders, die Webhook-"
    "Wiederholungen scheitern mit TimeoutError in unseren Logs",
    "da": "Jeres API returnerer HTTP 502 på POST /v2/orders siden version 3.4.1, og "
    "webhook-forsøg fejler med TimeoutError i vores logs",
}
HACKED = {
    "en": "Someone hacked my account and changed my email address",
    "de": "Jemand hat mein Konto gehackt und meine E-Mail-Adresse geändert",
    "da": "Nogen har hacket min konto og ændret min e-mailadresse",
}
UNKNOWN_CHARGE = {
    "en": "There is a charge from Alpha on my card that I don't recognise, I never ordered that",
    "de": "Auf meiner Karte ist eine Abbuchung von Alpha, die ich nicht kenne, das habe ich nie "
    "bestellt",
    "da": "Der er et træk fra Alpha på mit kort, som jeg ikke kender, det har jeg aldrig bestilt",
}
GREETING = {"en": "hello", "de": "Hallo", "da": "Hej"}
PASSWORD_QUESTION = {
    "en": "How do I reset my password?",
    "de": "Wie setze ich mein Passwort zurück?",
    "da": "Hvordan nulstiller jeg min adgangskode?",
}
NO = {"en": "no", "de": "nein", "da": "nej"}
# Messages the bot cannot help with, in the customer's language.
NONSENSE = {
    "en": ["my purple toaster sings at midnight", "the moon owes me seven spoons",
           "the cloud swallowed my shadow yesterday"],
    "de": ["mein lila Toaster singt um Mitternacht", "der Mond schuldet mir sieben Löffel",
           "die Wolke hat gestern meinen Schatten verschluckt"],
    "da": ["min lilla brødrister synger ved midnat", "månen skylder mig syv skeer",
           "skyen slugte min skygge i går"],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "de", "da"])
def test_customer_request(stack: Stack, lang: str) -> None:
    sender = conversation("req")
    ticket = handoff_of(stack, stack.say(sender, REQUESTS[lang]))
    assert (ticket["reason"], ticket["language"], ticket["status"]) == (
        "customer_request",
        lang,
        "waiting",
    )
    assert ticket["transcript"][0] == {**ticket["transcript"][0], "role": "customer"}
    assert ticket["transcript"][0]["text"] == REQUESTS[lang]


@pytest.mark.parametrize("lang", ["en", "de", "da"])
def test_frustration_gets_empathy_first_and_high_priority(stack: Stack, lang: str) -> None:
    replies = stack.say(conversation("angry"), FRUSTRATED[lang])
    ticket = handoff_of(stack, replies)
    assert ticket["reason"] == "frustration" and ticket["priority"] in ("high", "urgent")
    assert "kb_article" not in replies[0]["metadata"]  # never a cheerful FAQ answer
    assert ticket["scores"]["frustration"] >= 0.4 and ticket["scores"]["cues"]
    assert ticket["language"] == lang


@pytest.mark.parametrize("lang", ["en", "de", "da"])
def test_technical_complexity_goes_to_the_technical_team(stack: Stack, lang: str) -> None:
    ticket = handoff_of(stack, stack.say(conversation("tech"), TECHNICAL[lang]))
    assert (ticket["reason"], ticket["team"]) == ("technical_complexity", "technical")
    assert ticket["scores"]["complexity"] >= 0.35


@pytest.mark.parametrize("lang", ["en", "de", "da"])
@pytest.mark.parametrize("kind, team", [("hacked", "account"), ("charge", "billing")])
def test_security_is_handed_over_at_once_and_urgent(
    stack: Stack, lang: str, kind: str, team: str
) -> None:
    text = (HACKED if kind == "hacked" else UNKNOWN_CHARGE)[lang]
    replies = stack.say(conversation("sec"), text)
    assert all("kb_article" not in r["metadata"] for r in replies)  # no FAQ first
    ticket = handoff_of(stack, replies)
    assert (ticket["reason"], ticket["priority"], ticket["team"]) == ("security", "urgent", team)


@pytest.mark.parametrize("lang", ["en", "de", "da"])
def test_third_message_not_understood(stack: Stack, lang: str) -> None:
    sender = conversation("lost")
    stack.say(sender, GREETING[lang])
    first = stack.say(sender, NONSENSE[lang][0])
    second = stack.say(sender, NONSENSE[lang][1])
    assert not any(r["metadata"].get("handoff_id") for r in first + second)
    ticket = handoff_of(stack, stack.say(sender, NONSENSE[lang][2]))
    assert ticket["reason"] == "not_understood" and ticket["language"] == lang


@pytest.mark.parametrize("lang", ["en", "de", "da"])
def test_answer_not_helpful_then_a_person(stack: Stack, lang: str) -> None:
    sender = conversation("nohelp")
    answer = stack.say(sender, PASSWORD_QUESTION[lang])
    assert any(r["metadata"].get("kb_article") == "password-reset" for r in answer)
    stack.say(sender, NO[lang])
    ticket = handoff_of(stack, stack.say(sender, "/request_human"))
    assert (ticket["reason"], ticket["team"], ticket["priority"]) == (
        "answer_not_helpful",
        "account",
        "high",  # access is at stake
    )
    assert ticket["kb_articles_tried"] == ["password-reset"]
    assert PASSWORD_QUESTION[lang] in ticket["summary"]


def test_silence_agent_reply_resolve_and_survey(stack: Stack) -> None:
    sender = conversation("full")
    ticket = handoff_of(stack, stack.say(sender, REQUESTS["de"]))
    # while handed off the bot never answers; the messages reach the ticket
    assert stack.say(sender, "Hallo? Ist da jemand?") == []
    assert stack.say(sender, "Wie setze ich mein Passwort zurück?") == []
    status, claimed = stack.api("POST", f"/api/handoffs/{ticket['id']}/claim")
    assert status == 200 and claimed["agent"] == "anna"
    status, _ = stack.api("POST", f"/api/handoffs/{ticket['id']}/claim", agent="bo")
    assert status == 409
    status, sent = stack.api(
        "POST", f"/api/handoffs/{ticket['id']}/reply", {"text": "Hallo, hier ist Anna!"}
    )
    assert status == 200 and sent["delivered"]
    assert [m["text"] for m in stack.fetch(sender)] == ["Hallo, hier ist Anna!"]
    _, full = stack.api("GET", f"/api/handoffs/{ticket['id']}")
    roles = [(m["role"], m["text"]) for m in full["transcript"]]
    assert ("customer", "Hallo? Ist da jemand?") in roles
    assert roles[-1] == ("agent", "Hallo, hier ist Anna!")
    assert any(role == "bot" for role, _ in roles)  # the bot's announcement is in it

    status, _ = stack.api("POST", f"/api/handoffs/{ticket['id']}/resolve")
    assert status == 200
    survey = stack.fetch(sender, wait=10)
    assert len(survey) == 1 and "zufrieden" in survey[0]["text"]
    assert [b["title"] for b in survey[0]["buttons"]] == ["1", "2", "3", "4", "5"]
    follow_up = stack.say(sender, '/csat_rate{"csat_score": "4"}')
    assert "Kein Kommentar" in [b["title"] for b in follow_up[0].get("buttons", [])]
    thanks = stack.say(sender, "Anna war schnell und freundlich")
    assert "Feedback" in thanks[0]["text"]
    _, rated = stack.api("GET", f"/api/handoffs/{ticket['id']}")
    assert (
        rated["csat"]["score"] == 4
        and rated["csat"]["comment"] == "Anna war schnell und freundlich"
    )
    # the bot answers normally again
    answer = stack.say(sender, "Wie setze ich mein Passwort zurück?")
    assert answer and answer[0]["metadata"].get("kb_article") == "password-reset"


def test_return_to_bot_and_previous_tickets(stack: Stack) -> None:
    sender = conversation("back")
    first = handoff_of(stack, stack.say(sender, REQUESTS["da"]))
    status, _ = stack.api("POST", f"/api/handoffs/{first['id']}/return")
    assert status == 200
    back = stack.fetch(sender, wait=10)
    assert back and "tilbage" in back[0]["text"]
    assert stack.say(sender, GREETING["da"])  # the bot talks again
    second = handoff_of(stack, stack.say(sender, REQUESTS["da"]))
    assert [p["id"] for p in second["previous_tickets"]] == [first["id"]]


def test_typed_rating_after_the_survey(stack: Stack) -> None:
    sender = conversation("typed")
    ticket = handoff_of(stack, stack.say(sender, REQUESTS["en"]))
    stack.api("POST", f"/api/handoffs/{ticket['id']}/claim")
    stack.api("POST", f"/api/handoffs/{ticket['id']}/resolve")
    assert stack.fetch(sender, wait=10)
    stack.say(sender, "5")
    stack.say(sender, "/csat_skip")
    _, rated = stack.api("GET", f"/api/handoffs/{ticket['id']}")
    assert rated["csat"]["score"] == 5 and not rated["csat"]["comment"]
