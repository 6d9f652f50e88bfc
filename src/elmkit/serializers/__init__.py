"""Reading and writing ELM nodes: JSON-LD (EDC context, offline), Turtle, N-Triples, RDF/XML.

>>> from elmkit.serializers import load, dumps
>>> credential = load("credential.jsonld")          # doctest: +SKIP
>>> text = dumps(credential, "turtle")              # doctest: +SKIP

Importing this package loads neither rdflib nor pyld; they are imported when first needed.
"""

from elmkit.serializers.context import (
    CONTEXT_DEVIATIONS,
    EDC_CONTEXT_URL,
    STANDARD_CONTEXT,
    VC1_CONTEXT_URL,
    VC2_CONTEXT_URL,
    ContextDeviation,
    edc_context,
    offline_document_loader,
)
from elmkit.serializers.formats import (
    FORMATS,
    Origin,
    dumps,
    from_graph,
    load,
    load_credential,
    to_graph,
)
from elmkit.serializers.jsonio import JsonSyntaxError, parse_json
from elmkit.serializers.jsonld import node_to_jsonld

__all__ = [
    "CONTEXT_DEVIATIONS",
    "EDC_CONTEXT_URL",
    "FORMATS",
    "STANDARD_CONTEXT",
    "VC1_CONTEXT_URL",
    "VC2_CONTEXT_URL",
    "ContextDeviation",
    "JsonSyntaxError",
    "Origin",
    "dumps",
    "edc_context",
    "from_graph",
    "load",
    "load_credential",
    "node_to_jsonld",
    "offline_document_loader",
    "parse_json",
    "to_graph",
]
