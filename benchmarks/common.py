"""What the benchmarks share: where results and datasets are, and the machine they ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_DIR / "benchmarks" / "results"
DATASETS = Path(os.environ.get("SUPPORTBOT_DATASETS", PROJECT_DIR.parent / "shared" / "datasets"))


def machine() -> str:
    """CPU model and core count, for the report."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"
