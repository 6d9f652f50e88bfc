"""edc-ap on the MC-Annex1 sample against pyshacl with the official shapes, side by side.

Usage: ``python benchmarks/bench_validate.py [REFERENCE_DIR] [--rounds N]`` (default: ``../shared/
reference`` beside the repository, 5 rounds). The shapes are parsed once, outside the timing;
pyshacl gets the credential's RDF ready-made (JSON-LD expansion is not timed either).

Each round times elmkit and pyshacl one after the other; the figures are the best round (the
fairest on a shared machine) and the median of the rounds. elmkit's time is also split into
reading the credential as RDF (``build_graph``) and evaluating the rules (``evaluate``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _per_call_ms(fn: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", nargs="?", type=Path, default=ROOT.parent / "shared" / "reference")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import rdflib
    from pyld import jsonld
    from pyshacl import validate as shacl_validate

    from elmkit.model import EuropeanDigitalCredential
    from elmkit.profiles import Stage, get_profile
    from elmkit.profiles._edc_engine import build_graph, evaluate, rule_set
    from elmkit.profiles.edc import PROFILES

    reference: Path = args.reference
    sample = reference / "elm/samples/official-elm-v3/Sample-MC-Annex1-unsigned.jsonld"
    data = json.loads(sample.read_text(encoding="utf-8"))
    contexts = {
        "http://data.europa.eu/snb/model/context/edc-ap": reference / "elm/context/v3.2/edc-ap-context.jsonld",
        "https://www.w3.org/2018/credentials/v1": reference / "w3c/credentials-v1.jsonld",
    }
    documents = {url: json.loads(path.read_text(encoding="utf-8")) for url, path in contexts.items()}

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": documents[url]}

    shapes = rdflib.Graph()
    for name in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
        shapes.parse(reference / "elm/shacl/edc/v3.2" / name)
    graph = rdflib.Graph()
    graph.parse(data=jsonld.to_rdf(data, {"documentLoader": loader, "format": "application/n-quads"}), format="nt")

    credential = EuropeanDigitalCredential.from_data(data)
    profile = get_profile("edc-ap")
    node_graph = build_graph(credential)
    ruleset = rule_set(PROFILES[0].layers(["http://data.europa.eu/snb/model/ap/edc-generic-full"]))

    def elmkit_run() -> None:
        list(profile.check(credential, stage=Stage.SEALED))

    def read_run() -> None:
        build_graph(credential)

    def evaluate_run() -> None:
        evaluate(node_graph, ruleset)

    def pyshacl_run() -> None:
        shacl_validate(graph, shacl_graph=shapes, inference="none")

    elmkit_run()
    pyshacl_run()
    rounds: dict[str, list[float]] = {"elmkit": [], "read": [], "evaluate": [], "pyshacl": []}
    for _ in range(max(1, args.rounds)):
        rounds["elmkit"].append(_per_call_ms(elmkit_run, 200))
        rounds["read"].append(_per_call_ms(read_run, 200))
        rounds["evaluate"].append(_per_call_ms(evaluate_run, 200))
        rounds["pyshacl"].append(_per_call_ms(pyshacl_run, 3))

    best = {name: min(times) for name, times in rounds.items()}
    median = {name: statistics.median(times) for name, times in rounds.items()}
    print(f"MC-Annex1 ({len(graph)} triples), edc-generic-full shapes, {args.rounds} rounds (best / median)")
    print(f"  elmkit edc-ap      : {best['elmkit']:8.3f} / {median['elmkit']:8.3f} ms per credential")
    print(f"    reading as RDF   : {best['read']:8.3f} / {median['read']:8.3f} ms")
    print(f"    evaluating rules : {best['evaluate']:8.3f} / {median['evaluate']:8.3f} ms")
    print(f"  pyshacl            : {best['pyshacl']:8.3f} / {median['pyshacl']:8.3f} ms per credential")
    print(
        f"  ratio              : {best['pyshacl'] / best['elmkit']:8.1f}x / "
        f"{median['pyshacl'] / median['elmkit']:6.1f}x faster"
    )


if __name__ == "__main__":
    main()
