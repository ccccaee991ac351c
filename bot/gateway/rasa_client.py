"""HTTP client for the loopback Rasa server and action server."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import aiohttp

from bot.gateway.requests import IncomingMessage


class RasaUnavailable(Exception):
    """Rasa did not answer (not started yet, stopped, or timed out)."""


class RasaError(Exception):
    """Rasa answered, but with an error."""


class RasaClient:
    """Sends customer messages to Rasa's gateway channel and probes health."""

    def __init__(self, rasa_url: str, actions_url: str, timeout: float) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.actions_url = actions_url.rstrip("/")
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        """Open the connection pool (keep-alive to Rasa)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=30),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )

    async def close(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self, message: IncomingMessage, metadata: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Run one message through Rasa and return its replies."""
        await self.start()
        assert self._session is not None
        payload = {
            "sender": message.conversation_id,
            "message": message.text,
            "channel": message.channel,
            "metadata": metadata,
        }
        try:
            async with self._session.post(
                f"{self.rasa_url}/webhooks/gateway/webhook", json=payload
            ) as resp:
                if resp.status != 200:
                    raise RasaError(f"Rasa answered {resp.status}: {(await resp.text())[:200]}")
                replies = await resp.json()
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        except (aiohttp.ClientError, ValueError) as exc:  # a cut or garbled answer
            raise RasaError(f"Rasa's answer was unreadable: {exc or type(exc).__name__}") from exc
        if not isinstance(replies, list):
            raise RasaError("Rasa answered with something other than a list")
        return replies

    async def _probe(self, url: str) -> Dict[str, Any]:
        await self.start()
        assert self._session is not None
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                if resp.status == 200:
                    return {"status": "ok", "url": url}
                return {"status": "error", "url": url, "detail": f"HTTP {resp.status}"}
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return {"status": "unavailable", "url": url, "detail": str(exc) or type(exc).__name__}

    async def rasa_health(self) -> Dict[str, Any]:
        """Whether Rasa has its model loaded and the gateway channel answers."""
        return await self._probe(f"{self.rasa_url}/webhooks/gateway/")

    async def actions_health(self) -> Dict[str, Any]:
        """Whether the action server answers."""
        return await self._probe(f"{self.actions_url}/health")
