"""Serving over HTTP: our whole bot against a stock `rasa init` project, same load, same machine.

Run: .venv/bin/python benchmarks/serving_bench.py   (or `make bench-serving`)
Writes benchmarks/results/serving.json, serving.md and serving.png.

- ours: `supportbot run` (gateway → Rasa → action server → knowledge base), the model
  trained fresh with `supportbot train --force` (timed), REST channel.
- stock: the project `rasa init` creates (rasa/cli/initial_project, DIET 100 epochs),
  trained with `rasa train` (timed) and served with `rasa run` (its REST channel).

Both get the same messages from the same load generator: conversations of FAQ
questions in English, German and Danish, small talk and messages the bot cannot
understand. Measured: time from start to the first answer, latency p50/p95/p99 at 1
and at 16 concurrent conversations, throughput at 16, and the summed RSS of all the
bot's processes after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
from tqdm import tqdm

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from benchmarks.common import RESULTS, machine  # noqa: E402
from bot.runtime.ports import free_port  # noqa: E402

# Short conversations as customers have them, each in one language: a greeting, three
# different FAQ questions, thanks; one in ten also has a message no bot understands.
MIX: Dict[str, Dict[str, List[str]]] = {
    "en": {
        "hello": ["hi", "hello there", "hey"],
        "faq": [
            "How do I reset my password?",
            "where is my order",
            "I want to return a jacket",
            "how long does delivery take",
            "how do I cancel Alpha Plus",
            "my payment was declined",
        ],
        "thanks": ["thanks!", "thank you", "ok great"],
    },
    "de": {
        "hello": ["Hallo", "Guten Tag", "hi zusammen"],
        "faq": [
            "Wie setze ich mein Passwort zurück?",
            "Wo ist meine Bestellung?",
            "Wie kann ich Alpha Plus kündigen?",
            "Wie lange dauert der Versand?",
            "Ich möchte einen Artikel zurückschicken",
            "Meine Zahlung wurde abgelehnt",
        ],
        "thanks": ["danke", "vielen Dank", "super, danke"],
    },
    "da": {
        "hello": ["hej", "goddag", "hej med dig"],
        "faq": [
            "Hvordan nulstiller jeg min adgangskode?",
            "Hvor er min pakke?",
            "Hvordan returnerer jeg en vare?",
            "Hvordan opsiger jeg Alpha Plus?",
            "Hvor lang tid tager levering?",
            "Min betaling blev afvist",
        ],
        "thanks": ["tak", "mange tak", "super, tak"],
    },
}
NOT_UNDERSTOOD = ["asdf qwer", "blue elephant seven", "xyzzy plugh"]


def conversation_messages(rng: random.Random) -> List[str]:
    """One conversation: greeting, three different FAQ questions, thanks (sometimes noise)."""
    texts = MIX[rng.choice(sorted(MIX))]
    messages = [
        rng.choice(texts["hello"]),
        *rng.sample(texts["faq"], 3),
        rng.choice(texts["thanks"]),
    ]
    if rng.random() < 0.1:
        messages.insert(rng.randrange(1, len(messages)), rng.choice(NOT_UNDERSTOOD))
    return messages


def tree_rss_mb(root: int) -> float:
    """Summed VmRSS of ``root`` and all its descendants, in MB."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def timed(command: List[str], cwd: Path, env: Dict[str, str], log: Path) -> float:
    """Run to completion; wall seconds (raises on failure, log kept)."""
    started = time.monotonic()
    with open(log, "wb") as out:
        code = subprocess.call(command, cwd=cwd, env=env, stdout=out, stderr=out)
    if code != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed ({code}); see {log}")
    return time.monotonic() - started


async def post(
    session: aiohttp.ClientSession, url: str, sender: str, text: str
) -> Tuple[float, int]:
    """Milliseconds until the replies came, and how many."""
    started = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as resp:
        body = await resp.json()
        if resp.status != 200 or not isinstance(body, list):
            raise RuntimeError(f"{resp.status}: {body}")
    return (time.perf_counter() - started) * 1000, len(body)


