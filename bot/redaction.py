"""Masking secrets customers type (passwords) before the text is stored or logged anywhere."""

from __future__ import annotations

import dataclasses
import re
from typing import List, Tuple

PASSWORD_MASK = "[password]"

# "my password is X", "Passwort: X", "mit kodeord er X", "pw=X", "new password X".
_PASSWORD_WORDS = (
    r"pass(?:word|wort|phrase|code)?|pwd?|kennwort|adgangskode|kodeord|kode|login[- ]?code"
)
_SEPARATOR = (
    r"\s*(?:(?:is|was|ist|war|lautet|er|var|=|:|->|→)\s*|\s)"
    r"(?:(?:now|jetzt|nu|just|nur|bare)\s+)?"
)
_EXPLICIT = re.compile(
    rf"(?P<lead>\b(?:{_PASSWORD_WORDS})\b{_SEPARATOR})(?P<secret>[^\s]{{3,128}})",
    re.IGNORECASE,
)
_VERBS = {"is", "was", "ist", "war", "lautet", "er", "var", "now", "jetzt", "nu", "just", "nur"}
# Words that follow "password is/ist/er" without being a password.
_NOT_SECRETS = {
    # en
    "not", "wrong", "incorrect", "invalid", "expired", "forgotten", "lost", "gone", "correct",
    "right", "ok", "okay", "fine", "too", "very", "still", "already", "the", "a", "my", "your",
    "being", "rejected", "reset", "changed", "working", "accepted", "no", "yes", "for", "of",
    "and", "but", "to", "in", "on", "that", "this", "it", "so", "always", "never", "weak",
    "strong", "long", "short", "blocked", "locked", "vergessen", "forgot", "forget", "reset?",
    # de
    "nicht", "falsch", "ungültig", "abgelaufen", "richtig", "zu", "sehr", "noch", "schon",
    "der", "die", "das", "mein", "dein", "kein", "keine", "geändert", "zurückgesetzt",
    "weg", "gesperrt", "und", "aber", "für", "von", "immer", "nie", "korrekt",
    # da
    "ikke", "forkert", "ugyldig", "udløbet", "rigtig", "rigtigt", "meget", "stadig",
    "allerede", "min", "mit", "din", "dit", "ingen", "ændret", "nulstillet", "glemt", "væk",
    "spærret", "låst", "og", "men", "til", "af", "altid", "aldrig",
}  # fmt: skip
# A bare message that looks like a password (letters and digits or symbols, no spaces):
# only masked when the conversation is about signing in.
_BARE_SECRET = re.compile(r"^\s*(?=\S*[A-Za-z])(?=\S*[\d\W_])[^\s@/]{6,64}\s*$")
_LOOKS_LIKE_NUMBER = re.compile(r"^[#\s]*[\d\s\-/.]+$")


@dataclasses.dataclass(frozen=True)
class Redacted:
    """Text with secrets masked, and what kinds were masked."""

    text: str
    kinds: Tuple[str, ...] = ()


def redact(text: str, password_context: bool = False) -> Redacted:
    """Mask passwords in a customer's message.

    ``password_context``: the bot is in a sign-in or password flow, so a bare
    password-like message ("Hunter2!") is masked too.
    """
    kinds: List[str] = []

    def explicit(match: re.Match) -> str:
        secret = match.group("secret")
        word = secret.rstrip(".,;!?").strip("\"'„“«»").lower()
        if word in _NOT_SECRETS or len(word) < 3:
            return match.group(0)
        if not match.group("lead").strip()[-1:].isalpha() or _BARE_SECRET.match(secret):
            pass  # "password: X" / "password is X", or a password-like word after a space
        elif match.group("lead").split()[-1].lower() not in _VERBS:
            return match.group(0)  # "password please": no "is" and not password-like
        kinds.append("password")
        return match.group("lead") + PASSWORD_MASK

    masked = _EXPLICIT.sub(explicit, text)
    if (
        password_context
        and not kinds
        and _BARE_SECRET.match(masked)
        and not _LOOKS_LIKE_NUMBER.match(masked)
    ):
        kinds.append("password")
        masked = PASSWORD_MASK
    return Redacted(masked, tuple(kinds))


# After these entries, a bare password-like message is treated as a password.
PASSWORD_ENTRIES = frozenset(
    {"password-reset", "reset-email-missing", "account-locked", "two-factor-auth"}
)

PASSWORD_WARNING = {
    "en": "Please don't share your password, not even here: I've hidden it, and nobody at "
    "Alpha will ever ask you for it. If someone else might know it, reset it now.",
    "de": "Bitte teile dein Passwort nirgends, auch nicht hier: Ich habe es ausgeblendet, und "
    "niemand bei Alpha wird dich je danach fragen. Falls es jemand kennen könnte, setze es "
    "jetzt zurück.",
    "da": "Del aldrig din adgangskode, heller ikke her: Jeg har skjult den, og ingen hos Alpha "
    "vil nogensinde bede om den. Hvis andre kan kende den, så nulstil den nu.",
}
