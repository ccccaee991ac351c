"""Intent accuracy on Banking77 and out-of-scope handling on CLINC150, ours against Rasa's default.

Run: .venv/bin/python benchmarks/nlu_bench.py   (or `make bench-nlu`)
Writes benchmarks/results/nlu.json, nlu.md, nlu_banking77.png and nlu_clinc150.png.

Each pipeline is trained with `rasa train nlu` in a child process (its wall time and
peak RSS are measured) on the dataset's train split, then the model parses the test
split in-process.

- "ours": the NLU pipeline of config.yml (language identifier, spaCy lemmas, signal
  detector, TF-IDF + logistic regression, FallbackClassifier at our threshold).
- "rasa default": the pipeline `rasa init` writes (CountVectors + DIETClassifier,
  100 epochs; `--default-epochs` changes that, and the report says so).

Banking77: accuracy and macro-F1 of the classifier's top intent (no out-of-scope set).
CLINC150 (full): trained on the 150 in-scope intents; a test query is out of scope when
the top confidence is below the threshold. In-scope accuracy counts a rejected in-scope
query as wrong. Reported at each pipeline's own fallback threshold and as a curve.
Datasets are read from ../shared/datasets (SUPPORTBOT_DATASETS); absent ones are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from tqdm import tqdm

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from benchmarks.common import DATASETS, RESULTS, machine  # noqa: E402

Examples = List[Tuple[str, str]]  # (text, intent)
OOS = "oos"
REFERENCES = {
    "banking77": [("fine-tuned BERT", 93.66), ("USE+ConveRT", 93.36)],
    "clinc150": [("BERT (threshold)", 96.2, 52.3), ("Rasa 2019 (threshold)", 90.9, 31.2)],
}
DEFAULT_PIPELINE: List[Dict[str, Any]] = [  # rasa/cli/initial_project/config.yml, uncommented
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
    {"name": "DIETClassifier", "epochs": 100},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector", "epochs": 100},
    {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
]


# -- datasets ----------------------------------------------------------------------------


def banking77() -> Optional[Tuple[Examples, Examples]]:
    """(train, test) or None when absent."""
    folder = DATASETS / "banking77"
    if not (folder / "train.csv").exists():
        return None

    def read(name: str) -> Examples:
        with open(folder / name, encoding="utf-8", newline="") as handle:
            return [(row["text"], row["category"]) for row in csv.DictReader(handle)]

    return read("train.csv"), read("test.csv")


def clinc150() -> Optional[Tuple[Examples, Examples]]:
    """(in-scope train, test with out-of-scope labelled "oos") or None when absent."""
    path = DATASETS / "clinc150" / "data_full.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    train = [(t, i) for t, i in data["train"]]
    test = [(t, i) for t, i in data["test"]] + [(t, OOS) for t, _ in data["oos_test"]]
    return train, test


def clinc150_validation() -> Examples:
    """CLINC150's validation split, out-of-scope labelled "oos" (empty when absent)."""
    path = DATASETS / "clinc150" / "data_full.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(t, i) for t, i in data["val"]] + [(t, OOS) for t, _ in data["oos_val"]]


def subset(examples: Examples, intents: int, per_intent: int, seed: int = 7) -> Examples:
    """The first ``intents`` intents (and oos), at most ``per_intent`` examples each."""
    keep = sorted({i for _, i in examples if i != OOS})[:intents] + [OOS]
    by_intent: Dict[str, List[str]] = defaultdict(list)
    for text, intent in examples:
        if intent in keep:
            by_intent[intent].append(text)
    rng = random.Random(seed)
    out: Examples = []
    for intent, texts in by_intent.items():
        rng.shuffle(texts)
        out += [(t, intent) for t in texts[:per_intent]]
    return out


# -- training ----------------------------------------------------------------------------


def nlu_yaml(examples: Examples) -> str:
    """Rasa NLU training data; every intent is labelled English for our language model."""
    by_intent: Dict[str, List[str]] = defaultdict(list)
    for text, intent in examples:
        by_intent[intent].append(text)
    return yaml.safe_dump(
        {
            "version": "3.1",
            "nlu": [
                {
                    "intent": intent,
                    "metadata": {"language": "en"},
                    "examples": "".join(f"- {json.dumps(t, ensure_ascii=False)}\n" for t in texts),
                }
                for intent, texts in sorted(by_intent.items())
            ],
        },
        allow_unicode=True,
        sort_keys=False,
    )


