"""Helpers shared by the benchmarks: locating the reference samples and timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT.parent / "shared" / "reference"
SAMPLES_DIR = REFERENCE_DIR / "elm" / "samples" / "official-elm-v3"
MC_ANNEX1 = SAMPLES_DIR / "Sample-MC-Annex1-unsigned.jsonld"


def per_call(func: Callable[[], object], *, repeat: int = 7, min_time: float = 0.2) -> float:
    """Best-of-``repeat`` seconds per call, each round running for at least ``min_time``."""
    func()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time / 5:
            break
        number *= 2
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        rounds.append((time.perf_counter() - start) / number)
    return min(rounds) if rounds else statistics.mean(rounds)


def report(title: str, rows: list[tuple[str, float]], baseline: str) -> None:
    """Print times in ms and the ratio of each row against the baseline row."""
    base = dict(rows)[baseline]
    print(f"\n{title}")
    for name, seconds in rows:
        ratio = seconds / base
        print(f"  {name:<45} {seconds * 1000:9.3f} ms   {ratio:7.2f}x {baseline}")
