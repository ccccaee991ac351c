"""Settings read from the environment (see .env.example), never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, List, Mapping, MutableMapping, Optional

PROJECT_DIR = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting has a value we cannot use."""


def load_dotenv(path: Path, env: Optional[MutableMapping[str, str]] = None) -> List[str]:
    """Set ``KEY=value`` lines of a .env file that the environment does not set yet.

    Returns the names it set. Real environment variables always win.
    """
    env = os.environ if env is None else env
    if not path.is_file():
        return []
    applied = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ConfigError(f"{path}:{number}: expected KEY=value, got {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key not in env:
            env[key] = value
            applied.append(key)
    return applied


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the runtime needs; build with :meth:`from_env`."""

    project_dir: Path = PROJECT_DIR
    data_dir: Path = field(default_factory=lambda: PROJECT_DIR / "var")
    models_dir: Path = field(default_factory=lambda: PROJECT_DIR / "models")
    kb_dir: Path = field(default_factory=lambda: PROJECT_DIR / "knowledge_base")
    escalation_dir: Path = field(default_factory=lambda: PROJECT_DIR / "escalation")
    handoff_config: Path = field(default_factory=lambda: PROJECT_DIR / "handoff" / "config.yml")
    # Bearer token of the agent API (/api/handoffs) for the CLI and integrations.
    agent_token: Optional[str] = None
    host: str = "127.0.0.1"
    port: int = 8000
    rasa_port: int = 5005
    actions_port: int = 5055
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024
    max_message_chars: int = 8000
    max_sender_chars: int = 255
    max_metadata_depth: int = 8
    rasa_timeout: float = 30.0
    # TELEGRAM_* and SLACK_* variables; the channels check them at start (bot/channels).
    channel_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Settings:
        """Read ``SUPPORTBOT_*`` variables; unset ones take the defaults."""
        env = os.environ if env is None else env
        defaults = cls()
        data_dir = Path(env.get("SUPPORTBOT_DATA_DIR") or defaults.data_dir)
        models_dir = Path(env.get("SUPPORTBOT_MODELS_DIR") or defaults.models_dir)
        kb_dir = Path(env.get("SUPPORTBOT_KB_DIR") or defaults.kb_dir)
        escalation_dir = Path(env.get("SUPPORTBOT_ESCALATION_DIR") or defaults.escalation_dir)
        handoff_config = Path(env.get("SUPPORTBOT_HANDOFF_CONFIG") or defaults.handoff_config)
        agent_token = env.get("SUPPORTBOT_AGENT_TOKEN", "").strip() or None
        if agent_token is not None and len(agent_token) < 16:
            raise ConfigError("SUPPORTBOT_AGENT_TOKEN must be at least 16 characters")
        level = (env.get("SUPPORTBOT_LOG_LEVEL") or defaults.log_level).upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(
                f"SUPPORTBOT_LOG_LEVEL must be DEBUG/INFO/WARNING/ERROR, got {level!r}"
            )
        return cls(
            data_dir=data_dir.resolve(),
            models_dir=models_dir.resolve(),
            kb_dir=kb_dir.resolve(),
            escalation_dir=escalation_dir.resolve(),
            handoff_config=handoff_config.resolve(),
            agent_token=agent_token,
            host=env.get("SUPPORTBOT_HOST") or defaults.host,
            port=_int(env, "SUPPORTBOT_PORT", defaults.port, 0, 65535),
            rasa_port=_int(env, "SUPPORTBOT_RASA_PORT", defaults.rasa_port, 0, 65535),
            actions_port=_int(env, "SUPPORTBOT_ACTIONS_PORT", defaults.actions_port, 0, 65535),
            log_level=level,
            max_message_chars=_int(
                env, "SUPPORTBOT_MAX_MESSAGE_CHARS", defaults.max_message_chars, 1, 1_000_000
            ),
            rasa_timeout=_float(env, "SUPPORTBOT_RASA_TIMEOUT", defaults.rasa_timeout),
            channel_env={k: v for k, v in env.items() if k.startswith(("TELEGRAM_", "SLACK_"))},
        )

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (command-line options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def kb_status_file(self) -> Path:
        """Where the action server reports the knowledge base's state (read by /health)."""
        return self.data_dir / "run" / "kb_status.json"

    @property
    def handoff_db(self) -> Path:
        """The handoff queue (tickets, transcripts, agents, the REST outbox)."""
        return self.data_dir / "handoff.db"

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server (loopback)."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Base URL of the action server (loopback)."""
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def gateway_url(self) -> str:
        """Base URL of the gateway as a local client reaches it."""
        host = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host
        return f"http://{host}:{self.port}"
