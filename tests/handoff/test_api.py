"""The agent API and the REST outbox over HTTP: auth, every status code, filters, delivery.

The gateway app runs for real on loopback; Rasa is replaced by a small local
server that speaks the gateway channel's HTTP contract and records what it got.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator, Dict, List, Tuple

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.gateway.app import create_app
from bot.gateway.conversations import ConversationStore
from bot.gateway.rasa_client import RasaClient
from handoff.api import HandoffService
from handoff.live import ChangeFeed
from handoff.outbound import DeliveryFailed, OutboundRouter
from handoff.store import SqliteHandoffStore
from tests.handoff.helpers import new_ticket

TOKEN = "t0ken-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Agent": "anna"}


class FakeRasa:
    """Answers ``POST /webhooks/gateway/webhook`` like the bot would after a handoff."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        text = body["message"]
        if text.startswith("/handoff_resolved"):
            return web.json_response(
                [{"recipient_id": body["sender"], "text": "How satisfied are you?",
                  "buttons": [{"title": "5", "payload": '/csat_rate{"csat_score": "5"}'}],
                  "metadata": {"language": "en"}}]
            )  # fmt: skip
        if text.startswith("/handoff_returned"):
            return web.json_response(
                [{"recipient_id": body["sender"], "text": "I'm back.", "metadata": {}}]
            )
        return web.json_response(
            [{"recipient_id": body["sender"], "text": f"bot: {text}", "metadata": {}}]
        )


@pytest.fixture
async def rasa() -> AsyncIterator[Tuple[FakeRasa, str]]:
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/webhooks/gateway/webhook", fake.webhook)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
def store() -> SqliteHandoffStore:
    return SqliteHandoffStore()


@pytest.fixture
async def client(
    rasa: Tuple[FakeRasa, str], store: SqliteHandoffStore, tmp_path
) -> AsyncIterator[TestClient]:
    settings = Settings(data_dir=tmp_path, agent_token=TOKEN)
    app = create_app(
        settings,
        rasa=RasaClient(rasa[1], rasa[1], 5.0),
        conversations=ConversationStore(),
        handoff=store,
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def test_every_route_needs_a_token_or_a_session(client: TestClient, store) -> None:
    ticket = store.create(new_ticket())
    for method, path in [
        ("GET", "/api/handoffs"),
        ("GET", f"/api/handoffs/{ticket.id}"),
        ("GET", "/api/handoffs/events"),
        ("POST", f"/api/handoffs/{ticket.id}/claim"),
        ("POST", f"/api/handoffs/{ticket.id}/reply"),
        ("POST", f"/api/handoffs/{ticket.id}/resolve"),
        ("POST", f"/api/handoffs/{ticket.id}/return"),
    ]:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-wrong-token"},
            {"Authorization": "Basic x"},
        ):
            resp = await client.request(method, path, headers=headers)
            assert resp.status == 401, (method, path, headers)
            assert "error" in await resp.json()
    assert store.get(ticket.id).status == "waiting"


