"""The handoff queue: the ``HandoffStore`` interface and its SQLite implementation."""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Protocol, Union

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from handoff.model import (
    OPEN_STATUSES,
    PRIORITIES,
    ROLES,
    STATUSES,
    AlreadyClaimed,
    Customer,
    HandoffError,
    IllegalTransition,
    InvalidTicket,
    Message,
    NewTicket,
    Ticket,
    TicketNotFound,
    now_iso,
)

migrations = Migrations("handoff")


@migrations()
def create_tickets(db: Database) -> None:
    """Tickets, their transcripts, and a change log the live views follow."""
    db.table("tickets").create(
        {
            "id": str,
            "conversation_id": str,
            "channel": str,
            "customer_id": str,
            "customer_name": str,
            "language": str,
            "reason": str,
            "priority": str,
            "priority_rank": int,
            "team": str,
            "status": str,
            "created": str,
            "claimed": str,
            "resolved": str,
            "agent": str,
            "summary": str,
            "intents": str,
            "entities": str,
            "slots": str,
            "kb_articles_tried": str,
            "scores": str,
            "csat_score": int,
            "csat_ts": str,
        },
        pk="id",
        not_null={"conversation_id", "channel", "status", "created", "priority_rank"},
    )
    db.table("tickets").create_index(["conversation_id", "status"])
    db.table("tickets").create_index(["status", "team"])
    db.table("messages").create(
        {"id": int, "ticket_id": str, "role": str, "text": str, "ts": str},
        pk="id",
        foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db.table("messages").create_index(["ticket_id"])
    db.table("changes").create({"id": int, "ticket_id": str, "kind": str, "ts": str}, pk="id")


@migrations()
def create_agents(db: Database) -> None:
    """Agent accounts for the console (password hashes, never passwords)."""
    db.table("agents").create(
        {"name": str, "password_hash": str, "created": str, "last_seen": str}, pk="name"
    )


@migrations()
def create_outbox(db: Database) -> None:
    """Messages for customers whose channel fetches them (REST/web)."""
    db.table("outbox").create(
        {
            "id": int,
            "conversation_id": str,
            "channel": str,
            "payload": str,
            "created": str,
            "delivered": str,
        },
        pk="id",
    )
    db.table("outbox").create_index(["conversation_id", "delivered"])


@migrations()
def add_csat_comment_and_customer_index(db: Database) -> None:
    """CSAT comments; finding a customer's earlier tickets fast."""
    db.table("tickets").add_column("csat_comment", str)
    db.table("tickets").create_index(["channel", "customer_id"])


class HandoffStore(Protocol):
    """What the gateway, the actions and the API need from the queue.

    SQLite (``SqliteHandoffStore``) is the embedded default; a server database
    can implement the same methods.
    """

    def create(self, ticket: NewTicket) -> Ticket:
        """Store a new waiting ticket; returns it with id and times."""
        ...

    def get(self, ticket_id: str) -> Ticket:
        """One ticket; raises TicketNotFound."""
        ...

    def list(
        self,
        status: Optional[str] = None,
        team: Optional[str] = None,
        language: Optional[str] = None,
        limit: int = 200,
    ) -> List[Ticket]:
        """Tickets by priority, then by waiting time (oldest first)."""
        ...

    def open_ticket(self, conversation_id: str) -> Optional[Ticket]:
        """The conversation's waiting or claimed ticket, if any."""
        ...

    def add_message(self, ticket_id: str, role: str, text: str) -> Message:
        """Append to the transcript of an open ticket."""
        ...

    def claim(self, ticket_id: str, agent: str) -> Ticket:
        """Assign a waiting ticket to ``agent``; exactly one concurrent claimer wins."""
        ...

    def reply(self, ticket_id: str, agent: str, text: str) -> Message:
        """The claiming agent's reply, appended to the transcript."""
        ...

    def resolve(self, ticket_id: str, agent: str) -> Ticket:
        """The claiming agent closes the ticket; the bot takes over again."""
        ...

    def return_to_bot(self, ticket_id: str, agent: str) -> Ticket:
        """Give the conversation back to the bot without closing it as solved."""
        ...

    def rate(self, ticket_id: str, score: Optional[int], comment: Optional[str] = None) -> Ticket:
        """Store the customer's CSAT score (1-5) and/or comment."""
        ...

    def queue_position(self, ticket_id: str) -> int:
        """1 when the ticket is next for its team; 0 when it is no longer waiting."""
        ...


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _rank(priority: str) -> int:
    return PRIORITIES.index(priority)


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """The scrypt hash of an agent password, as ``scrypt$n$r$p$salt$hash`` (hex)."""
    salt = salt or secrets.token_bytes(16)
    n, r, p = 2**14, 8, 1
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password`."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest) // 2,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


class SqliteHandoffStore:
    """The queue in one SQLite file (or in memory for tests), via sqlite-utils.

    Safe to share between threads, and between processes on one machine (the
    gateway and the action server both open the file): every change that
    belongs together runs in one transaction.
    """

    def __init__(self, path: Union[str, Path, None] = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is None:
            self.db = Database(memory=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10.0)
            self.db = Database(conn)
            self.db.execute("PRAGMA busy_timeout=10000")
            with self._file_lock():
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    with self.db.ensure_autocommit_on():
                        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        with self._file_lock():
            migrations.apply(self.db)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Serialise schema changes between processes that open the file at once."""
        if self.path is None:
            yield
            return
        with open(self.path.with_suffix(self.path.suffix + ".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _atomic(self) -> Iterator[Database]:
        with self._lock, self.db.atomic() as db:
            yield db

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def ping(self) -> bool:
        """True when the database answers."""
        with self._lock:
            return self.db.execute("select 1").fetchone() == (1,)

    # -- tickets -------------------------------------------------------------

    def create(self, ticket: NewTicket) -> Ticket:
        """Store a new waiting ticket with its transcript, in one transaction."""
        for message in ticket.transcript:
            if message.role not in ROLES:
                raise InvalidTicket(f"transcript role must be one of {ROLES}, got {message.role}")
        ticket_id = "h" + secrets.token_hex(5)
        created = now_iso()
        with self._atomic() as db:
            if self._open_row(ticket.conversation_id) is not None:
                raise IllegalTransition(
                    f"conversation {ticket.conversation_id} already has an open ticket"
                )
            db.table("tickets").insert(
                {
                    "id": ticket_id,
                    "conversation_id": ticket.conversation_id,
                    "channel": ticket.channel,
                    "customer_id": ticket.customer.id,
                    "customer_name": ticket.customer.name,
                    "language": ticket.language,
                    "reason": ticket.reason,
                    "priority": ticket.priority,
                    "priority_rank": _rank(ticket.priority),
                    "team": ticket.team,
                    "status": "waiting",
                    "created": created,
                    "summary": ticket.summary,
                    "intents": _json(ticket.intents),
                    "entities": _json(ticket.entities),
                    "slots": _json(ticket.slots),
                    "kb_articles_tried": _json(ticket.kb_articles_tried),
                    "scores": _json(ticket.scores),
                }
            )
            db.table("messages").insert_all(
                {"ticket_id": ticket_id, "role": m.role, "text": m.text, "ts": m.ts}
                for m in ticket.transcript
            )
            self._change(db, ticket_id, "created")
        return self.get(ticket_id)

    def _change(self, db: Database, ticket_id: str, kind: str) -> None:
        db.table("changes").insert({"ticket_id": ticket_id, "kind": kind, "ts": now_iso()})

    def _row(self, ticket_id: str) -> Dict[str, Any]:
        rows = list(self.db.query("select * from tickets where id = ?", [ticket_id]))
        if not rows:
            raise TicketNotFound(f"no ticket {ticket_id}")
        return rows[0]

    def _open_row(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        rows = list(
            self.db.query(
                "select * from tickets where conversation_id = ? and status in (?, ?) "
                "order by created desc limit 1",
                [conversation_id, *OPEN_STATUSES],
            )
        )
        return rows[0] if rows else None

    def _ticket(self, row: Dict[str, Any], full: bool = True) -> Ticket:
        transcript: List[Message] = []
        previous: List[Dict[str, Any]] = []
        if full:
            transcript = [
                Message(r["role"], r["text"], r["ts"])
                for r in self.db.query(
                    "select role, text, ts from messages where ticket_id = ? order by id",
                    [row["id"]],
                )
            ]
            previous = [
                dict(r)
                for r in self.db.query(
                    "select id, created, reason, status, team, summary, csat_score "
                    "from tickets where channel = ? and customer_id = ? and id != ? "
                    "and created <= ? order by created desc limit 20",
                    [row["channel"], row["customer_id"], row["id"], row["created"]],
                )
            ]
        csat = None
        if row.get("csat_score") is not None or row.get("csat_comment"):
            csat = {
                "score": row.get("csat_score"),
                "comment": row.get("csat_comment"),
                "ts": row.get("csat_ts"),
            }
        return Ticket(
            id=row["id"],
            conversation_id=row["conversation_id"],
            channel=row["channel"],
            customer=Customer(row["customer_id"] or "", row["customer_name"]),
            language=row["language"],
            reason=row["reason"],
            priority=row["priority"],
            team=row["team"],
            status=row["status"],
            created=row["created"],
            claimed=row["claimed"],
            resolved=row["resolved"],
            agent=row["agent"],
            summary=row["summary"] or "",
            transcript=transcript,
            intents=json.loads(row["intents"] or "[]"),
            entities=json.loads(row["entities"] or "[]"),
            slots=json.loads(row["slots"] or "{}"),
            kb_articles_tried=json.loads(row["kb_articles_tried"] or "[]"),
            scores=json.loads(row["scores"] or "{}"),
            csat=csat,
            previous_tickets=previous,
            message_count=len(transcript),
        )

    def get(self, ticket_id: str) -> Ticket:
        """One ticket with its transcript; raises TicketNotFound."""
        with self._lock:
            return self._ticket(self._row(ticket_id))

    def list(
        self,
        status: Optional[str] = None,
        team: Optional[str] = None,
        language: Optional[str] = None,
        limit: int = 200,
    ) -> List[Ticket]:
        """Tickets (without transcripts) by priority, then by waiting time."""
        where, params = [], []
        for column, value in (("status", status), ("team", team), ("language", language)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "select * from tickets"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by priority_rank desc, created asc limit ?"
        with self._lock:
            rows = list(self.db.query(sql, [*params, limit]))
            tickets = [self._ticket(r, full=False) for r in rows]
            counts = dict(
                self.db.execute(
                    "select ticket_id, count(*) from messages where ticket_id in "
                    f"({','.join('?' * len(rows))}) group by ticket_id",
                    [r["id"] for r in rows],
                ).fetchall()
            )
        return [dataclasses.replace(t, message_count=counts.get(t.id, 0)) for t in tickets]

    def open_ticket(self, conversation_id: str) -> Optional[Ticket]:
        """The conversation's waiting or claimed ticket, if any."""
        with self._lock:
            row = self._open_row(conversation_id)
            return self._ticket(row) if row is not None else None

    def is_handed_off(self, conversation_id: str) -> Optional[str]:
        """The id of the conversation's open ticket, if any (one cheap query)."""
        with self._lock:
            row = self.db.execute(
                "select id from tickets where conversation_id = ? and status in (?, ?) limit 1",
                [conversation_id, *OPEN_STATUSES],
            ).fetchone()
        return row[0] if row else None

    def add_message(self, ticket_id: str, role: str, text: str) -> Message:
        """Append a customer or bot line to an open ticket's transcript."""
        if role not in ROLES:
            raise InvalidTicket(f"role must be one of {ROLES}, got {role!r}")
        message = Message(role, text, now_iso())
        with self._atomic() as db:
            row = self._row(ticket_id)
            if row["status"] not in OPEN_STATUSES:
                raise IllegalTransition(f"ticket {ticket_id} is {row['status']}")
            db.table("messages").insert({"ticket_id": ticket_id, **message.to_dict()})
            self._change(db, ticket_id, f"message:{role}")
        return message

    def claim(self, ticket_id: str, agent: str) -> Ticket:
        """Assign a waiting ticket to ``agent``. The first claimer wins; others get AlreadyClaimed.

        Claiming again by the same agent is allowed and changes nothing.
        """
        with self._atomic() as db:
            cursor = db.execute(
                "update tickets set status = 'claimed', agent = ?, claimed = ? "
                "where id = ? and status = 'waiting'",
                [agent, now_iso(), ticket_id],
            )
            if cursor.rowcount == 1:
                self._change(db, ticket_id, "claimed")
            else:
                row = self._row(ticket_id)
                if row["status"] == "claimed" and row["agent"] != agent:
                    raise AlreadyClaimed(ticket_id, row["agent"])
                if row["status"] != "claimed":
                    raise IllegalTransition(
                        f"ticket {ticket_id} is {row['status']} and cannot be claimed"
                    )
        return self.get(ticket_id)

    def _require_claimed_by(self, ticket_id: str, agent: str, step: str) -> Dict[str, Any]:
        row = self._row(ticket_id)
        if row["status"] == "waiting":
            raise IllegalTransition(f"claim ticket {ticket_id} before you {step} it")
        if row["status"] != "claimed":
            raise IllegalTransition(f"ticket {ticket_id} is {row['status']}; cannot {step} it")
        if row["agent"] != agent:
            raise AlreadyClaimed(ticket_id, row["agent"])
        return row

    def reply(self, ticket_id: str, agent: str, text: str) -> Message:
        """The claiming agent's reply, appended to the transcript."""
        if not text.strip():
            raise InvalidTicket("a reply needs text")
        message = Message("agent", text.strip(), now_iso())
        with self._atomic() as db:
            self._require_claimed_by(ticket_id, agent, "reply to")
            db.table("messages").insert({"ticket_id": ticket_id, **message.to_dict()})
            self._change(db, ticket_id, "message:agent")
        return message

    def _close(self, ticket_id: str, agent: str, status: str, step: str) -> Ticket:
        with self._atomic() as db:
            if status == "resolved":
                self._require_claimed_by(ticket_id, agent, step)
            else:
                row = self._row(ticket_id)
                if row["status"] not in OPEN_STATUSES:
                    raise IllegalTransition(
                        f"ticket {ticket_id} is {row['status']}; cannot {step} it"
                    )
                if row["status"] == "claimed" and row["agent"] != agent:
                    raise AlreadyClaimed(ticket_id, row["agent"])
            db.execute(
                "update tickets set status = ?, resolved = ?, agent = coalesce(agent, ?) "
                "where id = ?",
                [status, now_iso(), agent, ticket_id],
            )
            self._change(db, ticket_id, status)
        return self.get(ticket_id)

    def resolve(self, ticket_id: str, agent: str) -> Ticket:
        """The claiming agent closes the ticket as solved."""
        return self._close(ticket_id, agent, "resolved", "resolve")

    def return_to_bot(self, ticket_id: str, agent: str) -> Ticket:
        """Hand the conversation back to the bot (waiting or claimed by ``agent``)."""
        return self._close(ticket_id, agent, "returned_to_bot", "return")

    def rate(self, ticket_id: str, score: Optional[int], comment: Optional[str] = None) -> Ticket:
        """Store the CSAT score (1-5) and/or a comment of a resolved ticket."""
        if score is not None and (not isinstance(score, int) or not 1 <= score <= 5):
            raise InvalidTicket(f"a CSAT score is 1-5, got {score!r}")
        with self._atomic() as db:
            row = self._row(ticket_id)
            if row["status"] != "resolved":
                raise IllegalTransition(f"ticket {ticket_id} is {row['status']}; not rated")
            changes: Dict[str, Any] = {"csat_ts": now_iso()}
            if score is not None:
                changes["csat_score"] = score
            if comment is not None:
                changes["csat_comment"] = comment.strip()[:2000]
            db.table("tickets").update(ticket_id, changes)
            self._change(db, ticket_id, "rated")
        return self.get(ticket_id)

    def queue_position(self, ticket_id: str) -> int:
        """Place in the team's waiting line (1 = next); 0 when not waiting."""
        with self._lock:
            row = self._row(ticket_id)
            if row["status"] != "waiting":
                return 0
            ahead = self.db.execute(
                "select count(*) from tickets where status = 'waiting' and team = ? and id != ? "
                "and (priority_rank > ? or (priority_rank = ? and created <= ?))",
                [
                    row["team"],
                    ticket_id,
                    row["priority_rank"],
                    row["priority_rank"],
                    row["created"],
                ],
            ).fetchone()[0]
        return int(ahead) + 1

    # -- live updates --------------------------------------------------------

    def changes_since(self, after: int, limit: int = 500) -> List[Dict[str, Any]]:
        """Changes with an id above ``after`` (the live views' cursor), oldest first."""
        with self._lock:
            return [
                dict(r)
                for r in self.db.query(
                    "select id, ticket_id, kind, ts from changes where id > ? order by id limit ?",
                    [after, limit],
                )
            ]

    def last_change(self) -> int:
        """The newest change id (0 when there is none)."""
        with self._lock:
            return int(self.db.execute("select coalesce(max(id), 0) from changes").fetchone()[0])

    # -- agents --------------------------------------------------------------

    def add_agent(self, name: str, password: str) -> None:
        """Create an agent or set a new password."""
        name = name.strip()
        if (
            not name
            or len(name) > 64
            or not name.replace("-", "").replace("_", "").replace(".", "").isalnum()
        ):
            raise InvalidTicket("an agent name is 1-64 letters, digits, '.', '-' or '_'")
        if len(password) < 8:
            raise InvalidTicket("an agent password needs at least 8 characters")
        with self._atomic() as db:
            db.table("agents").upsert(
                {"name": name, "password_hash": hash_password(password), "created": now_iso()},
                pk="name",
            )

    def check_agent(self, name: str, password: str) -> bool:
        """Whether the name and password belong to an agent."""
        with self._lock:
            row = self.db.execute(
                "select password_hash from agents where name = ?", [name]
            ).fetchone()
        if row is None:
            verify_password(password, hash_password("timing"))  # same cost either way
            return False
        return verify_password(password, row[0])

    def agents(self) -> List[str]:
        """Agent names."""
        with self._lock:
            return [r[0] for r in self.db.execute("select name from agents order by name")]

    def agent_seen(self, name: str) -> None:
        """Record that an agent is at the console now."""
        with self._atomic() as db:
            db.execute("update agents set last_seen = ? where name = ?", [now_iso(), name])

    def agents_online(self, since: str) -> List[str]:
        """Agents seen at or after ``since`` (ISO time)."""
        with self._lock:
            return [
                r[0]
                for r in self.db.execute(
                    "select name from agents where last_seen >= ? order by name", [since]
                )
            ]

    # -- outbox (REST/web customers fetch their messages) -------------------

    def push_outbound(self, conversation_id: str, channel: str, reply: Dict[str, Any]) -> int:
        """Queue a message for a customer who fetches them; returns its id."""
        with self._atomic() as db:
            table = db.table("outbox")
            table.insert(
                {
                    "conversation_id": conversation_id,
                    "channel": channel,
                    "payload": _json(reply),
                    "created": now_iso(),
                }
            )
            return int(table.last_pk)  # type: ignore[arg-type]

    def take_outbound(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The customer's undelivered messages, oldest first, marked delivered."""
        with self._atomic() as db:
            rows = list(
                db.query(
                    "select id, payload from outbox where conversation_id = ? "
                    "and delivered is null order by id",
                    [conversation_id],
                )
            )
            if rows:
                db.execute(
                    f"update outbox set delivered = ? where id in ({','.join('?' * len(rows))})",
                    [now_iso(), *[r["id"] for r in rows]],
                )
        return [json.loads(r["payload"]) for r in rows]


__all__ = [
    "AlreadyClaimed",
    "HandoffError",
    "HandoffStore",
    "IllegalTransition",
    "InvalidTicket",
    "SqliteHandoffStore",
    "STATUSES",
    "TicketNotFound",
    "hash_password",
    "verify_password",
]
