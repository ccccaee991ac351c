from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_DIR
from bot.kb.catalog import Catalog
from bot.kb.entries import TEAMS, parse_entry
from tests.kb.helpers import entry_text, write_entry

REQUIRED = {
    "account": ["password-reset", "reset-email-missing", "account-locked", "two-factor-auth",
                "change-email", "delete-account"],
    "billing": ["payment-methods", "payment-declined", "invoice-copy", "refund-status",
                "cancel-subscription", "change-plan"],
    "orders": ["order-tracking", "delivery-times", "change-address", "cancel-order",
               "return-item", "damaged-item", "voucher-redeem"],
    "technical": ["app-troubleshooting", "notifications-missing", "supported-devices",
                  "data-export"],
    "general": ["contact-hours", "privacy-data"],
}  # fmt: skip


def test_the_shipped_knowledge_base_has_every_required_entry_in_three_languages() -> None:
    entries, problems = Catalog(PROJECT_DIR / "knowledge_base").load()
    assert [str(p) for p in problems] == []
    for team, ids in REQUIRED.items():
        for entry_id in ids:
            entry = entries[entry_id]
            assert entry.team == team
            assert Path(entry.file).stem == entry_id
            for lang in ("en", "de", "da"):
                article = entry.article(lang)
                assert article.title and len(article.answer) > 80
                assert 5 <= len(article.questions) <= 10
    assert set(TEAMS) == set(REQUIRED)


def test_password_reset_answers_have_the_link_and_never_ask_for_the_password() -> None:
    entries, _ = Catalog(PROJECT_DIR / "knowledge_base").load()
    for lang in ("en", "de", "da"):
        answer = entries["password-reset"].article(lang).answer
        assert "https://alpha.example/account/reset-password" in answer
        assert "60" in answer  # how long the link is valid


def test_a_valid_entry_parses() -> None:
    entry, problems = parse_entry(entry_text("faq-one", related=["x"]), "faq-one.yml")
    assert problems == [] and entry is not None
    assert entry.id == "faq-one" and entry.related == ("x",)
    assert len(entry.article("da").questions) == 5


def test_bad_yaml_names_file_and_line() -> None:
    text = entry_text("broken") + "en: [unclosed\n"
    entry, problems = parse_entry(text, "broken.yml")
    assert entry is None
    assert problems[0].file == "broken.yml" and "invalid YAML" in problems[0].message
    assert problems[0].line >= len(text.splitlines()) - 1


def test_a_missing_language_is_an_error() -> None:
    data = yaml.safe_load(entry_text("no-danish"))
    del data["da"]
    entry, problems = parse_entry(yaml.safe_dump(data), "no-danish.yml")
    assert entry is None
    assert any("language 'da' is missing" in p.message for p in problems)


def test_a_bad_team_and_empty_answer_point_at_their_lines() -> None:
    data = yaml.safe_load(entry_text("bad-team"))
    data["team"] = "marketing"
    data["de"]["answer"] = ""
    text = yaml.safe_dump(data, sort_keys=False)
    entry, problems = parse_entry(text, "bad-team.yml")
    assert entry is None
    lines = text.splitlines()
    team = next(p for p in problems if "team" in p.message)
    assert lines[team.line - 1].startswith("team:")
    answer = next(p for p in problems if "de.answer" in p.message)
    assert "answer" in lines[answer.line - 1]


def test_too_few_questions_is_a_warning_not_a_rejection() -> None:
    text = entry_text("few", questions={"en": ["one question", "another question"]})
    entry, problems = parse_entry(text, "few.yml")
    assert entry is not None
    assert [p.severity for p in problems] == ["warning"]


def test_duplicate_id_rejects_the_newcomer(tmp_path: Path) -> None:
    write_entry(tmp_path, "alpha-one")
    catalog = Catalog(tmp_path)
    entries, problems = catalog.load()
    assert set(entries) == {"alpha-one"} and problems == []
    (tmp_path / "copy.yml").write_text(
        entry_text("alpha-one", questions={"en": [f"other {i}" for i in range(5)]})
    )
    entries, problems = catalog.load()
    assert entries["alpha-one"].file == "alpha-one.yml"
    assert [(p.file, "duplicate id" in p.message) for p in problems] == [("copy.yml", True)]


