"""Measured speed-ups for the Rasa process, installed by ``MultilingualNLG`` at model load.

Rasa 3.6 validates every action-server response with ``jsonschema.validate``, which
first checks Rasa's own (constant) response schema against the JSON Schema
meta-schema. Profiling the bot (README, "Serving") showed that check at ~100 ms per
custom action under cProfile, about half of Rasa's time per FAQ answer. The schema
never changes, so it is checked once per distinct schema; the response itself is
still validated every time, exactly as ``jsonschema.validate`` does (jsonschema 4.17).
"""

from __future__ import annotations

import json
import threading
from typing import Any, Set

_checked: Set[str] = set()
_lock = threading.Lock()
_installed = False


def validate_checking_schema_once(
    instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any
) -> None:
    """``jsonschema.validate`` whose schema check runs once per distinct schema."""
    from jsonschema import exceptions, validators

    if cls is None:
        cls = validators.validator_for(schema)
    key = json.dumps(schema, sort_keys=True, default=str)
    if key not in _checked:
        cls.check_schema(schema)  # raises SchemaError for a broken schema, as before
        with _lock:
            _checked.add(key)
    validator = cls(schema, *args, **kwargs)
    error = exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Route ``jsonschema.validate`` (which Rasa imports at each call) through the cache."""
    global _installed
    if _installed:
        return
    import jsonschema

    jsonschema.validate = validate_checking_schema_once
    _installed = True
