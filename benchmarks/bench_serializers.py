"""Serializer speed on the Commission's MC-Annex1 (unsigned) sample, against rdflib and pyld.

Usage: ``python benchmarks/bench_serializers.py [SAMPLE]``. Without an argument the sample is read
from the reference material beside the repository (``$ELMKIT_REFERENCE_DIR`` overrides where).
Everything runs in one process, side by side; each figure is the best per-call time of several
rounds (and the median round), in milliseconds.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rdflib
from pyld import jsonld

from elmkit.serializers import STANDARD_CONTEXT, dumps, load
from elmkit.serializers.context import builtin_context
from elmkit.serializers.jsonld import pyld_options

ROUNDS = 7


def sample_path() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    reference = os.environ.get("ELMKIT_REFERENCE_DIR")
    base = Path(reference) if reference else Path(__file__).resolve().parents[2] / "shared" / "reference"
    return base / "elm" / "samples" / "official-elm-v3" / "Sample-MC-Annex1-unsigned.jsonld"


def measure(func: Callable[[], Any], calls: int) -> tuple[float, float]:
    func()
    rounds = timeit.repeat(func, number=calls, repeat=ROUNDS)
    per_call = [r / calls * 1000 for r in rounds]
    return min(per_call), statistics.median(per_call)


def report(label: str, ours: tuple[float, float], theirs: tuple[float, float], baseline: str) -> None:
    ratio = theirs[0] / ours[0]
    print(
        f"{label:<34} elmkit {ours[0]:7.2f} ms (median {ours[1]:6.2f})   "
        f"{baseline:<28} {theirs[0]:7.2f} ms (median {theirs[1]:6.2f})   {ratio:5.1f}x"
    )


def main() -> None:
    path = sample_path()
    raw = path.read_bytes()
    document = json.loads(raw)
    node = load(raw)

    # rdflib's JSON-LD parser has no document loader: give it the contexts inline.
    inlined = dict(document)
    inlined["@context"] = [builtin_context(url)["@context"] for url in STANDARD_CONTEXT]  # type: ignore[index]
    inlined_text = json.dumps(inlined)
    options = pyld_options()
    expanded = jsonld.expand(document, options)
    graph = rdflib.Graph().parse(data=inlined_text, format="json-ld")
    compact_context = {"@context": list(STANDARD_CONTEXT)}

    print(f"sample: {path.name}, {len(raw)} bytes, {len(graph)} triples, {sum(1 for _ in node.walk())} nodes")
    print()
    calls = 20
    ours_load = measure(lambda: load(raw), calls)
    report("load (bytes -> model)", ours_load, measure(lambda: rdflib.Graph().parse(data=inlined_text, format="json-ld"), 5), "rdflib parse JSON-LD")
    report(
        "load (bytes -> model)",
        ours_load,
        measure(lambda: jsonld.compact(jsonld.expand(json.loads(raw), options), compact_context, options), 3),
        "pyld expand + compact",
    )
    ours_dumps = measure(lambda: dumps(node), calls)
    report("dumps jsonld (model -> text)", ours_dumps, measure(lambda: jsonld.compact(expanded, compact_context, options), 3), "pyld compact")
    report("dumps jsonld (model -> text)", ours_dumps, measure(lambda: graph.serialize(format="json-ld"), 5), "rdflib serialize JSON-LD")
    report("dumps turtle (model -> text)", measure(lambda: dumps(node, "turtle"), 5), measure(lambda: graph.serialize(format="turtle"), 5), "rdflib serialize Turtle")
    turtle = dumps(node, "turtle")
    report("load turtle (text -> model)", measure(lambda: load(turtle, format="turtle"), 5), measure(lambda: rdflib.Graph().parse(data=turtle, format="turtle"), 5), "rdflib parse Turtle")
    print()
    print("ratio = baseline best time / elmkit best time (higher is faster)")


if __name__ == "__main__":
    main()
