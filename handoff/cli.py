"""`supportbot agents` (accounts) and `supportbot handoffs` (the queue, through the agent API)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Optional, Tuple

from bot.config import Settings


class ApiError(Exception):
    """The agent API refused a request; the message says why."""


def call(
    url: str, token: str, method: str, path: str, agent: Optional[str] = None, body: Any = None
) -> Tuple[int, Dict[str, Any]]:
    """One request to ``/api/handoffs``; returns (status, JSON body)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if agent:
        headers["X-Agent"] = agent
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url.rstrip("/") + path, data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read() or b"{}")
        except ValueError:
            payload = {"error": exc.reason}
        return exc.code, payload
    except (urllib.error.URLError, OSError) as exc:
        raise ApiError(f"no gateway answers at {url} ({exc})") from None


def _line(ticket: Dict[str, Any]) -> str:
    who = ticket.get("agent") or "-"
    return (
        f"{ticket['id']}  {ticket['priority']:<6} {ticket['status']:<15} {ticket['team']:<9} "
        f"{ticket['language']}  {ticket['reason']:<20} {who:<10} {ticket['summary'][:70]}"
    )


def _show(ticket: Dict[str, Any]) -> str:
    scores = ticket.get("scores") or {}
    lines = [
        f"ticket {ticket['id']}  ({ticket['status']}, {ticket['priority']}, team {ticket['team']}, "
        f"{ticket['language']}, reason {ticket['reason']})",
        f"customer: {ticket['customer'].get('name') or '-'} ({ticket['customer']['id']}) "
        f"on {ticket['channel']}",
        f"summary: {ticket['summary']}",
        f"scores: frustration {scores.get('frustration', 0):.2f}, "
        f"complexity {scores.get('complexity', 0):.2f}; cues: "
        + (", ".join(c.get("label", "") for c in scores.get("cues") or []) or "none"),
        f"knowledge base tried: {', '.join(ticket['kb_articles_tried']) or 'none'}",
        f"previous tickets: {', '.join(p['id'] for p in ticket['previous_tickets']) or 'none'}",
        "",
    ]
    for message in ticket["transcript"]:
        lines.append(f"[{message['ts'][11:19]}] {message['role']:>8}: {message['text']}")
    if ticket.get("csat"):
        lines.append(f"CSAT: {ticket['csat'].get('score')} {ticket['csat'].get('comment') or ''}")
    return "\n".join(lines)


def cmd_handoffs(args: argparse.Namespace) -> int:
    """List, show, claim, reply to, resolve or return tickets through the agent API."""
    settings = Settings.from_env()
    token = settings.agent_token
    if not token:
        print("error: set SUPPORTBOT_AGENT_TOKEN (the gateway's agent token)", file=sys.stderr)
        return 2
    url = args.url or settings.gateway_url
    agent = args.agent or os.environ.get("SUPPORTBOT_AGENT_NAME") or getpass.getuser()
    try:
        if args.action == "list":
            query = urllib.parse.urlencode(
                {
                    k: v
                    for k, v in (
                        ("status", args.status),
                        ("team", args.team),
                        ("language", args.language),
                    )
                    if v
                }
            )
            status, body = call(url, token, "GET", f"/api/handoffs?{query}")
            if status == 200:
                tickets = body["tickets"]
                print("\n".join(_line(t) for t in tickets) if tickets else "no tickets")
        elif args.action == "show":
            status, body = call(url, token, "GET", f"/api/handoffs/{args.id}")
            if status == 200:
                print(_show(body))
        else:
            payload = {"text": " ".join(args.text)} if args.action == "reply" else None
            status, body = call(
                url, token, "POST", f"/api/handoffs/{args.id}/{args.action}", agent, payload
            )
            if status == 200:
                print(f"{args.action}: ok")
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if status != 200:
        print(f"error ({status}): {body.get('error', body)}", file=sys.stderr)
        return 1
    return 0


def cmd_agents(args: argparse.Namespace) -> int:
    """Create an agent account (or set a new password), or list the accounts."""
    from handoff.model import InvalidTicket
    from handoff.store import SqliteHandoffStore

    store = SqliteHandoffStore(Settings.from_env().handoff_db)
    if args.action == "list":
        print("\n".join(store.agents()) or "no agents yet")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 1
    try:
        store.add_agent(args.name, password)
    except InvalidTicket as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"agent {args.name} can now sign in at /console")
    return 0


def add_parsers(sub: Any) -> None:
    """Add ``agents`` and ``handoffs`` to the ``supportbot`` command."""
    agents = sub.add_parser("agents", help="agent accounts for the console")
    agent_sub = agents.add_subparsers(dest="action", required=True)
    add = agent_sub.add_parser("add", help="create an agent or set a new password")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    agent_sub.add_parser("list", help="list the agents")
    agents.set_defaults(func=cmd_agents)

    handoffs = sub.add_parser("handoffs", help="the handoff queue (needs SUPPORTBOT_AGENT_TOKEN)")
    handoffs.add_argument("--url", help="gateway URL (default: the local one)")
    handoffs.add_argument(
        "--agent", help="your agent name (default $SUPPORTBOT_AGENT_NAME or $USER)"
    )
    steps = handoffs.add_subparsers(dest="action", required=True)
    listing = steps.add_parser("list", help="the queue, most urgent first")
    listing.add_argument("--status")
    listing.add_argument("--team")
    listing.add_argument("--language")
    for name, text in (
        ("show", "a ticket with its transcript"),
        ("claim", "take a waiting ticket"),
        ("resolve", "close a ticket you claimed; the customer gets the survey"),
        ("return", "give the conversation back to the bot"),
    ):
        steps.add_parser(name, help=text).add_argument("id")
    reply = steps.add_parser("reply", help="answer the customer of a ticket you claimed")
    reply.add_argument("id")
    reply.add_argument("text", nargs="+")
    handoffs.set_defaults(func=cmd_handoffs)
