"""Masking secrets customers type before the text is stored or logged anywhere.

MASKS: each kind :func:`redact` finds, what it takes for that kind, and the mask.

- ``password``: an explicit password ("my password is X", "Passwort: X", "min adgangskode
  er X", "pw=X", a quoted passphrase), or a bare password-like message ("Hunter2!") while
  the bot is in a sign-in flow (``password_context``). Mask: ``[password]``.
- ``card``: a payment card number of 13-19 digits, written solid or grouped by single
  spaces or dashes, that passes the Luhn check. Mask: ``[card ending 1111]``; the last
  four digits stay so an agent can still refer to the card. A card security code named
  as such ("CVV 123", "Prüfnummer 123", "kontrolcifre 123") is kind ``card`` too, with
  the mask ``[card code]``.
- ``iban``: an IBAN, with or without single spaces, in any case, whose length fits its
  country (15-34 characters for a country not in ``IBAN_LENGTHS``) and whose ISO 13616
  mod-97 check passes. Mask: ``[IBAN DE ending 3000]``: the country code and the last
  four characters.
- ``otp``: a one-time code, TAN or PIN of 4-8 digits ("483920", "123 456", "55 12 90")
  that the message itself calls a code ("my code is ...", "Bestätigungscode: ...",
  "koden er ...", "483920 is my code"), or that is the whole message while the bot is
  asking for a code (``code_context``). Mask: ``[code]``.

Numbers that are not secrets stay: Luhn-invalid or mod-97-invalid numbers, phone numbers,
dates, times, amounts, and numbers a customer names as something else ("order 12345678",
"8000 Aarhus", "in 2024", "1234 kr", "zip code 10115", "error code 5003").
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from typing import Dict, Iterator, List, Optional, Tuple

PASSWORD_MASK = "[password]"
CARD_MASK = "[card ending {last4}]"
CARD_CODE_MASK = "[card code]"
IBAN_MASK = "[IBAN {country} ending {last4}]"
OTP_MASK = "[code]"

# Kind -> mask (templates for card and IBAN; the module docstring says what fills them).
MASKS: Dict[str, str] = {
    "password": PASSWORD_MASK,
    "card": CARD_MASK,
    "iban": IBAN_MASK,
    "otp": OTP_MASK,
}
KINDS: Tuple[str, ...] = tuple(MASKS)

# A finding: start, end, kind, mask.
_Finding = Tuple[int, int, str, str]
# When two findings overlap, the one with the stricter check wins.
_PRIORITY = {"iban": 0, "card": 1, "password": 2, "otp": 3}

_ANY_DIGIT = re.compile(r"\d")
# A run of digits, with single spaces or dashes between groups: "4111 1111 1111 1111"
# (also no-break and thin spaces, as text copied from a banking app or a PDF may have).
_SPACES = " \u00a0\u2009\u202f"
_RUN = re.compile(rf"\d+(?:[{_SPACES}-]\d+)*")


def _lower(text: str) -> str:
    """``text`` in lower case, offset for offset (the patterns below are lower case)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)  # "İ"


# --- passwords ----------------------------------------------------------------------------