async def first_answer(
    url: str, process: subprocess.Popen, started: float, timeout: float
) -> float:
    """Seconds from ``started`` until the bot answers a message."""
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError("the server exited during start")
            try:
                async with session.post(
                    url,
                    json={"sender": "warmup", "message": "hi"},
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as resp:
                    if resp.status == 200 and await resp.json():
                        return time.monotonic() - started
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"no answer within {timeout} s")


async def load(url: str, concurrency: int, messages: int, label: str) -> Dict[str, Any]:
    """``concurrency`` customers, each holding conversations back to back, until ``messages``."""
    latencies: List[float] = []
    unanswered = issued = 0
    bar = tqdm(total=messages, desc=label, unit="msg", leave=False)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def customer(index: int) -> None:
            nonlocal unanswered, issued
            rng = random.Random(f"{label}-{index}")
            number = 0
            while issued < messages:
                number += 1
                sender = f"bench-{label}-{index}-{number}-{time.time_ns()}"
                for text in conversation_messages(rng):
                    if issued >= messages:
                        return
                    issued += 1  # counted before sending, so exactly `messages` are sent
                    elapsed, replies = await post(session, url, sender, text)
                    latencies.append(elapsed)
                    unanswered += replies == 0
                    bar.update()

        started = time.perf_counter()
        await asyncio.gather(*(customer(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    bar.close()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "concurrency": concurrency,
        "messages": len(latencies),
        "unanswered": unanswered,  # empty replies (e.g. handed to a person): should be 0
        "p50_ms": statistics.median(latencies),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "throughput_msg_s": len(latencies) / elapsed,
    }


def serve_and_measure(
    name: str, command: List[str], cwd: Path, env: Dict[str, str], url: str, log: Path, args: Any
) -> Dict[str, Any]:
    started = time.monotonic()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)
    try:
        first = asyncio.run(first_answer(url, process, started, args.start_timeout))
        asyncio.run(load(url, 1, args.warmup, f"{name} warm-up"))  # not reported
        one = asyncio.run(load(url, 1, args.messages_c1, f"{name} c=1"))
        sixteen = asyncio.run(load(url, 16, args.messages_c16, f"{name} c=16"))
        rss = tree_rss_mb(process.pid)
        return {"first_answer_s": first, "c1": one, "c16": sixteen, "rss_mb": rss}
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def bench_ours(tmp: Path, args: Any) -> Dict[str, Any]:
    ports = {k: free_port() for k in ("gateway", "rasa", "actions")}
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "SUPPORTBOT_PORT": str(ports["gateway"]),
        "SUPPORTBOT_RASA_PORT": str(ports["rasa"]),
        "SUPPORTBOT_ACTIONS_PORT": str(ports["actions"]),
        "SUPPORTBOT_DATA_DIR": str(tmp / "ours-var"),
        "SUPPORTBOT_LOG_LEVEL": "WARNING",
    }
    env = {k: v for k, v in env.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    train_s = None
    if not args.reuse_models:
        env["SUPPORTBOT_MODELS_DIR"] = str(tmp / "ours-models")
        train_s = timed(
            [sys.executable, "-m", "bot", "train", "--force"],
            PROJECT_DIR,
            env,
            tmp / "ours-train.log",
        )
    url = f"http://127.0.0.1:{ports['gateway']}/webhooks/rest/webhook"
    result = serve_and_measure(
        "ours", [sys.executable, "-m", "bot", "run"], PROJECT_DIR, env, url, tmp / "ours.log", args
    )
    return {"train_s": train_s, **result}


def bench_stock(tmp: Path, args: Any) -> Dict[str, Any]:
    import rasa.cli

    project = tmp / "stock"
    shutil.copytree(Path(rasa.cli.__file__).parent / "initial_project", project)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_WORKERS": "1"}
    rasa = [sys.executable, "-m", "rasa"]
    train_s = timed(
        [*rasa, "train", "--fixed-model-name", "stock", "--out", "models"],
        project,
        env,
        tmp / "stock-train.log",
    )
    port = free_port()
    command = [
        *rasa,
        "run",
        "--model",
        "models/stock.tar.gz",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    result = serve_and_measure("stock", command, project, env, url, tmp / "stock.log", args)
    return {"train_s": train_s, **result}


def plot(report: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["systems"])
    colors = ["#1d3557", "#e76f51"]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
    for ax, (title, key, goal) in zip(
        axes,
        [
            ("p50 latency, c=1 (ms)", ("c1", "p50_ms"), 10),
            ("throughput, c=16 (msg/s)", ("c16", "throughput_msg_s"), 200),
            ("RSS, all processes (MB)", ("rss_mb",), 600),
            ("start to first answer (s)", ("first_answer_s",), 10),
        ],
        strict=True,
    ):
        values = []
        for name in names:
            value: Any = report["systems"][name]
            for part in key:
                value = value[part]
            values.append(value)
        bars = ax.bar(names, values, color=colors[: len(names)])
        ax.bar_label(bars, fmt="%.0f")
        ax.axhline(goal, color="grey", linestyle="--", linewidth=1)
        ax.set_title(title, fontsize=10)
    fig.suptitle("Serving (dashed: the goal)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown(report: Dict[str, Any]) -> str:
    lines = [
        f"Machine: {report['machine']}.",
        "",
        "| | ours | stock `rasa init` | goal |",
        "| --- | ---: | ---: | ---: |",
    ]
    ours, stock = report["systems"].get("ours", {}), report["systems"].get("stock", {})

    def cell(system: Dict[str, Any], *key: str, fmt: str = "{:.1f}") -> str:
        value: Any = system
        for part in key:
            value = (value or {}).get(part) if isinstance(value, dict) else None
        return fmt.format(value) if isinstance(value, (int, float)) else "–"

    rows = [
        ("latency p50, 1 conversation", ("c1", "p50_ms"), " ms", "≤ 10 ms"),
        ("latency p95, 1 conversation", ("c1", "p95_ms"), " ms", ""),
        ("latency p99, 1 conversation", ("c1", "p99_ms"), " ms", ""),
        ("latency p50, 16 conversations", ("c16", "p50_ms"), " ms", ""),
        ("latency p95, 16 conversations", ("c16", "p95_ms"), " ms", ""),
        ("latency p99, 16 conversations", ("c16", "p99_ms"), " ms", ""),
        ("throughput, 1 conversation", ("c1", "throughput_msg_s"), " msg/s", ""),
        ("throughput, 16 conversations", ("c16", "throughput_msg_s"), " msg/s", "≥ 200 msg/s"),
        ("memory (RSS, all processes)", ("rss_mb",), " MB", "≤ 600 MB"),
        ("start to first answer", ("first_answer_s",), " s", "≤ 10 s"),
        ("training time", ("train_s",), " s", ""),
        ("messages without a reply, 16 conversations", ("c16", "unanswered"), "", ""),
    ]
    for label, key, unit, goal in rows:
        lines.append(f"| {label} | {cell(ours, *key)}{unit} | {cell(stock, *key)}{unit} | {goal} |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default="ours,stock")
    parser.add_argument("--messages-c1", type=int, default=300)
    parser.add_argument("--messages-c16", type=int, default=1600)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--start-timeout", type=float, default=300.0)
    parser.add_argument(
        "--reuse-models", action="store_true", help="ours: use the cached model, no timed training"
    )
    parser.add_argument("--tiny", action="store_true", help="a few messages only (tests)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.tiny:
        args.messages_c1, args.messages_c16, args.warmup = 4, 16, 2
    report: Dict[str, Any] = {"machine": machine(), "tiny": args.tiny, "systems": {}}
    benches = {"ours": bench_ours, "stock": bench_stock}
    tmp = Path(tempfile.mkdtemp(prefix="serving-bench-"))
    for name in tqdm([s.strip() for s in args.systems.split(",")], desc="systems", unit="system"):
        try:
            report["systems"][name] = benches[name](tmp, args)
        except Exception:
            print(f"\n{name} failed; its logs are in {tmp}", file=sys.stderr)
            raise
    shutil.rmtree(tmp, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "serving.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (args.out / "serving.md").write_text(markdown(report), encoding="utf-8")
    plot(report, args.out / "serving.png")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