def test_a_sample_question_in_two_entries_is_rejected(tmp_path: Path) -> None:
    write_entry(tmp_path, "first", questions={"en": [f"how do I do thing {i}" for i in range(5)]})
    catalog = Catalog(tmp_path)
    catalog.load()
    write_entry(
        tmp_path,
        "second",
        questions={"en": ["How do I do thing 3?", "b one", "b two", "b three", "b four"]},
    )
    entries, problems = catalog.load()
    assert set(entries) == {"first"}
    assert problems[0].file == "second.yml" and "first.yml" in problems[0].message
    text = (tmp_path / "second.yml").read_text().splitlines()
    assert "How do I do thing 3?" in text[problems[0].line - 1]


def test_more_questions_parse_with_their_lines_and_a_repeat_is_only_a_warning() -> None:
    more = ["gift wrap please", "can it come wrapped", "wrap-1 en question 0"]
    text = entry_text("wrap-1", more_questions={"en": more, "de": ["als Geschenk verpackt?"]})
    entry, problems = parse_entry(text, "wrap-1.yml")
    assert entry is not None
    assert entry.article("en").more_questions == tuple(more)
    assert entry.article("da").more_questions == ()
    lines = text.splitlines()
    assert [lines[n - 1].strip() for n in entry.article("en").more_question_lines] == [
        f"- {q}" for q in more
    ]
    # the third repeats a sample question: harmless for matching, so it keeps serving
    assert [(p.severity, "repeats" in p.message) for p in problems] == [("warning", True)]


def test_more_questions_must_be_a_list_of_text() -> None:
    text = entry_text("wrap-2").replace(
        "  questions:", "  more_questions: wrap it\n  questions:", 1
    )
    entry, problems = parse_entry(text, "wrap-2.yml")
    assert entry is None and "more_questions must be a list" in problems[0].message


def test_a_more_question_that_another_entry_asks_is_rejected(tmp_path: Path) -> None:
    write_entry(tmp_path, "first", questions={"en": [f"how do I do thing {i}" for i in range(5)]})
    catalog = Catalog(tmp_path)
    catalog.load()
    write_entry(tmp_path, "second", more_questions={"en": ["b one", "How do I do thing 2?"]})
    entries, problems = catalog.load()
    assert set(entries) == {"first"}
    assert problems[0].file == "second.yml" and "first.yml" in problems[0].message
    text = (tmp_path / "second.yml").read_text().splitlines()
    assert "How do I do thing 2?" in text[problems[0].line - 1]


def test_an_unknown_related_entry_is_rejected(tmp_path: Path) -> None:
    write_entry(tmp_path, "lonely", related=["does-not-exist"])
    entries, problems = Catalog(tmp_path).load()
    assert entries == {}
    assert "related entry not found: does-not-exist" in problems[0].message


def test_a_broken_edit_keeps_the_last_good_version(tmp_path: Path) -> None:
    path = write_entry(tmp_path, "keep-me", answer="Version one.")
    catalog = Catalog(tmp_path)
    entries, _ = catalog.load()
    assert entries["keep-me"].article("en").answer.startswith("Version one")
    path.write_text(path.read_text().replace("da:", "da: [oops", 1))
    entries, problems = catalog.load()
    assert entries["keep-me"].article("en").answer.startswith("Version one")
    assert problems and problems[0].file == "keep-me.yml"
    write_entry(tmp_path, "keep-me", answer="Version two.")
    entries, problems = catalog.load()
    assert problems == []
    assert entries["keep-me"].article("en").answer.startswith("Version two")


@pytest.mark.parametrize("name", ["README.md", ".hidden.yml"])
def test_non_entry_files_are_ignored(tmp_path: Path, name: str) -> None:
    write_entry(tmp_path, "only")
    (tmp_path / name).write_text("not: [an entry")
    entries, problems = Catalog(tmp_path).load()
    assert set(entries) == {"only"} and problems == []