# "my password is X", "Passwort: X", "min kodeord er X", "pw=X", "new password X".
_PASSWORD_WORDS = (
    r"pass(?:word|wort|phrase|code)?|passwd|pwd?|kennwort|adgangskoden?|kodeord(?:et)?"
    r"|passwordet|koden?|log[- ]?in[- ]?code"
)
# Words that name a code rather than a password: a 4-8 digit secret after them is an OTP.
_CODE_LIKE_PASSWORD_WORDS = {"passcode", "kode", "koden", "logincode", "onetimepassword"}
_ONE_TIME = re.compile(r"(?:one[- ]?time|einmal|engangs)[- ]?$")
# Words with other common senses ("season pass", "koden er kommet"): after a verb, the
# secret must have a digit or look like a password.
_WEAK_PASSWORD_WORDS = {"pass", "koden"}
_VERBS = "is|was|ist|war|lautet|er|var|lyder"
_QUOTED = r"\"[^\"\n]{1,128}\"|„[^“”\"\n]{1,128}[“”\"]|“[^”\"\n]{1,128}[”\"]|«[^»\n]{1,128}»"
# Matched against the lower-cased text. Every optional part of the separator starts with
# its own word or symbol, so a long run of spaces cannot make the pattern backtrack badly.
_EXPLICIT = re.compile(
    rf"(?<![\w-])(?P<word>{_PASSWORD_WORDS})(?![\w-])"
    r"(?P<sep>"
    r"(?:\s*(?P<genitive>'s|’s)(?!\w))?"
    # "password for my account is X", "Passwort für das Konto ist X", "kode til netbank er X"
    rf"(?:\s+(?:for|für|til|to|on|at|bei|hos|på|zu|zum|zur|of|von|af)(?:\s+\S+){{1,3}}"
    rf"(?=\s+(?:{_VERBS})(?!\w)))?"
    rf"(?:\s+(?P<verb>{_VERBS})(?!\w))?"
    r"(?:\s+(?P<adverb>now|jetzt|nu|just|nur|bare|still|noch|stadig|currently|aktuell)(?!\w))?"
    r"(?:\s*(?P<punct>[:=]|->|→))?"
    r"\s*)"
    rf"(?P<secret>{_QUOTED}|\S{{3,128}})"
)
# Words that follow "password is/ist/er" without being a password.
_NOT_SECRETS = {
    # en
    "not", "wrong", "incorrect", "invalid", "expired", "forgotten", "lost", "gone", "correct",
    "right", "ok", "okay", "fine", "too", "very", "still", "already", "the", "a", "an", "my",
    "your", "being", "rejected", "reset", "changed", "working", "accepted", "no", "yes",
    "for", "of", "and", "but", "to", "in", "on", "at", "by", "with", "from", "as", "or",
    "if", "when", "because", "since", "that", "this", "it", "so", "always", "never", "weak",
    "strong", "long", "short", "blocked", "locked", "forgot", "forget", "about", "case",
    "case-sensitive", "same", "different", "expiring", "required", "needed", "also",
    "supposed", "saved", "stored", "sent", "what", "like", "similar", "isn't", "wasn't",
    "somehow", "probably", "definitely", "actually", "really", "known", "unknown",
    "compromised", "hacked", "stolen", "leaked", "missing", "empty", "blank", "mandatory",
    "set", "is", "was", "has", "have", "had", "does", "doesn't", "didn't", "won't", "can't",
    "cannot", "should", "must", "will", "would", "could", "i", "me", "our", "their", "his",
    "her", "its", "there", "here", "something", "anything", "nothing", "some", "any", "all",
    "only", "just", "new", "old", "hidden", "secret", "safe", "secure", "insecure", "please",
    "help", "problem", "issue", "error", "field", "box", "link", "email", "e-mail", "mail",
    "sms", "manager", "requirements", "rules", "policy", "change", "update", "recovery",
    "expires", "received", "now", "again", "anymore", "broken", "unsafe",
    # de
    "nicht", "falsch", "ungültig", "abgelaufen", "richtig", "zu", "sehr", "noch", "schon",
    "der", "die", "das", "mein", "meins", "dein", "kein", "keine", "geändert", "zurückgesetzt",
    "weg", "gesperrt", "und", "aber", "für", "von", "immer", "nie", "korrekt", "vergessen",
    "ist", "war", "auch", "nur", "irgendwie", "wohl", "bestimmt", "eigentlich", "wirklich",
    "bekannt", "unbekannt", "gehackt", "gestohlen", "leer", "erforderlich", "gleich",
    "anders", "dasselbe", "gespeichert", "gesendet", "ein", "eine", "einen", "kaputt", "mir",
    "mich", "ich", "es", "wie", "wenn", "weil", "oder", "bitte", "hilfe", "fehler",
    "feld", "sicher", "unsicher", "neu", "alt", "geheim", "gültig", "im", "bei", "mit",
    "auf", "hier", "da", "dort", "jetzt", "wieder", "zurück",
    # da
    "ikke", "forkert", "ugyldig", "udløbet", "rigtig", "rigtigt", "meget", "stadig",
    "allerede", "min", "din", "dit", "ingen", "ændret", "nulstillet", "glemt", "væk",
    "spærret", "låst", "og", "men", "til", "af", "altid", "aldrig", "også", "kun", "vist",
    "nok", "sikkert", "egentlig", "virkelig", "kendt", "ukendt", "hacket", "stjålet", "tom",
    "påkrævet", "samme", "anderledes", "gemt", "sendt", "kommet", "modtaget", "blevet", "en",
    "et", "den", "det", "de", "jeg", "mig", "hvad", "hvis", "fordi", "eller", "som", "hjælp",
    "fejl", "feltet", "linket", "sikker", "usikker", "ny", "nyt", "gammel", "hemmelig",
    "gyldig", "på", "med", "nu", "igen", "brugt", "lækket", "kompromitteret", "blokeret",
    "skiftet", "opdateret", "geleakt", "kompromittiert", "blockiert", "gewechselt",
    "aktualisiert", "updated",
}  # fmt: skip
_TRAILING = ".,;:!?)]}…\"'“”„»«"
# Emoji and pictographs a message may end with ("thanks👍").
_TRAILING_EMOJI = re.compile(r"[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d]+$")
_PASSWORD_SYMBOL = re.compile(r"[^\w\s'’\-]|[\d_]")
_LOOKS_LIKE_NUMBER = re.compile(r"^[#\s]*[\d\s\-/.,:]+$")
_LOOKS_LIKE_DOMAIN = re.compile(r"^(?:[^\W\d_]|-)+(?:\.(?:[^\W\d_]|-)+)*\.[a-z]{2,6}$", re.I)


