"""The NLU and serving benchmarks run end to end on a tiny subset and write their files.

They never assert timings or accuracy: the figures are in the README, from full runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import DATASETS
from bot.config import PROJECT_DIR

pytestmark = pytest.mark.stack


def run(
    script: str, out: Path, *args: str, datasets: Path | None = None, timeout: int = 1200
) -> subprocess.CompletedProcess:
    """``benchmarks/<script> --out <out> <args>``; ``datasets`` replaces ../shared/datasets."""
    env = {**os.environ}
    if datasets is not None:
        env["SUPPORTBOT_DATASETS"] = str(datasets)
    return subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--out", str(out), *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.skipif(
    not (DATASETS / "banking77").exists() or not (DATASETS / "clinc150").exists(),
    reason="../shared/datasets/{banking77,clinc150} not present",
)
def test_nlu_bench_writes_json_table_and_plots(tmp_path: Path) -> None:
    done = run("nlu_bench.py", tmp_path, "--tiny", "--default-epochs", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "nlu.json").read_text())
    assert report["tiny"]
    for name in ("banking77", "clinc150"):
        pipelines = report["datasets"][name]["pipelines"]
        assert set(pipelines) == {"ours", "rasa default"}
        assert pipelines["rasa default"]["epochs"] == 2
        assert all(0 <= p["accuracy"] <= 100 and p["train_s"] > 0 for p in pipelines.values())
        assert (tmp_path / f"nlu_{name}.png").stat().st_size > 1000
    curve = report["datasets"]["clinc150"]["pipelines"]["ours"]["curve"]
    assert len(curve) == 51 and curve[0]["oos_recall"] == 0
    table = (tmp_path / "nlu.md").read_text()
    assert "| Banking77 |" in table and "| CLINC150 (full) |" in table


def test_nlu_bench_skips_cleanly_without_datasets(tmp_path: Path) -> None:
    done = run("nlu_bench.py", tmp_path, "--tiny", datasets=tmp_path / "none", timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipped banking77" in done.stdout and "skipped clinc150" in done.stdout
    assert json.loads((tmp_path / "nlu.json").read_text())["datasets"] == {}


def test_signals_bench_writes_its_files_and_skips_absent_public_sets(tmp_path: Path) -> None:
    done = run(
        "signals_bench.py", tmp_path, "--passes", "1", datasets=tmp_path / "none", timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "signals.json").read_text())
    assert set(result["ours"]) == {"en", "de", "da"} and result["public"] == {}
    assert result["speed"]["p50_ms"] > 0
    table = (tmp_path / "signals.md").read_text()
    assert table.count("absent, skipped") == 3 and "| en | 118 |" in table
    for lang in ("en", "de", "da"):
        assert (tmp_path / f"signals_{lang}.png").stat().st_size > 1000


def test_serving_bench_writes_json_table_and_plot(model: Path, tmp_path: Path) -> None:
    done = run("serving_bench.py", tmp_path, "--tiny", "--reuse-models")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "serving.json").read_text())
    for name in ("ours", "stock"):
        system = report["systems"][name]
        assert system["c1"]["messages"] == 4 and system["c16"]["messages"] == 16
        assert system["rss_mb"] > 0 and system["first_answer_s"] > 0
    assert report["systems"]["stock"]["train_s"] > 0
    assert (tmp_path / "serving.png").stat().st_size > 1000
    assert "| latency p50, 1 conversation |" in (tmp_path / "serving.md").read_text()
