"""Namespace prefixes of the EDC context and application profile (no imports: tools read it too)."""

from __future__ import annotations

#: Prefixes used in the EDC JSON-LD context and in the application profile.
NAMESPACES: dict[str, str] = {
    "cred": "https://www.w3.org/2018/credentials#",
    "elm": "http://data.europa.eu/snb/model/elm/",
    "adms": "http://www.w3.org/ns/adms#",
    "dc": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "org": "http://www.w3.org/ns/org#",
    "rov": "http://www.w3.org/ns/regorg#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "person": "http://www.w3.org/ns/person#",
    "clv": "http://data.europa.eu/m8g/",
    "locn": "http://www.w3.org/ns/locn#",
    "vc": "http://data.europa.eu/snb/model/w3c/vc/",
}