def _strip_trailing(token: str) -> str:
    return _TRAILING_EMOJI.sub("", token).rstrip(_TRAILING)


def _looks_like_password(token: str) -> bool:
    """One word of letters with a digit or symbol ("Hunter2!"); not "Thanks!" or "e-mail"."""
    word = _strip_trailing(token.strip())
    return (
        6 <= len(word) <= 64
        and not any(c.isspace() or c in "@/" for c in word)
        and any(c.isalpha() for c in word)
        and _PASSWORD_SYMBOL.search(word) is not None
        and not _LOOKS_LIKE_NUMBER.match(word)
        and not _LOOKS_LIKE_DOMAIN.match(word)
    )


def _passwords(text: str, lowered: str) -> Iterator[_Finding]:
    for match in _EXPLICIT.finditer(lowered):
        if not match.group("sep"):
            continue  # "password!!!": the secret must be set apart from the word
        word = match.group("word").replace("-", "").replace(" ", "")
        if _ONE_TIME.search(lowered, max(0, match.start() - 12), match.start()):
            word = "onetimepassword"  # "one-time password: 483920", "Einmal-Passwort"
        start, end = match.span("secret")
        secret = text[start:end]
        quoted = secret[0] in '"„“«' and len(secret) > 2 and secret[-1] in '"“”»'
        core = (secret[1:-1].strip() if quoted else _strip_trailing(secret)).lower()
        core = core.strip("\"'„“”«»‘’")
        if core in _NOT_SECRETS or len(core) < (1 if quoted else 3):
            continue
        if not quoted and _RUN.fullmatch(core):
            # "min kode er 123 456": the whole group of digits is the secret.
            run = _RUN.match(text, start)
            if run:
                end = max(end, run.end())
                digits = re.sub(r"\D", "", text[start:end])
                if word in _CODE_LIKE_PASSWORD_WORDS and 4 <= len(digits) <= 8:
                    yield start, end, "otp", OTP_MASK
                    continue
        strong = quoted or match.group("punct")
        linked = match.group("verb") or match.group("genitive") or match.group("adverb")
        password_like = _looks_like_password(secret)
        if strong or (
            linked
            and (word not in _WEAK_PASSWORD_WORDS or password_like or _ANY_DIGIT.search(core))
        ):
            yield start, end, "password", PASSWORD_MASK
        elif password_like:
            yield start, end, "password", PASSWORD_MASK  # "new password Hunter2!"


# --- numbers ------------------------------------------------------------------------------

_GROUP = re.compile(r"\d+")
_Run = Tuple[int, int]


def _free_start(text: str, start: int, glue: str = "+#$€£¥%") -> bool:
    """Nothing glued before the digits: no word, phone "+", "#", price, date or time."""
    before = text[start - 1] if start > 0 else " "
    if before.isalnum() or before == "_" or before in glue:
        return False
    previous = text[start - 2] if start > 1 else " "
    return not (before in ".,/" and previous.isalnum() or before == ":" and previous.isdigit())


