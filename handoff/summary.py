"""A one- or two-sentence summary of a conversation for the agent, built offline from templates."""

from __future__ import annotations

from typing import Dict, Sequence

# Why the bot handed over, as the second sentence ends.
REASONS: Dict[str, Dict[str, str]] = {
    "en": {
        "customer_request": "they asked for a person",
        "frustration": "they are frustrated",
        "technical_complexity": "the problem is too technical for the standard answers",
        "not_understood": "the bot did not understand three messages in a row",
        "answer_not_helpful": "the answer did not help and they asked for a person",
        "security": "they report a security problem (hacked account, unknown charge or phishing)",
    },
    "de": {
        "customer_request": "die Person nach einem Menschen gefragt hat",
        "frustration": "die Person verärgert ist",
        "technical_complexity": "das Problem für die Standardantworten zu technisch ist",
        "not_understood": "der Bot drei Nachrichten hintereinander nicht verstanden hat",
        "answer_not_helpful": "die Antwort nicht half und nach einem Menschen gefragt wurde",
        "security": "ein Sicherheitsproblem gemeldet wird (gehacktes Konto, unbekannte Abbuchung "
        "oder Phishing)",
    },
    "da": {
        "customer_request": "kunden bad om en medarbejder",
        "frustration": "kunden er frustreret",
        "technical_complexity": "problemet er for teknisk til standardsvarene",
        "not_understood": "botten ikke forstod tre beskeder i træk",
        "answer_not_helpful": "svaret ikke hjalp, og kunden bad om en medarbejder",
        "security": "kunden melder et sikkerhedsproblem (hacket konto, ukendt træk eller phishing)",
    },
}

TEMPLATES: Dict[str, Dict[str, str]] = {
    "en": {
        "wants_topic": "The customer needs help with “{topic}”: “{quote}”.",
        "wants": "The customer wrote: “{quote}”.",
        "tried": "The bot answered with {titles}{unhelpful}; handed over because {why}.",
        "unhelpful": ", which did not help",
        "nothing": "Nothing was tried yet; handed over because {why}.",
        "cues": " ({cues})",
        "and": " and ",
        "quote": "“{}”",
    },
    "de": {
        "wants_topic": "Die Kundin oder der Kunde braucht Hilfe zu „{topic}“: „{quote}“.",
        "wants": "Die Kundin oder der Kunde schrieb: „{quote}“.",
        "tried": "Der Bot hat mit {titles} geantwortet{unhelpful}; übergeben, weil {why}.",
        "unhelpful": ", was nicht geholfen hat",
        "nothing": "Noch nichts versucht; übergeben, weil {why}.",
        "cues": " ({cues})",
        "and": " und ",
        "quote": "„{}“",
    },
    "da": {
        "wants_topic": "Kunden har brug for hjælp til “{topic}”: “{quote}”.",
        "wants": "Kunden skrev: “{quote}”.",
        "tried": "Botten svarede med {titles}{unhelpful}; overdraget, fordi {why}.",
        "unhelpful": ", hvilket ikke hjalp",
        "nothing": "Intet er prøvet endnu; overdraget, fordi {why}.",
        "cues": " ({cues})",
        "and": " og ",
        "quote": "“{}”",
    },
}
QUOTE_CHARS = 160


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """One line, cut at a word boundary with an ellipsis."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"


def summarize(
    language: str,
    reason: str,
    request: str,
    topic: str = "",
    tried: Sequence[str] = (),
    not_helpful: bool = False,
    cues: Sequence[str] = (),
) -> str:
    """Two sentences: what the customer wants (topic and their words), and what was tried.

    ``request`` is the customer's own description, ``topic`` the knowledge-base
    title of what it is about, ``tried`` the titles of the answers the bot gave,
    ``cues`` the labels of the signals that fired (e.g. "waiting-time complaint").
    """
    t = TEMPLATES.get(language, TEMPLATES["en"])
    reasons = REASONS.get(language, REASONS["en"])
    quote = shorten(request) or "…"
    first = (
        t["wants_topic"].format(topic=topic, quote=quote)
        if topic
        else t["wants"].format(quote=quote)
    )
    why = reasons[reason]
    if cues:
        why += t["cues"].format(cues=", ".join(dict.fromkeys(cues)))
    if tried:
        titles = [t["quote"].format(title) for title in dict.fromkeys(tried)]
        joined = ", ".join(titles[:-1]) + t["and"] + titles[-1] if len(titles) > 1 else titles[0]
        unhelpful = t["unhelpful"] if not_helpful else ""
        second = t["tried"].format(titles=joined, unhelpful=unhelpful, why=why)
    else:
        second = t["nothing"].format(why=why)
    return f"{first} {second}"
