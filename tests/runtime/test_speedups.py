"""The cached schema check keeps jsonschema.validate's behaviour, and Rasa uses it."""

from __future__ import annotations

from unittest import mock

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.runtime import speedups

SPEC = RemoteAction.action_response_format_spec()
GOOD = {"events": [{"event": "slot", "name": "kb_article", "value": "x"}], "responses": []}


def test_valid_and_invalid_responses_are_judged_as_before() -> None:
    speedups.validate_checking_schema_once(GOOD, SPEC)
    jsonschema.validators.validate(GOOD, SPEC)  # the original agrees
    bad = {"events": [{"no_event_key": 1}], "responses": "not a list"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validate(bad, SPEC)
    with pytest.raises(jsonschema.ValidationError):
        speedups.validate_checking_schema_once(bad, SPEC)


def test_a_broken_schema_is_still_reported() -> None:
    with pytest.raises(jsonschema.SchemaError):
        speedups.validate_checking_schema_once({}, {"type": 12})


def test_the_schema_is_checked_once_per_distinct_schema() -> None:
    cls = jsonschema.validators.validator_for(SPEC)
    other = {"type": "object", "properties": {"events": {"type": "array"}}}
    with mock.patch.object(cls, "check_schema", wraps=cls.check_schema) as check:
        for _ in range(5):
            speedups.validate_checking_schema_once(GOOD, SPEC)
            speedups.validate_checking_schema_once(GOOD, other)
    assert check.call_count <= 2  # once each (zero if an earlier test checked them)
    speedups._checked.clear()
    with mock.patch.object(cls, "check_schema", wraps=cls.check_schema) as check:
        speedups.validate_checking_schema_once(GOOD, SPEC)
    assert check.call_count == 1


def test_rasa_validates_through_the_cache_once_installed() -> None:
    speedups.install()
    speedups.install()  # idempotent
    assert jsonschema.validate is speedups.validate_checking_schema_once
    RemoteAction("action_x", None)._validate_action_result(GOOD)
