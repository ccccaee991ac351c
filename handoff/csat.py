"""Reading a customer's satisfaction rating (1-5) from what they type or tap."""

from __future__ import annotations

import re
from typing import Optional

# Number words of the rating scale, en/de/da. Not Danish "en"/"et"/"to": they are
# also articles and an English preposition.
WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5,
    "tre": 3, "fire": 4, "fem": 5,
}  # fmt: skip
_DIGIT = re.compile(r"^\D{0,20}?\b([1-5])\b(?:\s*(?:/|of|von|af|ud af)\s*5)?\D{0,30}$", re.I)
_STARS = re.compile(r"^\s*([★⭐]{1,5})\s*$")


def parse_rating(text: str) -> Optional[int]:
    """1-5 from "4", "4/5", "5 stars", "vier", "fem", "★★★"; None when it is not a rating."""
    text = text.strip()
    if not text or len(text) > 60:
        return None
    stars = _STARS.match(text)
    if stars:
        return len(stars.group(1))
    digits = re.findall(r"\d+", text)
    if len(digits) == 1 or (len(digits) == 2 and digits[1] == "5"):
        match = _DIGIT.match(text)
        return int(match.group(1)) if match else None
    if digits:
        return None
    words = re.findall(r"[^\W\d_]+", text.lower())
    numbers = [WORDS[w] for w in words if w in WORDS]
    if len(numbers) == 1 and len(words) <= 4:
        return numbers[0]
    return None