def _free_end(text: str, end: int) -> bool:
    """Nothing glued after the digits: no word, unit, decimals, date or time."""
    after = text[end] if end < len(text) else " "
    if after.isalnum() or after == "_" or after in "€$£%°":
        return False
    following = text[end + 1] if end + 1 < len(text) else " "
    return not (after in ".,/" and following.isalnum() or after == ":" and following.isdigit())


def _groups(text: str, run: _Run) -> List[_Run]:
    return [m.span() for m in _GROUP.finditer(text, run[0], run[1])]


# --- cards --------------------------------------------------------------------------------


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _cards(text: str, runs: List[_Run]) -> Iterator[_Finding]:
    """Luhn-valid 13-19 digits: one solid group, or groups of 3-8 digits ("4-6-5" Amex)."""
    for run in runs:
        if run[1] - run[0] < 13 or not _free_start(text, run[0], glue="+"):
            continue
        groups = _groups(text, run)
        i = 0
        while i < len(groups):
            found = None
            digits = ""
            sizes = []
            for j in range(i, len(groups)):
                sizes.append(groups[j][1] - groups[j][0])
                if j > i and not all(3 <= size <= 8 for size in sizes):
                    # Card-like grouping only (not dates or phone numbers), but typed by
                    # fours a card may end in a short group: "3056 9309 0259 04".
                    if not (sizes[-1] <= 2 and len(sizes) >= 4 and set(sizes[:-1]) == {4}):
                        break
                digits += text[groups[j][0] : groups[j][1]]
                if len(digits) > 19:
                    break
                free = j + 1 < len(groups) or _free_end(text, groups[j][1])
                if len(digits) >= 13 and free and _luhn(digits):
                    found = (j, digits)
            if found is None:
                i += 1
                continue
            j, digits = found
            yield groups[i][0], groups[j][1], "card", CARD_MASK.format(last4=digits[-4:])
            i = j + 1


# "CVV 123", "Kartenprüfnummer: 1234", "kontrolcifre 123" (matched lower case).
_CARD_CODE_HINTS = ("cv", "csc", "card verification", "prüf", "kontrolcifre")
_CARD_CODE = re.compile(
    r"(?<![\w-])(?:cvv2?|cvc2?|cvn|csc|card verification (?:code|value|number)"
    r"|(?:karten)?prüfnummer|prüfziffern?|kontrolcifre(?:ne)?)(?!\w)"
    r"(?:\s*(?:is|ist|er|lautet|:|=)?\s*)(?P<code>\d{3,4})"
)


def _card_codes(text: str, lowered: str) -> Iterator[_Finding]:
    if not any(hint in lowered for hint in _CARD_CODE_HINTS):
        return
    for match in _CARD_CODE.finditer(lowered):
        start, end = match.span("code")
        if _free_start(text, start) and _free_end(text, end):
            yield start, end, "card", CARD_CODE_MASK


# --- one-time codes -----------------------------------------------------------------------

