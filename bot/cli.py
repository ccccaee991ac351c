"""The `supportbot` command: run, train, chat, health."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import List, Optional

from bot.config import PROJECT_DIR, ConfigError, Settings, load_dotenv


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(port=getattr(args, "port", None))


def cmd_train(args: argparse.Namespace) -> int:
    """Train the model if the training data or config changed."""
    from bot.runtime.training import TrainingFailed, ensure_model

    s = _settings(args)
    try:
        ensure_model(s.project_dir, s.models_dir, force=args.force)
    except TrainingFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_model_path(args: argparse.Namespace) -> int:
    """Print where the model for the current training inputs lives."""
    from bot.runtime.training import model_path

    s = _settings(args)
    print(model_path(s.project_dir, s.models_dir))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Train if needed, then run the action server, Rasa and the gateway."""
    from bot.runtime.supervisor import Supervisor
    from bot.runtime.training import TrainingFailed, ensure_model

    s = _settings(args)
    from bot.redaction import install_log_redaction

    logging.basicConfig(level=s.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()  # no card number, IBAN, code or password reaches a log line
    try:
        model = ensure_model(s.project_dir, s.models_dir)
    except TrainingFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return asyncio.run(Supervisor(s, model).run())


def _start_in_background(
    s: Settings,
) -> tuple[threading.Thread, object, asyncio.AbstractEventLoop]:
    """Start the whole bot on a background event loop (for `chat` without `run`)."""
    from bot.runtime.supervisor import Supervisor
    from bot.runtime.training import ensure_model

    model = ensure_model(s.project_dir, s.models_dir)
    loop = asyncio.new_event_loop()
    supervisor = Supervisor(s, model, say=lambda line: print(f"  [bot] {line}"))
    ready = threading.Event()
    errors: List[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(supervisor.start())
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
            loop.run_until_complete(supervisor.stop())
        finally:
            ready.set()
        if not errors:
            loop.run_forever()

    thread = threading.Thread(target=serve, name="supportbot", daemon=True)
    thread.start()
    ready.wait()
    if errors:
        raise errors[0]
    return thread, supervisor, loop


def cmd_chat(args: argparse.Namespace) -> int:
    """Chat in the terminal through the gateway; starts the bot if it is not running."""
    from bot.chat import GatewayClient, chat_loop

    s = _settings(args)
    url = args.url or s.gateway_url
    client = GatewayClient(url, sender=args.sender)
    background = None
    if not client.reachable():
        if args.url:
            print(f"error: no gateway answers at {url}", file=sys.stderr)
            return 1
        print(f"No bot is running at {url}; starting one (Ctrl-D or /quit stops it) ...")
        background = _start_in_background(s)
    try:
        chat_loop(client)
    finally:
        if background is not None:
            thread, supervisor, loop = background
            asyncio.run_coroutine_threadsafe(supervisor.stop(), loop).result(timeout=30)  # type: ignore[attr-defined]
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Run the bot against local Telegram and Slack servers and chat on them as a customer."""
    from bot.redaction import install_log_redaction
    from bot.sandbox import cli as sandbox

    s = _settings(args)
    logging.basicConfig(level="WARNING", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    return sandbox.run(s, _start_in_background)


def cmd_health(args: argparse.Namespace) -> int:
    """Print the gateway's /health; exit 0 only when every component is ok."""
    s = _settings(args)
    url = f"{args.url or s.gateway_url}/health"
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        print(f"error: no gateway answers at {url} ({exc})", file=sys.stderr)
        return 2
    print(json.dumps(body, indent=2))
    return 0 if body.get("status") == "ok" else 1


def cmd_lint(args: argparse.Namespace) -> int:
    """Check the knowledge-base entries and the Rasa training data."""
    from bot.kb.lint import lint

    settings = _settings(args)
    kb_dir = Path(args.kb_dir).resolve() if args.kb_dir else settings.kb_dir
    build = settings.models_dir / ".build"
    return lint(
        settings.project_dir,
        kb_dir,
        build,
        rasa=not args.entries_only,
        escalation_dir=settings.escalation_dir,
        handoff_config=settings.handoff_config,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="supportbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="train if needed and run the whole bot")
    run.add_argument("--port", type=int, help="gateway port (default $SUPPORTBOT_PORT or 8000)")
    run.set_defaults(func=cmd_run)

    train = sub.add_parser("train", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true", help="train even if up to date")
    train.set_defaults(func=cmd_train)

    path = sub.add_parser("model-path", help="print the path of the current model")
    path.set_defaults(func=cmd_model_path)

    chat = sub.add_parser("chat", help="chat in the terminal through the gateway")
    chat.add_argument("--url", help="gateway URL (default: the local one)")
    chat.add_argument("--sender", help="conversation id (default: a random one)")
    chat.add_argument("--port", type=int, help="gateway port of the local bot")
    chat.set_defaults(func=cmd_chat)

    lint = sub.add_parser("lint", help="check knowledge-base entries and Rasa data (file:line)")
    lint.add_argument("--kb-dir", help="knowledge base to check (default: SUPPORTBOT_KB_DIR)")
    lint.add_argument(
        "--entries-only", action="store_true", help="skip `rasa data validate` (faster)"
    )
    lint.set_defaults(func=cmd_lint)

    sandbox = sub.add_parser(
        "sandbox", help="try Telegram and Slack end to end on local servers (no tokens)"
    )
    sandbox.add_argument("--port", type=int, help="gateway port (default $SUPPORTBOT_PORT or 8000)")
    sandbox.set_defaults(func=cmd_sandbox)

    health = sub.add_parser("health", help="show the state of each component")
    health.add_argument("--url", help="gateway URL (default: the local one)")
    health.add_argument("--port", type=int, help="gateway port of the local bot")
    health.set_defaults(func=cmd_health)

    from handoff.cli import add_parsers

    add_parsers(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of `supportbot`."""
    args = build_parser().parse_args(argv)
    try:
        load_dotenv(PROJECT_DIR / ".env")
        return int(args.func(args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
