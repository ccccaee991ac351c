"""The agent console end to end in a real headless Chromium (Debian's, driven by Playwright).

A customer over REST triggers a handoff; an agent signs in, sees the ticket appear
live, opens it (transcript and summary), sees a new customer message arrive, claims
and replies; the customer gets the reply; the agent resolves and the customer gets
the satisfaction question. A screenshot of the console is saved as an artifact.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_DIR
from tests.conftest import Stack

CHROMIUM = Path(os.environ.get("SUPPORTBOT_CHROMIUM", "/usr/lib/chromium/chromium"))
ARTIFACTS = PROJECT_DIR / "var" / "results" / "e2e"
PASSWORD = "console-e2e-password"

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("SUPPORTBOT_REQUIRE_BROWSER"),
        reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)",
    ),
]


def add_agent(stack: Stack, name: str) -> None:
    """Create the agent account with the CLI, as an admin would."""
    env = {**os.environ, "SUPPORTBOT_DATA_DIR": str(stack.data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "agents", "add", name, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=env,
        cwd=PROJECT_DIR,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_agent_console_end_to_end(stack: Stack) -> None:
    from playwright.sync_api import expect, sync_playwright

    add_agent(stack, "maja")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sender = "e2e-customer"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 860})
            errors: list = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{stack.url}/console")
            page.fill("input[name=name]", "maja")
            page.fill("input[name=password]", "wrong password!")
            page.click("button[type=submit]")
            expect(page.locator(".error")).to_have_text("Wrong name or password.")
            page.fill("input[name=name]", "maja")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#agent")).to_have_text("maja")
            expect(page.locator("#live")).to_have_class("live on")

            # 1. the customer's conversation hands off; the ticket appears without a reload
            stack.say(sender, "Hi, I'm waiting for my refund for order 4411")
            replies = stack.say(sender, "can I talk to a human please")
            ticket_id = next(
                r["metadata"]["handoff_id"] for r in replies if "handoff_id" in r["metadata"]
            )
            item = page.locator(f"#queue li[data-id='{ticket_id}']")
            expect(item).to_be_visible(timeout=10_000)
            expect(item).to_contain_text("customer request")

            # 2. open it: summary and transcript
            item.click()
            expect(page.locator("#t-summary")).to_contain_text("waiting for my refund")
            transcript = page.locator("#transcript")
            expect(transcript).to_contain_text("can I talk to a human please")
            expect(page.locator("#reply textarea")).to_be_disabled()

            # a new customer message arrives in the open ticket, live
            assert stack.say(sender, "It's about 59.90 EUR") == []
            expect(transcript).to_contain_text("It's about 59.90 EUR", timeout=10_000)

            # 3. claim and reply; the customer receives the reply
            page.click("#claim")
            expect(page.locator("#t-status")).to_have_text("claimed · maja")
            expect(item).to_be_hidden(timeout=5_000)  # the queue shows waiting tickets
            page.select_option("select[name=status]", "claimed")
            expect(item).to_contain_text("claimed by maja", timeout=5_000)
            page.fill("#reply textarea", "Hi, this is Maja. Your refund was sent today.")
            page.click("#reply button")
            expect(transcript.locator("li.agent")).to_contain_text("Your refund was sent today")
            received = stack.fetch(sender, wait=10)
            assert [m["text"] for m in received] == [
                "Hi, this is Maja. Your refund was sent today."
            ]
            page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)

            # 4. resolve; the customer gets the satisfaction question
            page.click("#resolve")
            expect(page.locator("#t-status")).to_have_text("resolved · maja")
            survey = stack.fetch(sender, wait=10)
            assert len(survey) == 1 and "How satisfied" in survey[0]["text"]
            assert len(survey[0]["buttons"]) == 5
            assert errors == []
        finally:
            browser.close()
    assert (ARTIFACTS / "console.png").stat().st_size > 10_000