# Every code word below contains one of these (a cheap test before the pattern).
_CODE_HINTS = ("code", "kode", "pin", "tan", "otp", "2fa", "mfa", "mitid", "nemid", "passw")
_CODE_WORDS = re.compile(
    r"(?<![\w-])(?:"
    r"one[- ]?time[- ]?(?:pass)?(?:code|password|pin|kode)s?"
    r"|(?:two|2)[- ]?(?:factor|step)(?:[- ]auth(?:entication)?)?[- ]?(?:code|kode)n?"
    r"|(?:verification|verify|security|sms|text|auth|authentication|authenticator|access"
    r"|confirmation|activation|log[- ]?in|sign[- ]?in|2fa|mfa|otp|tan|pin|app|e-?mail|mitid"
    r"|nemid|reset|recovery)[- ]?(?:codes?|koden?|koder)"
    r"|pin[- ]?(?:number|nummer)|otp|2fa|mfa|m?tan|pushtan|push-tan|sms-tan|pins?|passcode"
    r"|codes?|koden?|koder"
    r"|bestätigungscode|sicherheitscode|einmal-?code|einmal-?passwort|verifizierungscode"
    r"|verifikationscode|authentifizierungscode|zugangscode|anmeldecode|freigabecode"
    r"|aktivierungscode|engangskode[nr]?|bekræftelseskode[nr]?|sikkerhedskode[nr]?"
    r"|pinkode[nr]?|verifikationskode[nr]?|aktiveringskode[nr]?|mitid|nemid"
    r")(?!\w)"
)
# "zip code 10115", "error code 5003", "Rabatt-Code": codes that are not secrets.
_NOT_CODE_PREFIXES = {
    "zip", "post", "postal", "area", "country", "dialling", "dialing", "calling", "error",
    "err", "status", "exit", "response", "http", "discount", "promo", "promotional",
    "coupon", "voucher", "gift", "referral", "invite", "invitation", "product", "item",
    "article", "tracking", "reference", "ref", "booking", "order", "invoice", "customer",
    "client", "qr", "bar", "source", "tax", "vat", "sort", "bank", "swift", "bic", "iban",
    "colour", "color", "dress", "campaign", "rabatt", "gutschein", "aktions", "fehler",
    "kunden", "rabat", "fejl", "kampagne", "gavekort", "tilbuds", "produkt", "vare",
}  # fmt: skip
# A number after one of these words names something else ("code for order 12345678").
_NUMBER_NOUNS = {
    "order", "orders", "ordered", "ordre", "ordren", "ordrenummer", "bestellung",
    "bestellnummer", "bestellt", "auftrag", "auftragsnummer", "invoice", "rechnung",
    "rechnungsnummer", "faktura", "fakturanummer", "tracking", "sendung", "sendungsnummer",
    "pakke", "pakken", "pakkenummer", "parcel", "package", "paket", "kundennummer",
    "kundenummer", "customer", "kontonummer", "ticket", "case", "sag", "sagsnummer",
    "reference", "ref", "referenz", "referencenummer", "nr", "no", "number", "nummer", "id",
    "postcode", "zip", "plz", "postleitzahl", "postnummer", "address", "adresse", "phone",
    "tel", "telefon", "telefonnummer", "mobile", "mobil", "handy", "mobilnummer",
    "handynummer", "page", "seite", "side", "artikel", "article", "item", "product",
    "produkt", "vare", "varenummer", "serial", "seriennummer", "serienummer", "model",
    "modell", "price", "preis", "pris", "total", "amount", "betrag", "beløb", "year", "jahr",
    "room", "zimmer", "værelse",
    # "card ending 4242": the last digits of a card are no secret
    "ending", "endet", "endend", "ender", "slutter",
}  # fmt: skip
# A number right after one of these is a time, a year, a place or a phone number.
_NUMBER_PREPOSITIONS = {
    "in", "im", "i", "since", "seit", "siden", "until", "bis", "til", "before", "vor", "før",
    "after", "nach", "efter", "from", "von", "fra", "at", "um", "kl", "klokken", "to", "an",
    "on", "am", "ca", "circa", "about", "etwa", "omkring", "over", "under", "than",
    "als", "end", "call", "ring", "ruf", "anrufen", "år", "for", "für",
}  # fmt: skip
# A word right after the number that makes it an amount, a quantity or a duration.
_UNITS = {
    "kr", "dkk", "eur", "euro", "euros", "usd", "dollar", "dollars", "chf", "sek", "nok",
    "gbp", "pounds", "kroner", "kronen", "stk", "stück", "pcs", "pieces", "items", "times",
    "mal", "gange", "days", "tage", "dage", "weeks", "wochen", "uger", "months", "monate",
    "måneder", "minutes", "min", "minuten", "minutter", "hours", "stunden", "timer",
    "seconds", "sekunden", "sekunder", "years", "jahre", "år", "km", "m", "kg", "g", "gb",
    "mb", "tb", "mbit", "ml", "l", "cm", "mm", "points", "punkte", "point",
}  # fmt: skip
# Words allowed between a number and the code word after it ("483920 is my code").
_LINK_WORDS = {
    "is", "was", "ist", "war", "er", "var", "my", "the", "your", "that's", "thats", "it's",
    "mein", "meine", "meinen", "dein", "deine", "der", "die", "das", "den", "min", "mit",
    "din", "dit", "its", "this", "dies", "det", "lautet",
}  # fmt: skip
# Skipped when looking for the word right before a number ("for the 2024 sale").
_DETERMINERS = {
    "the", "a", "an", "der", "die", "das", "den", "dem", "ein", "eine", "det", "en", "et",
}  # fmt: skip
_MAX_GAP = 5  # words or numbers between a code word and its code
_MAX_GAP_CHARS = 80
_MAX_LINK_CHARS = 40
# Words, numbers and sentence stops: what lies between a code word and a number.
_GAP_TOKENS = re.compile(r"(\d+)|([^\W\d_]+(?:['’-][^\W\d_]+)*)|([.!?;\n]+)")
_LAST_WORD = re.compile(r"([^\W\d_]+)[\s-]*$")
_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")
_SYMBOL_AFTER = re.compile(r"\s*[€$£%]")
_CLOSING = _TRAILING + "'‘’ \t\r\n"