async def test_writes_with_the_token_must_name_the_agent(client: TestClient, store) -> None:
    ticket = store.create(new_ticket())
    resp = await client.post(
        f"/api/handoffs/{ticket.id}/claim", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert resp.status == 400 and "X-Agent" in (await resp.json())["error"]


async def test_status_codes(client: TestClient, store) -> None:
    ticket = store.create(new_ticket())
    assert (await client.get("/api/handoffs/nope", headers=AUTH)).status == 404
    assert (await client.post("/api/handoffs/nope/claim", headers=AUTH)).status == 404
    assert (await client.post(f"/api/handoffs/{ticket.id}/explode", headers=AUTH)).status in (
        404,
        405,
    )
    # replying before claiming is an illegal step
    resp = await client.post(f"/api/handoffs/{ticket.id}/reply", json={"text": "hi"}, headers=AUTH)
    assert resp.status == 409 and "claim" in (await resp.json())["error"]
    assert (await client.post(f"/api/handoffs/{ticket.id}/claim", headers=AUTH)).status == 200
    # a second agent is told who has it
    other = {**AUTH, "X-Agent": "bo"}
    resp = await client.post(f"/api/handoffs/{ticket.id}/claim", headers=other)
    body = await resp.json()
    assert resp.status == 409 and body["agent"] == "anna" and "anna" in body["error"]
    # bad bodies
    for payload in ({}, {"text": ""}, {"text": 5}):
        resp = await client.post(f"/api/handoffs/{ticket.id}/reply", json=payload, headers=AUTH)
        assert resp.status == 400
    resp = await client.post(
        f"/api/handoffs/{ticket.id}/reply",
        data=b"{oops",
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert resp.status == 400
    resp = await client.post(
        f"/api/handoffs/{ticket.id}/reply", json={"text": "x" * 5000}, headers=AUTH
    )
    assert resp.status == 413
    assert (await client.post(f"/api/handoffs/{ticket.id}/resolve", headers=AUTH)).status == 200
    # nothing after resolve
    for step, payload in (
        ("reply", {"text": "still there?"}),
        ("claim", None),
        ("resolve", None),
        ("return", None),
    ):
        resp = await client.post(f"/api/handoffs/{ticket.id}/{step}", json=payload, headers=AUTH)
        assert resp.status == 409, step
        assert "resolved" in (await resp.json())["error"]


async def test_filters_and_order(client: TestClient, store) -> None:
    a = store.create(new_ticket(conversation_id="a", team="billing", language="de"))
    b = store.create(new_ticket(conversation_id="b", priority="urgent", team="account"))
    c = store.create(new_ticket(conversation_id="c", team="billing", language="da"))
    store.claim(c.id, "bo")

    async def ids(query: str) -> List[str]:
        resp = await client.get(f"/api/handoffs{query}", headers=AUTH)
        assert resp.status == 200
        return [t["id"] for t in (await resp.json())["tickets"]]

    assert await ids("") == [b.id, a.id, c.id]
    assert await ids("?status=waiting") == [b.id, a.id]
    assert await ids("?team=billing") == [a.id, c.id]
    assert await ids("?team=billing&status=claimed") == [c.id]
    assert await ids("?language=de") == [a.id]
    assert await ids("?language=da&team=billing") == [c.id]
    assert await ids("?status=resolved") == []
    for bad in ("?status=open", "?team=sales", "?language=fr"):
        resp = await client.get(f"/api/handoffs{bad}", headers=AUTH)
        assert resp.status == 400, bad
    item = (await (await client.get("/api/handoffs?team=account", headers=AUTH)).json())["tickets"][
        0
    ]
    assert item["queue_position"] == 1 and item["priority"] == "urgent" and "transcript" not in item


async def test_handed_off_customer_gets_silence_and_agent_replies_arrive(
    client: TestClient, store, rasa
) -> None:
    fake, _ = rasa
    ticket = store.create(new_ticket(conversation_id="web-1"))
    before = len(fake.received)
    resp = await client.post(
        "/webhooks/rest/webhook", json={"sender": "web-1", "message": "hello??"}
    )
    assert resp.status == 200 and await resp.json() == []  # the bot is silent
    assert len(fake.received) == before  # and Rasa never saw the message
    assert store.get(ticket.id).transcript[-1].text == "hello??"

    await client.post(f"/api/handoffs/{ticket.id}/claim", headers=AUTH)
    waiting = asyncio.create_task(client.get("/webhooks/rest/webhook/web-1/messages?wait=10"))
    await asyncio.sleep(0.2)
    resp = await client.post(
        f"/api/handoffs/{ticket.id}/reply", json={"text": "Hi, Anna here."}, headers=AUTH
    )
    assert resp.status == 200 and (await resp.json())["delivered"] is True
    fetched = await (await waiting).json()  # the long poll wakes up with the reply
    assert [m["text"] for m in fetched] == ["Hi, Anna here."]
    assert fetched[0]["metadata"]["handoff_id"] == ticket.id
    assert fetched[0]["metadata"]["agent"] == "anna"
    assert await (await client.get("/webhooks/rest/webhook/web-1/messages")).json() == []

    resp = await client.post(f"/api/handoffs/{ticket.id}/resolve", headers=AUTH)
    assert resp.status == 200
    sent = fake.received[-1]
    assert (
        sent["sender"] == "web-1"
        and sent["message"] == '/handoff_resolved{"handoff_id": "' + ticket.id + '"}'
    )
    survey = await (await client.get("/webhooks/rest/webhook/web-1/messages")).json()
    assert survey[0]["text"] == "How satisfied are you?" and survey[0]["buttons"]
    # the bot answers again
    resp = await client.post(
        "/webhooks/rest/webhook", json={"sender": "web-1", "message": "thanks"}
    )
    assert [r["text"] for r in await resp.json()] == ["bot: thanks"]


async def test_return_to_bot_says_it_is_back(client: TestClient, store, rasa) -> None:
    ticket = store.create(new_ticket(conversation_id="web-2"))
    resp = await client.post(f"/api/handoffs/{ticket.id}/return", headers=AUTH)
    assert resp.status == 200 and (await resp.json())["ticket"]["status"] == "returned_to_bot"
    assert rasa[0].received[-1]["message"].startswith("/handoff_returned")
    back = await (await client.get("/webhooks/rest/webhook/web-2/messages")).json()
    assert [m["text"] for m in back] == ["I'm back."]


async def test_outbox_wait_is_bounded(client: TestClient) -> None:
    for bad in ("wait=-1", "wait=31", "wait=soon"):
        assert (await client.get(f"/webhooks/rest/webhook/x/messages?{bad}")).status == 400
    resp = await client.get("/webhooks/rest/webhook/a%2Fb/messages?wait=0.2")
    assert resp.status == 200 and await resp.json() == []


async def login(client: TestClient, store, name: str = "anna") -> None:
    store.add_agent(name, "correct horse battery")
    resp = await client.post(
        "/console/login",
        data={"name": name, "password": "correct horse battery"},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/console"


async def test_console_login_session_and_csrf(client: TestClient, store) -> None:
    page = await client.get("/console")
    assert page.status == 200 and "Sign in" in await page.text()
    store.add_agent("anna", "correct horse battery")
    bad = await client.post("/console/login", data={"name": "anna", "password": "nope"})
    assert bad.status == 401 and "Wrong name or password" in await bad.text()
    await login(client, store)
    page = await client.get("/console")
    assert "Signed in as" in await page.text()
    ticket = store.create(new_ticket())
    # the session works for reads; writes need the console's header (no cross-site forms)
    assert (await client.get("/api/handoffs")).status == 200
    assert (await client.post(f"/api/handoffs/{ticket.id}/claim")).status == 403
    resp = await client.post(
        f"/api/handoffs/{ticket.id}/claim", headers={"X-Requested-With": "supportbot-console"}
    )
    assert resp.status == 200 and (await resp.json())["agent"] == "anna"
    assert store.agents_online("2000-01-01") == ["anna"]
    await client.post("/console/logout", allow_redirects=False)
    assert (await client.get("/api/handoffs")).status == 401


async def test_live_events_stream_new_tickets_and_messages(client: TestClient, store) -> None:
    resp = await client.get("/api/handoffs/events", headers=AUTH)
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")

    async def next_event() -> Dict[str, Any]:
        fields: Dict[str, Any] = {}
        while True:
            line = (await asyncio.wait_for(resp.content.readline(), 5)).decode().rstrip("\n")
            if not line:
                if "data" in fields:
                    return fields
                continue
            key, _, value = line.partition(": ")
            fields[key] = json.loads(value) if key == "data" else value

    ticket = store.create(new_ticket(conversation_id="live"))  # as the action server would
    created = await next_event()
    assert created["event"] == "created" and created["data"]["ticket"]["id"] == ticket.id
    await client.post("/webhooks/rest/webhook", json={"sender": "live", "message": "anyone?"})
    message = await next_event()
    assert message["event"] == "message" and message["data"]["change"]["kind"] == "message:customer"
    # a reconnecting console gets what it missed
    resp.close()
    again = await client.get(
        "/api/handoffs/events", headers={**AUTH, "Last-Event-ID": created["id"]}
    )
    resp = again
    missed = await next_event()
    assert missed["id"] == message["id"]
    resp.close()


async def test_health_reports_the_handoff_queue(client: TestClient) -> None:
    body = await (await client.get("/health")).json()
    assert body["components"]["handoff_queue"] == {"status": "ok"}


class _Blocked:
    """A channel whose customer blocked the bot."""

    async def deliver(self, conversation_id: str, replies: List[Dict[str, Any]]) -> None:
        raise DeliveryFailed("Telegram: Forbidden: bot was blocked by the user")


@pytest.mark.parametrize("channel", ["telegram", "slack"])
async def test_an_undeliverable_agent_reply_is_kept_and_reported(
    store: SqliteHandoffStore, channel: str
) -> None:
    outbound = OutboundRouter()
    outbound.register("telegram", _Blocked())  # slack: no route at all (channel is off)
    service = HandoffService(store, ChangeFeed(store), outbound)
    ticket = store.create(new_ticket(conversation_id=f"{channel}:1", channel=channel))
    store.claim(ticket.id, "anna")
    result = await service.reply(ticket.id, "anna", "Hi, Anna here.")
    assert result["delivered"] is False
    assert store.get(ticket.id).transcript[-1].text == "Hi, Anna here."
