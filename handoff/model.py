"""The handoff ticket: its fields, allowed values, and the errors of the queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

REASONS = (
    "customer_request",
    "frustration",
    "technical_complexity",
    "not_understood",
    "answer_not_helpful",
    "security",
)
PRIORITIES = ("low", "normal", "high", "urgent")
TEAMS = ("account", "billing", "orders", "technical", "general")
STATUSES = ("waiting", "claimed", "resolved", "returned_to_bot")
OPEN_STATUSES = ("waiting", "claimed")
ROLES = ("customer", "bot", "agent")


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds (the tickets' time format)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class HandoffError(Exception):
    """Base class of the queue's errors."""


class TicketNotFound(HandoffError):
    """No ticket with this id."""


class IllegalTransition(HandoffError):
    """The ticket's status does not allow this step (e.g. replying to a resolved ticket)."""


class AlreadyClaimed(IllegalTransition):
    """Another agent claimed the ticket first."""

    def __init__(self, ticket_id: str, agent: str) -> None:
        super().__init__(f"ticket {ticket_id} is already claimed by {agent}")
        self.agent = agent


class InvalidTicket(HandoffError, ValueError):
    """A ticket field has a value outside the contract."""


@dataclass(frozen=True)
class Message:
    """One line of the transcript."""

    role: str
    text: str
    ts: str

    def to_dict(self) -> Dict[str, Any]:
        """JSON form: ``{role, text, ts}``."""
        return {"role": self.role, "text": self.text, "ts": self.ts}


@dataclass(frozen=True)
class Customer:
    """Who the customer is on their channel."""

    id: str
    name: Optional[str] = None


@dataclass(frozen=True)
class NewTicket:
    """Everything the bot knows when it hands a conversation over."""

    conversation_id: str
    channel: str
    customer: Customer
    language: str
    reason: str
    priority: str
    team: str
    summary: str
    transcript: List[Message] = field(default_factory=list)
    intents: List[Dict[str, Any]] = field(default_factory=list)
    entities: List[Dict[str, Any]] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    kb_articles_tried: List[str] = field(default_factory=list)
    scores: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, allowed in (
            ("reason", REASONS),
            ("priority", PRIORITIES),
            ("team", TEAMS),
        ):
            value = getattr(self, name)
            if value not in allowed:
                raise InvalidTicket(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        if self.language not in ("en", "de", "da"):
            raise InvalidTicket(f"language must be en, de or da, got {self.language!r}")
        if not self.conversation_id:
            raise InvalidTicket("conversation_id is required")


@dataclass(frozen=True)
class Ticket:
    """A handoff ticket as the agents and the API see it (DESIGN.md's contract)."""

    id: str
    conversation_id: str
    channel: str
    customer: Customer
    language: str
    reason: str
    priority: str
    team: str
    status: str
    created: str
    claimed: Optional[str]
    resolved: Optional[str]
    agent: Optional[str]
    summary: str
    transcript: List[Message]
    intents: List[Dict[str, Any]]
    entities: List[Dict[str, Any]]
    slots: Dict[str, Any]
    kb_articles_tried: List[str]
    scores: Dict[str, Any]
    csat: Optional[Dict[str, Any]]
    previous_tickets: List[Dict[str, Any]]
    message_count: int = 0

    @property
    def is_open(self) -> bool:
        """Waiting for or being handled by a person."""
        return self.status in OPEN_STATUSES

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form of the API."""
        data = asdict(self)
        data["customer"] = {"id": self.customer.id, "name": self.customer.name}
        data["transcript"] = [m.to_dict() for m in self.transcript]
        return data

    def queue_item(self) -> Dict[str, Any]:
        """The short JSON form of the queue list (no transcript)."""
        data = self.to_dict()
        for key in ("transcript", "intents", "entities", "slots", "previous_tickets"):
            data.pop(key)
        return data