def _code_span(text: str, run: _Run) -> Optional[_Run]:
    """Where a 4-8 digit code is in a run: "483920", "123 456", "55 12 90", "123-456".

    Groups of one size (2-4 digits) only, so a date ("2024-01-15") is never a code.
    """
    if not _free_start(text, run[0]):
        return None
    groups = _groups(text, run)
    sizes = [end - start for start, end in groups]
    if 4 <= sum(sizes) <= 8 and (len(sizes) == 1 or (len(set(sizes)) == 1 and sizes[0] >= 2)):
        span = run
    elif len(sizes) == 2 and 4 <= sizes[0] <= 8 and sizes[1] <= 2:
        span = groups[0]  # "Code 4711 2 mal eingegeben"
    else:
        return None
    if not _free_end(text, span[1]) or _SYMBOL_AFTER.match(text, span[1]):
        return None
    unit = _NEXT_WORD.match(text, span[1])
    if unit and unit.group(1).lower() in _UNITS:
        return None  # "1234 kr", "2000 times"
    return span


def _code_words(lowered: str) -> List[_Run]:
    if not any(hint in lowered for hint in _CODE_HINTS):
        return []
    words = []
    for match in _CODE_WORDS.finditer(lowered):
        before = _LAST_WORD.search(lowered, max(0, match.start() - 40), match.start())
        if not before or before.group(1) not in _NOT_CODE_PREFIXES:
            words.append(match.span())
    return words


def _names_a_code(gap: str) -> bool:
    """``gap`` lies between a code word and a number: "", " is ", ", den ich bekam, lautet ".

    At most ``_MAX_GAP`` words; none that names the number as something else ("code for
    order 12345678"); no preposition right before it ("code ... in 2024"); at most one
    sentence stop ("I got the code. It is 483920").
    """
    if len(gap) > _MAX_GAP_CHARS:
        return False
    tokens = _GAP_TOKENS.findall(gap.lower())
    stops = sum(1 for *_, stop in tokens if stop)
    words = [word for _, word, _ in tokens if word]
    if len(tokens) - stops > _MAX_GAP or stops > 1 or any(w in _NUMBER_NOUNS for w in words):
        return False
    for _, word, _ in reversed(tokens):  # the token right before, past "the", "der", "en"
        if word not in _DETERMINERS:
            return word not in _NUMBER_PREPOSITIONS
    return True


def _links_to_a_code(gap: str) -> bool:
    """``gap`` lies between a number and a code word after it: " is my ", " er ", ", "."""
    if len(gap) > _MAX_LINK_CHARS:
        return False
    tokens = _GAP_TOKENS.findall(gap.lower())
    return len(tokens) <= 3 and all(word.replace("’", "'") in _LINK_WORDS for _, word, _ in tokens)


def _otps(text: str, lowered: str, runs: List[_Run], code_context: bool) -> Iterator[_Finding]:
    spans = [span for span in map(lambda run: _code_span(text, run), runs) if span]
    if not spans:
        return
    if code_context and len(spans) == 1:
        whole = text.strip(_CLOSING).lstrip("\"'„“«‘")
        if whole == text[spans[0][0] : spans[0][1]]:
            yield spans[0][0], spans[0][1], "otp", OTP_MASK  # the whole message: "483920"
            return
    words = _code_words(lowered)
    word_starts = [start for start, _ in words]
    word_ends = [end for _, end in words]
    for start, end in spans:
        # Only code words near enough to count: ending just before, or starting just after.
        first = bisect.bisect_left(word_ends, start - _MAX_GAP_CHARS)
        last = bisect.bisect_right(word_ends, start)
        before = any(_names_a_code(text[word_ends[i] : start]) for i in range(first, last))
        first = bisect.bisect_left(word_starts, end)
        last = bisect.bisect_right(word_starts, end + _MAX_LINK_CHARS)
        after = any(_links_to_a_code(text[end : word_starts[i]]) for i in range(first, last))
        if before or after:
            yield start, end, "otp", OTP_MASK


