"""Which team gets a handoff, and how urgent it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from handoff.config import HandoffConfig
from handoff.model import PRIORITIES, TEAMS

# Each reason's starting priority; the frustration score and the stakes raise it.
BASE_PRIORITY = {
    "security": "urgent",
    "frustration": "high",
    "technical_complexity": "normal",
    "customer_request": "normal",
    "not_understood": "normal",
    "answer_not_helpful": "normal",
}
# Security reports go to the team that owns what is at risk.
SECURITY_TEAMS = {"security_account": "account", "security_payment": "billing"}


@dataclass(frozen=True)
class Topic:
    """What the conversation is about, as far as the bot can tell."""

    entries: Sequence[str] = ()  # knowledge-base entry ids, most relevant first
    entry_teams: Sequence[str] = ()  # their teams, in the same order
    intent: Optional[str] = None  # the intent that triggered the handoff


def choose_team(reason: str, topic: Topic, suggested: Optional[str] = None) -> str:
    """Technical problems go to ``technical``, security by what is at risk, else by topic."""
    if reason == "technical_complexity":
        return "technical"
    if reason == "security":
        return SECURITY_TEAMS.get(
            topic.intent or "", suggested if suggested in TEAMS else "account"
        )
    if suggested in TEAMS:
        return str(suggested)
    for team in topic.entry_teams:
        if team in TEAMS:
            return team
    return "general"


def at_stake(entries: Iterable[str], config: HandoffConfig) -> Optional[str]:
    """``money`` or ``access`` when a topic puts it at stake, else None."""
    for entry in entries:
        if entry in config.access_at_stake:
            return "access"
        if entry in config.money_at_stake:
            return "money"
    return None


def choose_priority(
    reason: str,
    frustration: float,
    stakes: Optional[str],
    frustration_threshold: float,
    urgent_at: float,
) -> str:
    """The reason's base priority, raised by frustration and by money or access at stake."""
    rank = PRIORITIES.index(BASE_PRIORITY[reason])
    if stakes is not None or frustration >= frustration_threshold:
        rank = max(rank, PRIORITIES.index("high"))
    if frustration >= urgent_at:
        rank = PRIORITIES.index("urgent")
    return PRIORITIES[rank]
