"""`python -m bot` is the `supportbot` command."""

from bot.cli import main

raise SystemExit(main())
