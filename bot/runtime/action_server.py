"""The action server: load the knowledge base, then serve `actions/` with rasa_sdk."""

from __future__ import annotations

from typing import Any, List, Optional


def main(argv: Optional[List[str]] = None) -> None:
    """Same arguments as `python -m rasa_sdk`; the knowledge base is loaded before serving."""
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args(argv)
    from actions.common import knowledge_base

    # Load now (not on the first question) and watch the files, so /health reports the
    # knowledge base from the start and edits are live within a second.
    knowledge_base()
    redact_log_records()
    main_from_args(args)


def redact_log_records() -> None:
    """Mask secrets in every log record this process creates, whatever handler writes it.

    rasa_sdk sets up its log handlers inside ``main_from_args``, so the masking sits
    in the record factory rather than on handlers.
    """
    import logging

    from bot.redaction import RedactingFilter

    make_record = logging.getLogRecordFactory()
    mask = RedactingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        mask.filter(record)
        return record

    logging.setLogRecordFactory(factory)


if __name__ == "__main__":
    main()