def pipelines(default_epochs: int) -> Dict[str, Dict[str, Any]]:
    """The two configs: ours (config.yml's pipeline) and Rasa's default."""
    ours = yaml.safe_load((PROJECT_DIR / "config.yml").read_text(encoding="utf-8"))
    default = [dict(c) for c in DEFAULT_PIPELINE]
    for component in default:
        if "epochs" in component:
            component["epochs"] = default_epochs
    base = {"recipe": "default.v1", "language": "en", "assistant_id": "nlu-bench", "policies": []}
    return {
        "ours": {**base, "pipeline": ours["pipeline"]},
        "rasa default": {**base, "pipeline": default},
    }


def fallback_threshold(config: Dict[str, Any]) -> float:
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.0


def peak_rss_mb(pid: int) -> Optional[float]:
    """The process's peak resident memory so far (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def train(config: Dict[str, Any], data: Path, out: Path, name: str) -> Dict[str, Any]:
    """`rasa train nlu` in a child process: model path, seconds, peak RSS (MB)."""
    config_path = out / f"{name}.config.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # An empty cache of trained components: otherwise a rerun with the same data
        # and config reuses ~/.rasa/cache and reports seconds instead of the training.
        "RASA_CACHE_DIRECTORY": str(out / f"{name}.cache"),
    }
    command = [
        sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config_path),
        "--nlu", str(data), "--out", str(out), "--fixed-model-name", name,
    ]  # fmt: skip
    log = out / f"{name}.train.log"
    started = time.monotonic()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=output)
        peak = [0.0]

        def watch() -> None:
            while process.poll() is None:
                value = peak_rss_mb(process.pid)
                if value:
                    peak[0] = max(peak[0], value)
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        code = process.wait()
        watcher.join()
    seconds = time.monotonic() - started
    if code != 0:
        raise RuntimeError(f"training {name} failed ({code}); see {log}")
    return {"model": str(out / f"{name}.tar.gz"), "train_s": seconds, "peak_rss_mb": peak[0]}


# -- evaluation --------------------------------------------------------------------------


def predict(model: str, texts: List[str], label: str) -> List[Tuple[str, float]]:
    """The classifier's top intent and confidence per text (before any fallback)."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no debug line per parsed message
    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(model)
    out: List[Tuple[str, float]] = []

    async def run() -> None:
        for text in tqdm(texts, desc=f"parse {label}", unit="msg", leave=False):
            parsed = await agent.parse_message(text)
            ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
            top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
            out.append((str(top["name"]), float(top["confidence"] or 0.0)))

    asyncio.run(run())
    return out


def macro_f1(gold: List[str], predicted: List[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, predicted, average="macro", labels=sorted(set(gold))))


def intent_scores(test: Examples, predictions: List[Tuple[str, float]]) -> Dict[str, Any]:
    gold = [i for _, i in test]
    predicted = [p for p, _ in predictions]
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {"accuracy": 100 * correct / len(gold), "macro_f1": 100 * macro_f1(gold, predicted)}


def oos_scores(
    test: Examples, predictions: List[Tuple[str, float]], threshold: float
) -> Dict[str, float]:
    """In-scope accuracy and out-of-scope recall when confidence < threshold means oos."""
    in_scope = correct = oos = caught = 0
    for (_, gold), (intent, confidence) in zip(test, predictions, strict=True):
        predicted = OOS if confidence < threshold else intent
        if gold == OOS:
            oos += 1
            caught += predicted == OOS
        else:
            in_scope += 1
            correct += predicted == gold
    return {
        "threshold": threshold,
        "in_scope_accuracy": 100 * correct / max(in_scope, 1),
        "oos_recall": 100 * caught / max(oos, 1),
    }


# -- report ------------------------------------------------------------------------------


