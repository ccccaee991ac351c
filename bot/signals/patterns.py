"""Language-independent cues: shouting, "!!!", error codes, stack traces, logs, paths, versions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Pattern, Tuple

# (name, label, weight, regex). Technical cues; each fires at most once per message.
_TECHNICAL: Tuple[Tuple[str, str, float, Pattern[str]], ...] = (
    (
        "stack_trace",
        "stack trace",
        0.9,
        re.compile(
            r"Traceback \(most recent call last\)"
            r"|^\s*at [\w$.<>]+\([\w$]+\.(?:java|kt|scala|groovy)(?::\d+)?\)"
            r"|File \"[^\"]+\", line \d+"
            r"|\b\w+\.(?:swift|kt|m|mm|cpp|cs|js|ts):\d+\b"
            r"|Exception in thread \"|^\s*\d+\s+\S+\s+0x[0-9a-f]{6,}",
            re.MULTILINE,
        ),
    ),
    (
        "exception",
        "exception name",
        0.6,
        re.compile(
            r"\b[A-Z][A-Za-z0-9]*(?:Exception|Error|Fault)\b|\bSIG(?:SEGV|ABRT|KILL)\b"
            r"|\b(?:[a-z][a-z0-9_]*\.){2,}[A-Z]\w+\b"  # qualified class: javax.net.ssl.X
        ),
    ),
    (
        "log_line",
        "log line",
        0.6,
        re.compile(
            r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?"
            r"|\[(?:ERROR|WARN|WARNING|INFO|DEBUG|FATAL|TRACE)\]"
            r"|^\s*(?:ERROR|FATAL|WARN|WARNING|DEBUG)\s*[:|\]-]",
            re.MULTILINE,
        ),
    ),
    (
        "http_status",
        "HTTP status code",
        0.5,
        re.compile(
            r"\b(?:HTTP(?:/\d(?:\.\d)?)?|status(?:\s*code)?|statuscode|returns?|returned|got|gives?|"
            r"response|responds?|responded|antwort|svar)\s*(?:with\s*)?[:=]?\s*[1-5]\d\d\b"
            r"|\b[45]\d\d\s*(?:error|errors|fehler|fejl|bad request|unauthori[sz]ed|forbidden|"
            r"not found|internal server error|bad gateway|service unavailable|gateway time-?out|"
            r"too many requests|unprocessable entity|conflict|method not allowed|payload too large|"
            r"precondition failed|gone|not implemented)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "error_code",
        "error code",
        0.5,
        re.compile(
            r"\b(?:error|err|fehler|fejl|code|kode|fehlercode|fejlkode|errorcode)\s*(?:code|kode)?"
            r"\s*[:#=]?\s*[A-Z]{0,4}[-_]?\d{2,}\b"
            r"|\b(?:E|ERR|ERROR|AX|ALPHA)[-_]\d{2,6}\b|\b0x[0-9a-fA-F]{4,}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "error_code",
        "error code",
        0.5,
        # case-sensitive: ERR_CONNECTION_RESET, OR_BIBED_06, E1042
        re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b|\b[A-Z]{1,2}\d{3,5}\b"),
    ),
    (
        "file_path",
        "file path",
        0.4,
        re.compile(
            r"(?:^|\s)(?:[A-Za-z]:\\|~?/)(?:[\w.-]+[/\\]){1,}[\w.-]+"
            r"|\b[\w-]+\.(?:py|js|ts|java|kt|swift|log|json|xml|ya?ml|apk|ipa|aab|dll|so|jar|har|"
            r"plist|gradle|sh|ini|cfg|conf|env)\b"
        ),
    ),
    (
        "version",
        "version number",
        0.2,
        re.compile(
            r"\b(?:v|version|ver\.?|ios|ipados|android|app|build|chrome|firefox|safari)\s*"
            r"\d+(?:\.\d+){1,3}\b|\b\d+\.\d+\.\d+\b",
            re.IGNORECASE,
        ),
    ),
)

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_REPEATED_MARKS = re.compile(r"[!?¡¿]{3,}|(?:[!?]\s*){2,}[!?]|\?!|!\?")
_WORD = re.compile(r"[^\W\d_]+")
_CODEISH = re.compile(r"[_/\\.:()\[\]{}=<>#0-9]")
# all-caps words that are technical terms, not shouting
TECH_CAPS = frozenset(
    "HTTP HTTPS ERROR WARN WARNING INFO DEBUG FATAL TRACE JSON HTML POST PATCH DELETE HEAD "
    "OAUTH CORS UUID NULL TRUE FALSE NONE ASCII YAML HMAC CSRF SAML SMTP IMAP DNS CRASH "
    "IOS IPHONE IPAD ANDROID WIFI WLAN MITID NEMID IBAN SEPA".split()
)


@dataclass(frozen=True)
class PatternCue:
    """A language-independent cue that fired."""

    name: str
    label: str
    weight: float
    evidence: str


def technical_cues(text: str) -> List[PatternCue]:
    """Error codes, HTTP statuses, stack traces, exceptions, log lines, paths and versions."""
    plain = _URL.sub(" ", text)
    cues = []
    for name, label, weight, pattern in _TECHNICAL:
        found = {m.group(0).strip()[:60] for m in pattern.finditer(plain)}
        for evidence in sorted(found)[:3]:  # distinct matches; the scorer discounts repeats
            cues.append(PatternCue(name, label, weight, evidence))
    return cues


def shouting(text: str) -> Optional[PatternCue]:
    """Shouting in capitals: several all-caps words, or a message mostly in capitals.

    Words with digits, underscores, dots or slashes (codes, paths) and short
    acronyms (DHL, PDF, iOS) do not count.
    """
    words = [
        w
        for token in _URL.sub(" ", text).split()
        if not _CODEISH.search(token.strip(".,;:!?\"'()"))
        for w in _WORD.findall(token)
    ]
    caps = [w for w in words if len(w) >= 4 and w.isupper() and w not in TECH_CAPS]
    letters = sum(len(w) for w in words)
    upper = sum(len(w) for w in words if w.isupper())
    if len(caps) >= 2 or (letters >= 12 and upper / letters >= 0.7 and len(caps) >= 1):
        # the more of the message is shouted, the stronger: 0.35 for two words, up to 0.6
        weight = min(0.6, 0.35 + 0.05 * (len(caps) - 2) + (0.1 if upper / letters >= 0.7 else 0))
        return PatternCue("shouting", "shouting in capitals", weight, " ".join(caps[:4]))
    return None


def repeated_marks(text: str) -> Optional[PatternCue]:
    """Repeated "!!!" or "???" (or "?!")."""
    matches = _REPEATED_MARKS.findall(text)
    if matches:
        # on its own enough to hand over ("where is my money?!"), unless the message is
        # polite or pleased ("thanks so much!!!": see detector._combine); twice is stronger
        weight = min(0.6, 0.4 + 0.1 * (len(matches) - 1))
        return PatternCue("punctuation", 'repeated "!!!" or "???"', weight, matches[0])
    return None


def word_count(text: str) -> int:
    """Number of words (letters only) in ``text``."""
    return len(_WORD.findall(text))


_STEP = re.compile(
    r"\b(?:step|schritt|trin)\s*(\d{1,2})\s*[:.)-]|^\s*(\d{1,2})[.)]\s+\S",
    re.IGNORECASE | re.MULTILINE,
)


def numbered_steps(text: str) -> int:
    """Distinct numbered steps in ``text`` ("Step 1:", "Schritt 2:", "Trin 3:", "1. ...")."""
    return len({a or b for a, b in _STEP.findall(text)})


def sentence_count(text: str) -> int:
    """Rough number of sentences or lines in ``text``."""
    return len([s for s in re.split(r"[.!?\n]+", text) if len(_WORD.findall(s)) >= 3])
