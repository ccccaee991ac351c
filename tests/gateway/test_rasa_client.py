"""The gateway's Rasa client: every way Rasa can fail maps to RasaError or RasaUnavailable."""

from __future__ import annotations

from typing import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.gateway.rasa_client import RasaClient, RasaError, RasaUnavailable
from bot.gateway.requests import IncomingMessage

MESSAGE = IncomingMessage("c-1", "rest", "hello")


async def garbled(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html>not json", content_type="application/json")


async def not_a_list(request: web.Request) -> web.StreamResponse:
    return web.json_response({"replies": []})


async def failing(request: web.Request) -> web.StreamResponse:
    return web.json_response({"error": "boom"}, status=500)


async def cut_short(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": "1000"})
    await response.prepare(request)
    await response.write(b'[{"text": "hal')
    assert request.transport is not None
    request.transport.close()
    return response


@pytest.fixture
async def rasa() -> AsyncIterator[str]:
    app = web.Application()
    for path, handler in (
        ("garbled", garbled),
        ("not_a_list", not_a_list),
        ("failing", failing),
        ("cut_short", cut_short),
    ):
        app.router.add_post(f"/{path}/webhooks/gateway/webhook", handler)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.mark.parametrize("path", ["garbled", "not_a_list", "failing", "cut_short"])
async def test_a_bad_answer_is_a_rasa_error(rasa: str, path: str) -> None:
    client = RasaClient(f"{rasa}/{path}", "http://127.0.0.1:9", 5.0)
    try:
        with pytest.raises(RasaError):
            await client.send(MESSAGE, {})
    finally:
        await client.close()


async def test_no_rasa_is_unavailable() -> None:
    client = RasaClient("http://127.0.0.1:9", "http://127.0.0.1:9", 5.0)
    try:
        with pytest.raises(RasaUnavailable):
            await client.send(MESSAGE, {})
    finally:
        await client.close()