def plot_banking(results: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    names = list(results["pipelines"])
    values = [results["pipelines"][n]["accuracy"] for n in names]
    labels = [f"{n}\n({results['pipelines'][n]['train_s'] / 60:.1f} min training)" for n in names]
    for ref, value in REFERENCES["banking77"]:
        labels.append(f"{ref}\n(published)")
        values.append(value)
    bars = ax.barh(labels, values, color=["#1d3557", "#e76f51"] + ["#a8dadc"] * 2)
    ax.bar_label(bars, fmt="%.1f %%")
    ax.set_xlim(0, 100)
    ax.axvline(93.5, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("Banking77 test accuracy (%); dashed: goal 93.5 %")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_clinc(results: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, data in results["pipelines"].items():
        curve = data["curve"]
        ax.plot(
            [c["oos_recall"] for c in curve], [c["in_scope_accuracy"] for c in curve], label=name
        )
        at = data["at_threshold"]
        ax.scatter([at["oos_recall"]], [at["in_scope_accuracy"]], zorder=3)
        ax.annotate(f"threshold {at['threshold']:.2f}", (at["oos_recall"], at["in_scope_accuracy"]))
    for ref, in_scope, recall in REFERENCES["clinc150"]:
        ax.scatter([recall], [in_scope], marker="x", color="grey")
        ax.annotate(ref, (recall, in_scope), fontsize=8)
    ax.axhline(95, color="grey", linestyle="--", linewidth=1)
    ax.axvline(80, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("out-of-scope recall (%)")
    ax.set_ylabel("in-scope accuracy (%)")
    ax.set_title("CLINC150 (full): thresholds 0-1; dashed: goal 95 / 80")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def carried_over(earlier: Optional[Dict[str, Any]], result: Dict[str, Any]) -> Dict[str, Any]:
    """The figures of pipelines measured earlier on the same split, each with its date.

    A run that trains only some pipelines keeps the others' figures; the pipelines it
    trains replace theirs. A different split (another dataset version, --tiny) keeps none.
    """
    if not earlier or (earlier["train"], earlier["test"]) != (result["train"], result["test"]):
        return {}
    return {
        pipeline: {**figures, "measured": figures.get("measured", earlier["measured"])}
        for pipeline, figures in earlier["pipelines"].items()
    }


def _default_run(result: Dict[str, Any]) -> str:
    default = result["pipelines"].get("rasa default")
    if default is None:
        return "Rasa's default pipeline not run"
    epochs = default.get("epochs", result.get("default_epochs"))
    return f"Rasa default at {epochs} epochs"


def _measured(result: Dict[str, Any]) -> str:
    """The dates the pipelines were measured on ("2026-11-22", or "ours 2026-11-21, ...")."""
    dates = {n: d.get("measured", result["measured"]) for n, d in result["pipelines"].items()}
    if len(set(dates.values())) <= 1:
        return next(iter(dates.values()), result["measured"])
    return ", ".join(f"{name} {date}" for name, date in dates.items())


def markdown(report: Dict[str, Any]) -> str:
    lines: List[str] = []
    bank = report["datasets"].get("banking77")
    if bank:
        lines += [
            f"Banking77: {bank['train']} training and {bank['test']} test examples; measured "
            f"{_measured(bank)} on {bank['machine']}; {_default_run(bank)}.",
            "",
            "| Banking77 | accuracy | macro-F1 | training | peak RSS (training) |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, d in bank["pipelines"].items():
            lines.append(
                f"| {name} | {d['accuracy']:.2f} % | {d['macro_f1']:.2f} % "
                f"| {d['train_s'] / 60:.1f} min | {d['peak_rss_mb']:.0f} MB |"
            )
        lines += [f"| {r} (published) | {v:.2f} % | | | |" for r, v in REFERENCES["banking77"]]
        lines.append("")
    clinc = report["datasets"].get("clinc150")
    if clinc:
        lines += [
            f"CLINC150 (full): {clinc['train']} training examples, {clinc['test']} test queries "
            f"(1,000 out of scope); measured {_measured(clinc)} on {clinc['machine']}; "
            f"{_default_run(clinc)}.",
            "",
            "| CLINC150 (full) | threshold | in-scope accuracy | out-of-scope recall "
            "| best in-scope with recall ≥ 80 % | threshold chosen on validation: in-scope "
            "/ recall | training | peak RSS |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, d in clinc["pipelines"].items():
            at = d["at_threshold"]
            best = d.get("best_at_80")
            best_text = (
                f"{best['in_scope_accuracy']:.1f} % (t={best['threshold']:.2f})" if best else "none"
            )
            chosen = d.get("chosen_on_validation")
            chosen_text = (
                f"t={chosen['threshold']:.2f}: {chosen['in_scope_accuracy']:.1f} % "
                f"/ {chosen['oos_recall']:.1f} %"
                if chosen
                else "not measured"
            )
            lines.append(
                f"| {name} | {at['threshold']:.2f} | {at['in_scope_accuracy']:.1f} % "
                f"| {at['oos_recall']:.1f} % | {best_text} | {chosen_text} "
                f"| {d['train_s'] / 60:.1f} min | {d['peak_rss_mb']:.0f} MB |"
            )
        lines += [
            f"| {r} (published) | | {a:.1f} % | {b:.1f} % | | | | |"
            for r, a, b in REFERENCES["clinc150"]
        ]
        lines.append("")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="banking77,clinc150")
    parser.add_argument("--pipelines", default="ours,rasa default")
    parser.add_argument("--default-epochs", type=int, default=100)
    parser.add_argument("--tiny", action="store_true", help="5 intents, 8 examples each (tests)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--report-only", action="store_true", help="redraw the table and plots from nlu.json"
    )
    args = parser.parse_args(argv)
    if args.report_only:
        saved = json.loads((args.out / "nlu.json").read_text(encoding="utf-8"))
        for name, result in saved["datasets"].items():
            plot = plot_banking if name == "banking77" else plot_clinc
            plot(result, args.out / f"nlu_{name}.png")
        (args.out / "nlu.md").write_text(markdown(saved), encoding="utf-8")
        print(markdown(saved))
        return 0
    loaders = {"banking77": banking77, "clinc150": clinc150}
    configs = pipelines(args.default_epochs)
    wanted = [p.strip() for p in args.pipelines.split(",")]
    report: Dict[str, Any] = {"machine": machine(), "tiny": args.tiny, "datasets": {}}
    args.out.mkdir(parents=True, exist_ok=True)
    previous = args.out / "nlu.json"
    if previous.exists() and not args.tiny:  # keep datasets this run does not measure
        report["datasets"] = json.loads(previous.read_text(encoding="utf-8")).get("datasets", {})
    for name in [d.strip() for d in args.datasets.split(",")]:
        loaded = loaders[name]()
        if loaded is None:
            print(f"skipped {name}: not found under {DATASETS}")
            continue
        train_set, test_set = loaded
        if args.tiny:
            train_set, test_set = subset(train_set, 5, 8), subset(test_set, 5, 4)
        result: Dict[str, Any] = {
            "train": len(train_set),
            "test": len(test_set),
            "measured": time.strftime("%Y-%m-%d"),
            "machine": machine(),
            "pipelines": {},
        }
        result["pipelines"] = carried_over(report["datasets"].get(name), result)
        with tempfile.TemporaryDirectory(prefix=f"nlu-bench-{name}-") as tmp:
            data = Path(tmp) / "nlu.yml"
            data.write_text(nlu_yaml(train_set), encoding="utf-8")
            for pipeline in tqdm(wanted, desc=name, unit="pipeline"):
                config = configs[pipeline]
                trained = train(config, data, Path(tmp), pipeline.replace(" ", "_"))
                predictions = predict(trained["model"], [t for t, _ in test_set], pipeline)
                entry: Dict[str, Any] = {k: v for k, v in trained.items() if k != "model"}
                entry["measured"] = result["measured"]
                if pipeline == "rasa default":
                    entry["epochs"] = args.default_epochs
                if name == "clinc150":
                    in_scope = [(t, i) for t, i in test_set if i != OOS]
                    kept = [p for (_, i), p in zip(test_set, predictions, strict=True) if i != OOS]
                    entry.update(intent_scores(in_scope, kept))
                    curve = [oos_scores(test_set, predictions, t / 100) for t in range(0, 101, 2)]
                    entry["curve"] = curve
                    entry["at_threshold"] = oos_scores(
                        test_set, predictions, fallback_threshold(config)
                    )
                    good = [c for c in curve if c["oos_recall"] >= 80]
                    entry["best_at_80"] = (
                        max(good, key=lambda c: c["in_scope_accuracy"]) if good else None
                    )
                    # The threshold a product would pick without seeing the test set:
                    # the lowest that keeps 80 % of the validation split's out-of-scope
                    # queries out, and the test figures at it.
                    validation = [] if args.tiny else clinc150_validation()
                    if validation:
                        seen = predict(trained["model"], [t for t, _ in validation], "val")
                        chosen = next(
                            (
                                t / 100
                                for t in range(0, 101, 2)
                                if oos_scores(validation, seen, t / 100)["oos_recall"] >= 80
                            ),
                            None,
                        )
                        entry["chosen_on_validation"] = (
                            None if chosen is None else oos_scores(test_set, predictions, chosen)
                        )
                else:
                    entry.update(intent_scores(test_set, predictions))
                result["pipelines"][pipeline] = entry
        report["datasets"][name] = result
        plot = plot_banking if name == "banking77" else plot_clinc
        plot(result, args.out / f"nlu_{name}.png")
    (args.out / "nlu.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (args.out / "nlu.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
