"""Frustration / technical-complexity detector: F1 on our labelled set, public sets, speed.

Run: .venv/bin/python benchmarks/signals_bench.py   (or `make bench-signals`)
Writes benchmarks/results/signals.json, signals.md and signals_<lang>.png (confusions).

- Our set: tests/data/signals_{en,de,da}.yml (labelled frustrated / technical / calm,
  written independently of the lexicons). Goal: F1 >= 0.9 per class and language.
- Public sets, read from ../shared/datasets at run time (skipped when absent): how
  often "frustrated" agrees with the negative label of airline tweets (en), GermEval
  2017 Deutsche Bahn feedback (de, relevant dev+test) and Danish social-media
  sentences (da, score < 0). These are general sentiment, not support escalations,
  so agreement is expected to be partial; it is reported as measured.
- Speed: `Detector.score` per message (tokens, lemmas, lexicons and patterns),
  median and p95 over every labelled message, several passes. Goal: < 1 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from tqdm import tqdm

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from benchmarks.common import DATASETS, RESULTS, machine  # noqa: E402
from bot.language import LANGUAGES  # noqa: E402
from bot.signals.conversation import EscalationConfig  # noqa: E402
from bot.signals.detector import Detector  # noqa: E402
from bot.signals.evaluation import CLASSES, Example, load_examples, metrics, predict  # noqa: E402

PUBLIC = {
    "en": "twitter_airline_sentiment (negative vs neutral/positive)",
    "de": "GermEval 2017, relevant dev+test (negative vs neutral/positive)",
    "da": "Danish social-media sentences (score < 0 vs >= 0)",
}


def public_set(lang: str, limit: Optional[int]) -> Optional[List[Tuple[str, bool]]]:
    """(text, is_negative) pairs of the language's public set; None when absent."""
    rows: List[Tuple[str, bool]] = []
    try:
        if lang == "en":
            with (DATASETS / "twitter_airline_sentiment" / "Tweets.csv").open(
                encoding="utf-8"
            ) as f:
                seen = set()
                for row in csv.DictReader(f):
                    if row["tweet_id"] in seen:
                        continue
                    seen.add(row["tweet_id"])
                    rows.append((row["text"], row["airline_sentiment"] == "negative"))
        elif lang == "de":
            for name in ("dev.tsv", "test.tsv"):
                path = DATASETS / "germeval2017" / name
                for line in path.read_text(encoding="utf-8").splitlines():
                    cols = line.split("\t")
                    if len(cols) >= 4 and cols[2] == "true" and cols[3] in (
                        "negative", "neutral", "positive",
                    ):  # fmt: skip
                        rows.append((cols[1], cols[3] == "negative"))
        else:
            path = DATASETS / "danish_sentiment_socialmedia_sam" / "all_sentences.csv"
            with path.open(encoding="utf-8") as f:
                for row in csv.reader(f):
                    if len(row) >= 2 and row[0].strip().lstrip("-").isdigit():
                        rows.append((row[1], int(row[0]) < 0))
    except FileNotFoundError:
        return None
    return rows[:limit] if limit else rows


def agreement(
    detector: Detector, config: EscalationConfig, lang: str, rows: List[Tuple[str, bool]]
) -> Dict[str, Any]:
    """How well "frustrated" agrees with the public set's negative label."""
    examples = [Example(text, negative, False) for text, negative in rows]
    predictions = predict(detector, config, examples, lang)
    figures = metrics(predictions)["frustrated"]
    n = len(predictions)
    agree = (figures["tp"] + figures["tn"]) / n if n else 0.0
    p_yes = ((figures["tp"] + figures["fp"]) / n) * ((figures["tp"] + figures["fn"]) / n)
    p_no = ((figures["tn"] + figures["fn"]) / n) * ((figures["tn"] + figures["fp"]) / n)
    expected = p_yes + p_no
    kappa = (agree - expected) / (1 - expected) if expected < 1 else 0.0
    return {**figures, "n": n, "negative_share": (figures["tp"] + figures["fn"]) / n,
            "accuracy": agree, "kappa": kappa}  # fmt: skip


