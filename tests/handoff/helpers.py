"""Ticket factories for the handoff tests."""

from __future__ import annotations

from typing import Any

from handoff.model import Customer, Message, NewTicket


def new_ticket(**changes: Any) -> NewTicket:
    """A valid new ticket; keyword arguments override fields."""
    fields: dict = dict(
        conversation_id="conv-1",
        channel="rest",
        customer=Customer("conv-1", "Ada"),
        language="en",
        reason="customer_request",
        priority="normal",
        team="account",
        summary="Wants a password reset; the reset e-mail did not arrive.",
        transcript=[
            Message("customer", "I forgot my password", "2026-11-22T10:00:00.000+00:00"),
            Message("bot", "Here is how to reset it ...", "2026-11-22T10:00:01.000+00:00"),
        ],
        intents=[{"text": "I forgot my password", "intent": "faq", "confidence": 0.93}],
        kb_articles_tried=["password-reset"],
        scores={"frustration": 0.1, "complexity": 0.0, "cues": []},
    )
    fields.update(changes)
    return NewTicket(**fields)
