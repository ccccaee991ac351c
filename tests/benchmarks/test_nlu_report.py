"""The NLU report merges pipelines measured in different runs and says when each was."""

from __future__ import annotations

from typing import Any, Dict

from benchmarks.nlu_bench import carried_over, markdown


def _bank(pipelines: Dict[str, Any], measured: str, train: int = 10003) -> Dict[str, Any]:
    return {
        "train": train,
        "test": 3080,
        "measured": measured,
        "machine": "m",
        "pipelines": pipelines,
    }


OURS = {"accuracy": 91.9, "macro_f1": 91.9, "train_s": 120.0, "peak_rss_mb": 2400.0}
DEFAULT = {"accuracy": 92.5, "macro_f1": 92.4, "train_s": 5000.0, "peak_rss_mb": 3000.0}


def test_pipelines_not_retrained_keep_their_figures_and_dates() -> None:
    earlier = _bank({"ours": OURS}, "2026-11-21")
    result = _bank({}, "2026-11-22")
    result["pipelines"] = carried_over(earlier, result)
    result["pipelines"]["rasa default"] = {**DEFAULT, "measured": "2026-11-22", "epochs": 100}
    assert result["pipelines"]["ours"]["measured"] == "2026-11-21"
    table = markdown({"datasets": {"banking77": result}})
    assert "measured ours 2026-11-21, rasa default 2026-11-22" in table
    assert "Rasa default at 100 epochs" in table
    assert "| rasa default | 92.50 % | 92.40 % | 83.3 min | 3000 MB |" in table


def test_a_different_split_keeps_nothing() -> None:
    earlier = _bank({"ours": OURS}, "2026-11-21", train=40)
    assert carried_over(earlier, _bank({}, "2026-11-22")) == {}
    assert carried_over(None, _bank({}, "2026-11-22")) == {}


def test_one_date_when_all_were_measured_together() -> None:
    same = _bank({"ours": {**OURS, "measured": "2026-11-22"}}, "2026-11-22")
    assert "measured 2026-11-22 on m; Rasa's default pipeline not run" in markdown(
        {"datasets": {"banking77": same}}
    )
