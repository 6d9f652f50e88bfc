"""Building the typed model from the parsed MC-Annex1 sample, next to ``json.loads`` of the file.

Run: ``python benchmarks/bench_model.py``. Aim: under 2 ms per credential.
"""

from __future__ import annotations

import json

from _common import MC_ANNEX1, per_call, report

from elmkit.model import EuropeanDigitalCredential


def main() -> None:
    raw = MC_ANNEX1.read_text(encoding="utf-8")
    data = json.loads(raw)
    data.pop("@context", None)
    build = per_call(lambda: EuropeanDigitalCredential.from_data(data))
    parse = per_call(lambda: json.loads(raw))
    report(
        "model construction, Sample-MC-Annex1 (parsed dict -> typed model)",
        [("json.loads (same file)", parse), ("elmkit EuropeanDigitalCredential.from_data", build)],
        baseline="json.loads (same file)",
    )
    verdict = "meets" if build < 0.002 else "misses"
    print(f"  per credential: {build * 1000:.2f} ms ({verdict} the 2 ms aim)")


if __name__ == "__main__":
    main()
