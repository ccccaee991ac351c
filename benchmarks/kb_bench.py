"""Knowledge-base benchmark: hit@1/hit@3 on held-out paraphrases, off-topic answers, latency.

Run: .venv/bin/python benchmarks/kb_bench.py   (or `make bench-kb`)
Writes benchmarks/results/kb.json, kb.md and kb.png.

- Held-out paraphrases: tests/kb/heldout/{en,de,da}.yml, 12 per entry and language,
  written independently of the entries' sample questions (a test keeps them apart).
- Off-topic: the held-out files' own off-topic questions, plus public sets when
  ../shared/datasets is present (xSID test sentences in en/de/da, CLINC150 out-of-scope
  test queries in en); skipped cleanly when absent.
- Latency: `KnowledgeBase.decide` per question (analysis, FTS5 lookup, ranking) on the
  25 shipped entries and on 10,000 entries (the 25 plus 9,975 synthetic ones).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml
from tqdm import tqdm

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from benchmarks.common import DATASETS, RESULTS, machine  # noqa: E402
from bot.kb.entries import TEAMS, Article, Entry  # noqa: E402
from bot.kb.index import Index  # noqa: E402
from bot.kb.store import KnowledgeBase  # noqa: E402
from bot.kb.text import words  # noqa: E402
from bot.language import LANGUAGES  # noqa: E402


def heldout(lang: str) -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_DIR / "tests" / "kb" / "heldout" / f"{lang}.yml").read_text())


def public_off_topic() -> Dict[str, Dict[str, List[str]]]:
    """Public off-topic sets by language: {lang: {name: questions}} (empty when absent)."""
    out: Dict[str, Dict[str, List[str]]] = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        path = DATASETS / "xsid" / f"{lang}.test.conll"
        if path.exists():
            out[lang]["xSID test"] = [
                line[len("# text = ") :]
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("# text = ")
            ]
    clinc = DATASETS / "clinc150" / "data_full.json"
    if clinc.exists():
        data = json.loads(clinc.read_text())
        out["en"]["CLINC150 oos test"] = [text for text, _ in data["oos_test"]]
    return out


def quality(kb: KnowledgeBase, desc: str) -> Dict[str, Any]:
    """hit@1, hit@3 and what the bot would do, per language."""
    report: Dict[str, Any] = {}
    for lang in LANGUAGES:
        data = heldout(lang)
        cases = [(eid, q) for eid, qs in data["paraphrases"].items() for q in qs]
        h1 = h3 = answered_right = answered_wrong = clarified = nothing = 0
        for entry_id, question in tqdm(cases, desc=f"{desc} {lang}", leave=False):
            ids = [h.entry_id for h in kb.search(question, lang, limit=3)]
            h1 += bool(ids) and ids[0] == entry_id
            h3 += entry_id in ids
            decision = kb.decide(question, lang)
            if decision.kind == "answer":
                answered_right += decision.entry_id == entry_id
                answered_wrong += decision.entry_id != entry_id
            elif decision.kind == "clarify":
                clarified += entry_id in [h.entry_id for h in decision.hits]
            else:
                nothing += 1
        n = len(cases)
        report[lang] = {
            "n": n,
            "hit@1": h1 / n,
            "hit@3": h3 / n,
            "answered_right": answered_right / n,
            "answered_wrong": answered_wrong / n,
            "clarified_with_right_entry": clarified / n,
            "nothing_close": nothing / n,
        }
    return report


def off_topic(kb: KnowledgeBase) -> Dict[str, Any]:
    """Share of off-topic questions the bot would answer with an entry (a false answer)."""
    sets: Dict[str, Dict[str, List[str]]] = {
        lang: {"own held-out": heldout(lang)["off_topic"]} for lang in LANGUAGES
    }
    for lang, extra in public_off_topic().items():
        sets[lang].update(extra)
    report: Dict[str, Any] = {}
    for lang, named in sets.items():
        for name, questions in named.items():
            kinds = [
                kb.decide(q, lang).kind
                for q in tqdm(questions, desc=f"off-topic {lang} {name}", leave=False)
            ]
            report[f"{lang} / {name}"] = {
                "n": len(questions),
                "false_answer_rate": kinds.count("answer") / len(questions),
                "clarify_rate": kinds.count("clarify") / len(questions),
            }
    return report


def synthetic_entries(real: Dict[str, Entry], count: int, seed: int = 7) -> Dict[str, Entry]:
    """``count`` made-up entries, shaped like real ones.

    Each has its own topic words (invented, drawn from a 30,000-word vocabulary, so
    topics overlap a little as in a real large FAQ) mixed with words of the real
    entries (a quarter of the words), so real questions meet plausible distractors.
    """
    rng = random.Random(seed)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    invented = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(30_000)})
    real_words: Dict[str, List[str]] = {}
    for lang in LANGUAGES:
        pool: List[str] = []
        for entry in real.values():
            article = entry.article(lang)
            for text in (article.title, article.answer, *article.questions, *article.keywords):
                pool.extend(words(text))
        real_words[lang] = pool
    out: Dict[str, Entry] = {}
    for i in range(count):
        topic = rng.sample(invented, 4)
        articles = {}
        for lang in LANGUAGES:

            def sentence(n: int, topic: List[str] = topic, lang: str = lang) -> str:
                picked = rng.sample(topic, 2)
                for _ in range(n):
                    pool = real_words[lang] if rng.random() < 0.25 else invented
                    picked.append(rng.choice(pool))
                return " ".join(picked)

            articles[lang] = Article(
                title=sentence(2),
                answer=". ".join(sentence(8) for _ in range(4)),
                questions=tuple(sentence(rng.randint(3, 8)) for _ in range(8)),
                keywords=tuple(sentence(1) for _ in range(6)),
                question_lines=tuple(range(8)),
            )
        entry_id = f"synthetic-{i:05d}"
        out[entry_id] = Entry(id=entry_id, team=TEAMS[i % len(TEAMS)], articles=articles)
    return out


def latency(kb: KnowledgeBase, repeat: int, desc: str) -> Dict[str, float]:
    """Per-question decide() time in ms over the held-out questions of all languages."""
    questions = [
        (lang, q) for lang in LANGUAGES for qs in heldout(lang)["paraphrases"].values() for q in qs
    ]
    for lang, q in questions[:50]:  # warm caches
        kb.decide(q, lang)
    times: List[float] = []
    for _ in tqdm(range(repeat), desc=desc, leave=False):
        for lang, q in questions:
            started = time.perf_counter()
            kb.decide(q, lang)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "n": len(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * len(times)) - 1],
        "p99_ms": times[int(0.99 * len(times)) - 1],
    }


def large_kb(real: Dict[str, Entry], count: int) -> Tuple[KnowledgeBase, float]:
    """A knowledge base with the real entries plus synthetic ones, and its build time."""
    entries = {**real, **synthetic_entries(real, count - len(real))}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Path(tmp))  # empty directory; the index is swapped in below
        kb._index = Index(entries)  # noqa: SLF001 - benchmark: build from memory, not files
    return kb, time.perf_counter() - started


def write_report(result: Dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "kb.json").write_text(json.dumps(result, indent=2))
    q = result["quality_25"]
    lines = [
        f"Knowledge-base benchmark ({result['machine']}; {result['date']}).",
        "",
        "| language | held-out questions | hit@1 | hit@3 | answered right | answered wrong "
        f"| clarified (right entry offered) | nothing close "
        f"| hit@1 at {result['large_entries']:,} entries |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for lang in LANGUAGES:
        r = q[lang]
        big = result["quality_10k"][lang]["hit@1"] if result.get("quality_10k") else float("nan")
        lines.append(
            f"| {lang} | {r['n']} | {r['hit@1']:.1%} | {r['hit@3']:.1%} "
            f"| {r['answered_right']:.1%} | {r['answered_wrong']:.1%} "
            f"| {r['clarified_with_right_entry']:.1%} "
            f"| {r['nothing_close']:.1%} | {big:.1%} |"
        )
    lines += [
        "",
        "| off-topic set | questions | false answers | clarifying question |",
        "|---|---|---|---|",
    ]
    for name, r in result["off_topic"].items():
        lines.append(
            f"| {name} | {r['n']} | {r['false_answer_rate']:.1%} | {r['clarify_rate']:.1%} |"
        )
    lines += [
        "",
        "| entries | index build | lookups | p50 | p95 | p99 |",
        "|---|---|---|---|---|---|",
    ]
    for label, key in (("25", "latency_25"), (f"{result['large_entries']:,}", "latency_10k")):
        r = result[key]
        build = result["build_s_25"] if key == "latency_25" else result["build_s_10k"]
        lines.append(
            f"| {label} | {build:.2f} s | {r['n']} | {r['p50_ms']:.2f} ms | {r['p95_ms']:.2f} ms "
            f"| {r['p99_ms']:.2f} ms |"
        )
    (RESULTS / "kb.md").write_text("\n".join(lines) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    x = range(len(LANGUAGES))
    left.bar(
        [i - 0.2 for i in x], [q[lang]["hit@1"] * 100 for lang in LANGUAGES], 0.4, label="hit@1"
    )
    left.bar(
        [i + 0.2 for i in x], [q[lang]["hit@3"] * 100 for lang in LANGUAGES], 0.4, label="hit@3"
    )
    left.axhline(95, color="grey", linestyle="--", linewidth=1, label="goal 95 %")
    left.set_xticks(list(x), list(LANGUAGES))
    left.set_ylim(50, 100)
    left.set_ylabel("% of held-out paraphrases")
    left.set_title("Matching (25 entries)")
    left.legend(loc="lower right")
    labels = ["25 entries", f"{result['large_entries']:,} entries"]
    keys = ["latency_25", "latency_10k"]
    right.bar(labels, [result[k]["p50_ms"] for k in keys], label="p50")
    right.bar(labels, [result[k]["p95_ms"] - result[k]["p50_ms"] for k in keys],
              bottom=[result[k]["p50_ms"] for k in keys], alpha=0.5, label="p95")  # fmt: skip
    right.axhline(5, color="grey", linestyle="--", linewidth=1, label="goal p50 < 5 ms")
    right.set_ylabel("ms per lookup")
    right.set_title("Lookup latency")
    right.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "kb.png", dpi=110)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=10_000, help="entries in the scale run")
    parser.add_argument("--repeat", type=int, default=3, help="latency passes over the questions")
    args = parser.parse_args(argv)
    kb_dir = PROJECT_DIR / "knowledge_base"
    started = time.perf_counter()
    kb = KnowledgeBase(kb_dir)
    build_25 = time.perf_counter() - started
    result: Dict[str, Any] = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "entries": len(kb.entries),
        "large_entries": args.large,
        "build_s_25": build_25,
    }
    steps = tqdm(total=5, desc="kb benchmark")
    result["quality_25"] = quality(kb, "held-out")
    steps.update()
    result["off_topic"] = off_topic(kb)
    steps.update()
    result["latency_25"] = latency(kb, args.repeat, "latency 25")
    steps.update()
    big, result["build_s_10k"] = large_kb(kb.entries, args.large)
    result["quality_10k"] = quality(big, "held-out 10k")
    steps.update()
    result["latency_10k"] = latency(big, 1, f"latency {args.large}")
    steps.update()
    steps.close()
    write_report(result)
    print((RESULTS / "kb.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
