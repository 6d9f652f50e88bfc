"""edc-ap on the MC-Annex1 sample against pyshacl with the official shapes, side by side.

Usage: ``python benchmarks/bench_validate.py [REFERENCE_DIR]`` (default: ``../shared/reference``
beside the repository). The shapes are parsed once, outside the timing; pyshacl gets the
credential's RDF ready-made (JSON-LD expansion is not timed either). Prints the median time per
credential of each and the ratio.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _median_ms(fn: Callable[[], Any], rounds: int) -> float:
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    import rdflib
    from pyld import jsonld
    from pyshacl import validate as shacl_validate

    from elmkit.model import EuropeanDigitalCredential
    from elmkit.profiles import Stage, get_profile

    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
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

    def elmkit_run() -> None:
        list(profile.check(credential, stage=Stage.SEALED))

    def pyshacl_run() -> None:
        shacl_validate(graph, shacl_graph=shapes, inference="none")

    ours = _median_ms(elmkit_run, 200)
    theirs = _median_ms(pyshacl_run, 15)
    print(f"MC-Annex1 ({len(graph)} triples), edc-generic-full shapes")
    print(f"  elmkit edc-ap : {ours:8.3f} ms per credential")
    print(f"  pyshacl       : {theirs:8.3f} ms per credential")
    print(f"  ratio         : {theirs / ours:8.1f}x faster")


if __name__ == "__main__":
    main()