# --- IBANs --------------------------------------------------------------------------------

# ISO 13616 lengths from the SWIFT IBAN registry.
IBAN_LENGTHS: Dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
# Where an IBAN may start, and the longest stretch that may be one (matched lower case).
_IBAN_START = re.compile(r"(?<!\w)[a-z]{2}\d{2}")
_IBAN_STRETCH = re.compile(rf"[a-z]{{2}}\d{{2}}(?:[{_SPACES}]?[a-z0-9]){{11,30}}")
_IBAN_GAP = re.compile(rf"[{_SPACES}]")


def _iban_valid(chars: str) -> bool:
    """ISO 13616: check digits 02-98, and the rearranged number mod 97 is 1."""
    if not 2 <= int(chars[2:4]) <= 98:
        return False
    rearranged = chars[4:] + chars[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _ibans(text: str, lowered: str) -> Iterator[_Finding]:
    taken = 0
    for start in (m.start() for m in _IBAN_START.finditer(lowered)):
        if start < taken:
            continue
        stretch = _IBAN_STRETCH.match(lowered, start)
        if not stretch:
            continue
        # Where groups end, by count of characters: an IBAN must end at one.
        ends: Dict[int, int] = {}
        count, position = 0, start
        for group in _IBAN_GAP.split(stretch.group()):
            count += len(group)
            position += len(group)
            ends[count] = position
            position += 1
        last = stretch.end()
        if last < len(text) and text[last].isascii() and text[last].isalnum():
            del ends[count]  # the stretch stopped inside a word
        compact = _IBAN_GAP.sub("", stretch.group()).upper()
        country = compact[:2]
        known = IBAN_LENGTHS.get(country)
        lengths = [known] if known else sorted((n for n in ends if n >= 15), reverse=True)
        for length in lengths:
            if length in ends and _iban_valid(compact[:length]):
                taken = ends[length]
                mask = IBAN_MASK.format(country=country, last4=compact[length - 4 : length])
                yield start, taken, "iban", mask
                break


# --- the API ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Redacted:
    """Text with secrets masked, and what kinds were masked."""

    text: str
    kinds: Tuple[str, ...] = ()


def redact(text: str, password_context: bool = False, code_context: bool = False) -> Redacted:
    """Mask passwords, card numbers, IBANs and one-time codes in a customer's message.

    ``password_context``: the bot is in a sign-in or password flow, so a bare
    password-like message ("Hunter2!") is masked too.
    ``code_context``: the bot just asked for or talked about a code, so a message that is
    only a 4-8 digit number ("483920", "123 456") is masked as a one-time code.

    ``kinds`` has each kind found once, in the order of their first place in the text.
    """
    lowered = _lower(text)
    found: List[_Finding] = list(_passwords(text, lowered))
    if _ANY_DIGIT.search(text):
        runs = [m.span() for m in _RUN.finditer(text)]
        found += _ibans(text, lowered)
        found += _cards(text, runs)
        found += _card_codes(text, lowered)
        found += _otps(text, lowered, runs, code_context)
    # Overlaps: the finding with the stricter check wins (see _PRIORITY).
    kept: List[_Finding] = []
    for finding in sorted(found, key=lambda f: (_PRIORITY[f[2]], f[0])):
        at = bisect.bisect_left(kept, finding)
        if (at == 0 or kept[at - 1][1] <= finding[0]) and (
            at == len(kept) or finding[1] <= kept[at][0]
        ):
            kept.insert(at, finding)
    if not kept:
        if password_context and _looks_like_password(text):
            return Redacted(PASSWORD_MASK, ("password",))
        return Redacted(text)
    pieces: List[str] = []
    kinds: List[str] = []
    position = 0
    for start, end, kind, mask in kept:
        pieces += [text[position:start], mask]
        position = end
        if kind not in kinds:
            kinds.append(kind)
    pieces.append(text[position:])
    return Redacted("".join(pieces), tuple(kinds))


# After these entries, a bare password-like message is treated as a password.
PASSWORD_ENTRIES = frozenset(
    {"password-reset", "reset-email-missing", "account-locked", "two-factor-auth"}
)

# What the bot says after masking, per kind and language.
WARNINGS: Dict[str, Dict[str, str]] = {
    "password": {
        "en": "Please don't share your password, not even here: I've hidden it, and nobody at "
        "Alpha will ever ask you for it. If someone else might know it, reset it now.",
        "de": "Bitte teile dein Passwort nirgends, auch nicht hier: Ich habe es ausgeblendet, "
        "und niemand bei Alpha wird dich je danach fragen. Falls es jemand kennen könnte, "
        "setze es jetzt zurück.",
        "da": "Del aldrig din adgangskode, heller ikke her: Jeg har skjult den, og ingen hos "
        "Alpha vil nogensinde bede om den. Hvis andre kan kende den, så nulstil den nu.",
    },
    "card": {
        "en": "I've hidden that card number to keep it safe. Please never send full card "
        "numbers in chat: Alpha will never ask you for them here.",
        "de": "Ich habe die Kartennummer zu deiner Sicherheit ausgeblendet. Bitte schick "
        "niemals vollständige Kartennummern im Chat: Alpha fragt dich hier nie danach.",
        "da": "Jeg har skjult kortnummeret for en sikkerheds skyld. Send aldrig hele "
        "kortnumre i chatten: Alpha beder dig aldrig om dem her.",
    },
    "iban": {
        "en": "I've hidden your IBAN for your safety, so you don't need to share it here. "
        "Alpha never asks for it in chat; if an agent needs it, they'll send you a secure "
        "form.",
        "de": "Ich habe deine IBAN sicherheitshalber ausgeblendet, du musst sie hier also "
        "nicht teilen. Alpha fragt im Chat nie danach; falls jemand aus dem Team sie braucht, "
        "bekommst du ein sicheres Formular.",
        "da": "Jeg har skjult dit IBAN-nummer for en sikkerheds skyld, så du behøver ikke dele "
        "det her. Alpha beder aldrig om det i chatten; hvis en medarbejder har brug for det, "
        "får du en sikker formular.",
    },
    "otp": {
        "en": "I've hidden that code. Never share one-time codes or PINs with anyone: Alpha "
        "will never ask you for them. If someone asked you for this code, it may be "
        "phishing, so please don't pass it on.",
        "de": "Ich habe den Code ausgeblendet. Teile Einmalcodes oder PINs nie mit anderen: "
        "Alpha wird dich nie danach fragen. Falls dich jemand nach diesem Code gefragt hat, "
        "könnte das Phishing sein, also gib ihn bitte nicht weiter.",
        "da": "Jeg har skjult koden. Del aldrig engangskoder eller pinkoder med nogen: Alpha "
        "vil aldrig bede dig om dem. Hvis nogen har bedt dig om koden, kan det være "
        "phishing, så giv den ikke videre.",
    },
}
PASSWORD_WARNING = WARNINGS["password"]


# --- logs ---------------------------------------------------------------------------------


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in every record it sees; it never drops one.

    Attach it to handlers (see :func:`install_log_redaction`): a filter on a logger does
    not see records propagated from its child loggers. The message (with its arguments
    merged in), a traceback and a stack trace are masked; what :func:`redact` finds in a
    text with no context (explicit passwords, cards, IBANs, codes named as codes).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place and let it through."""
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: log them all, masked
            message = f"{record.msg} {record.args!r}"
            record.msg, record.args = message, ()
        redacted = redact(message)
        if redacted.kinds:
            record.msg = redacted.text
            record.args = ()
        if record.exc_info and not record.exc_text:
            traceback = logging.Formatter().formatException(record.exc_info)
            masked = redact(traceback)
            if masked.kinds:
                record.exc_text = masked.text
        elif record.exc_text:
            record.exc_text = redact(record.exc_text).text
        if record.stack_info:
            record.stack_info = redact(record.stack_info).text
        return True


def install_log_redaction(logger: Optional[logging.Logger] = None) -> None:
    """Add a :class:`RedactingFilter` to each handler of ``logger`` (the root logger).

    Idempotent: a handler that already has one is left as it is. Handlers added later
    need another call.
    """
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