def speed(detector: Detector, texts: Dict[str, List[str]], passes: int) -> Dict[str, float]:
    """Median and p95 time of one ``Detector.score`` call, in ms."""
    times: List[float] = []
    total = passes * sum(len(v) for v in texts.values())
    with tqdm(total=total, desc="speed") as bar:
        for _ in range(passes):
            for lang, items in texts.items():
                for text in items:
                    started = time.perf_counter()
                    detector.score(text, lang)
                    times.append((time.perf_counter() - started) * 1000)
                    bar.update()
    times.sort()
    return {
        "n": len(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
    }


def plot(lang: str, result: Dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(f"our set: {c}", result["ours"][lang][c]) for c in CLASSES]
    if result["public"].get(lang):
        panels.append(("public: frustrated vs negative", result["public"][lang]))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.4))
    for ax, (title, m) in zip(axes, panels, strict=True):
        grid = [[m["tp"], m["fn"]], [m["fp"], m["tn"]]]
        ax.imshow(grid, cmap="Blues")
        for i in range(2):
            for j in range(2):
                ax.text(j, i, str(int(grid[i][j])), ha="center", va="center", fontsize=12)
        ax.set_xticks([0, 1], ["predicted yes", "predicted no"])
        ax.set_yticks([0, 1], ["labelled yes", "labelled no"])
        ax.set_title(f"{title}\nF1 {m['f1']:.2f}", fontsize=10)
    fig.suptitle(f"Detector confusion ({lang})")
    fig.tight_layout()
    fig.savefig(out / f"signals_{lang}.png", dpi=100)
    plt.close(fig)


def write_report(result: Dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "signals.json").write_text(json.dumps(result, indent=2))
    lines = [
        f"Frustration / complexity detector ({result['machine']}; {result['date']}; thresholds "
        f"frustration {result['thresholds']['frustration']}, "
        f"complexity {result['thresholds']['complexity']}).",
        "",
        "| language | messages | frustrated P / R / F1 | technical P / R / F1 |",
        "|---|---|---|---|",
    ]
    for lang in LANGUAGES:
        r = result["ours"][lang]
        cells = [
            f"{r[c]['precision']:.2f} / {r[c]['recall']:.2f} / **{r[c]['f1']:.2f}**"
            for c in CLASSES
        ]
        lines.append(f"| {lang} | {r['n']} | {cells[0]} | {cells[1]} |")
    lines += [
        "",
        "| language | public set | texts | negative share | frustrated P / R / F1 "
        "| accuracy | Cohen's kappa |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang in LANGUAGES:
        r = result["public"].get(lang)
        if r is None:
            lines.append(f"| {lang} | {PUBLIC[lang]} | absent, skipped | | | | |")
            continue
        lines.append(
            f"| {lang} | {PUBLIC[lang]} | {r['n']:,} | {r['negative_share']:.0%} "
            f"| {r['precision']:.2f} / {r['recall']:.2f} / {r['f1']:.2f} "
            f"| {r['accuracy']:.1%} | {r['kappa']:.2f} |"
        )
    s = result["speed"]
    lines += [
        "",
        f"Detector speed: p50 **{s['p50_ms']:.3f} ms**, p95 {s['p95_ms']:.3f} ms, "
        f"max {s['max_ms']:.2f} ms per message ({s['n']:,} calls).",
    ]
    (out / "signals.md").write_text("\n".join(lines) + "\n")
    for lang in LANGUAGES:
        plot(lang, result, out)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=20, help="speed passes over our set")
    parser.add_argument("--public-limit", type=int, default=0, help="cap public texts (0: all)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the results go")
    args = parser.parse_args(argv)
    detector = Detector.from_directory(PROJECT_DIR / "escalation" / "lexicons")
    config = EscalationConfig.from_file(PROJECT_DIR / "escalation" / "policy.yml")
    result: Dict[str, Any] = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "thresholds": {
            "frustration": config.frustration_threshold,
            "complexity": config.complexity_threshold,
        },
        "ours": {},
        "public": {},
    }
    texts: Dict[str, List[str]] = {}
    for lang in tqdm(LANGUAGES, desc="our set"):
        examples = load_examples(PROJECT_DIR / "tests" / "data" / f"signals_{lang}.yml")
        texts[lang] = [e.text for e in examples]
        result["ours"][lang] = {
            "n": len(examples),
            **metrics(predict(detector, config, examples, lang)),
        }
    for lang in tqdm(LANGUAGES, desc="public sets"):
        rows = public_set(lang, args.public_limit or None)
        if rows is None:
            print(f"{lang}: public set not found under {DATASETS}, skipped")
            continue
        result["public"][lang] = agreement(detector, config, lang, rows)
    result["speed"] = speed(detector, texts, args.passes)
    write_report(result, args.out)
    print((args.out / "signals.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
