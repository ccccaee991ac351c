"""Run an aiohttp application on loopback in a background thread."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

from aiohttp import web

T = TypeVar("T")


def wait_for_messages(
    read: Callable[[], List[Dict[str, Any]]], count: int, timeout: float, where: str
) -> List[Dict[str, Any]]:
    """Poll ``read()`` until it returns ``count`` messages; TimeoutError names what came."""
    deadline = time.monotonic() + timeout
    while True:
        messages = read()
        if len(messages) >= count:
            return messages
        if time.monotonic() > deadline:
            texts = json.dumps([m.get("text") for m in messages], ensure_ascii=False)
            raise TimeoutError(f"expected {count} messages {where}, got {len(messages)}: {texts}")
        time.sleep(0.05)


class ThreadedServer:
    """An aiohttp app on ``127.0.0.1`` with its own event loop, started and stopped from sync code.

    ``call(fn)`` runs ``fn`` on the server's loop and returns its result, so test
    code and a terminal UI can change the server's state without races.
    """

    def __init__(self, app: web.Application, port: int = 0, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self.port = port
        self.loop = asyncio.new_event_loop()
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:38123``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> ThreadedServer:
        """Listen; returns once the port is bound."""
        ready = threading.Event()
        errors: list = []

        async def boot() -> None:
            self._runner = web.AppRunner(self.app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.host, self.port)
            await site.start()
            server = site._server
            assert server is not None and server.sockets  # type: ignore[attr-defined]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(boot())
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, name="sandbox-server", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            raise errors[0]
        return self

    def call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        """Run ``fn()`` on the server's loop and return what it returns."""

        async def wrapped() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout)

    def run(self, coro: Awaitable[Any], timeout: float = 30.0) -> Any:
        """Await ``coro`` on the server's loop."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def stop(self) -> None:
        """Stop listening and end the thread."""
        if self._thread is None:
            return

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            current = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not current]
            for task in pending:  # long polls still waiting
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()
        self._thread = None
