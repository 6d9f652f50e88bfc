"""node_to_json with SharedNodes: the bytes of json.dumps(node_to_jsonld(...)), shared parts
written once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elmkit.errors import StructureError
from elmkit.microcredentials import LearnerResult, load_definition
from elmkit.microcredentials.build import CredentialFactory
from elmkit.microcredentials.demo import write_demo_inputs
from elmkit.model import Identifier, LegalIdentifier, Organisation
from elmkit.model.text import LangText
from elmkit.serializers.jsonld import SharedNodes, node_to_json, node_to_jsonld

WHEN = datetime(2026, 6, 22, 9, 0, tzinfo=UTC)


def plain(node: object, *, sort: bool = True) -> str:
    document = node_to_jsonld(node, sort=sort)  # type: ignore[arg-type]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> CredentialFactory:
    definition, _ = write_demo_inputs(tmp_path_factory.mktemp("demo"))
    return CredentialFactory(load_definition(definition))


@settings(max_examples=25, deadline=None)
@given(name=st.text(min_size=1, max_size=20).filter(str.strip), sort=st.booleans())
def test_same_bytes_as_the_plain_writer(factory: CredentialFactory, name: str, sort: bool) -> None:
    shared = SharedNodes(factory.shared_nodes())
    for number in range(3):
        learner = LearnerResult(learner_id=f"L{number}", given_name=name, family_name="Peña")
        credential = factory.build(learner, valid_from=WHEN)
        text = node_to_json(credential, shared=shared, sort=sort)
        assert text == plain(credential, sort=sort) == node_to_json(credential, sort=sort)
    assert len(shared) > 10


def test_a_string_that_looks_like_a_token_is_written_as_it_is(factory: CredentialFactory) -> None:
    shared = SharedNodes(factory.shared_nodes())
    first = factory.build(LearnerResult(learner_id="A", given_name="Ana"), valid_from=WHEN)
    node_to_json(first, shared=shared)
    for fragment in shared._table(True).values():
        learner = LearnerResult(learner_id="B", given_name=fragment.token, family_name="X")
        credential = factory.build(learner, valid_from=WHEN)
        assert node_to_json(credential, shared=shared) == plain(credential)
        break


def test_depth_limit_and_cycles_still_apply() -> None:
    inner = Organisation(id="urn:org:1", legal_name=LangText({"en": "Org"}))
    shared = SharedNodes([inner])
    wrapper = Organisation(
        id="urn:org:2", legal_name=LangText({"en": "W"}), has_sub_organization=[inner]
    )
    assert node_to_json(wrapper, shared=shared, max_depth=2) == plain(wrapper)
    deep = Organisation(
        id="urn:org:3", legal_name=LangText({"en": "D"}), has_sub_organization=[wrapper]
    )
    with pytest.raises(StructureError):
        node_to_jsonld(deep, max_depth=2)
    with pytest.raises(StructureError):
        node_to_json(deep, shared=shared, max_depth=2)
    inner.has_sub_organization = [wrapper]  # a changed node needs a new SharedNodes
    cyclic = Organisation(id="urn:org:4", has_sub_organization=[inner])
    with pytest.raises(StructureError, match="cycle"):
        node_to_json(cyclic, shared=SharedNodes([inner]))


def _identifier() -> Identifier:
    return Identifier(notation="X-1")


@pytest.mark.parametrize("where", ["outside", "inside", "both", "registered"])
def test_a_node_without_id_written_twice_gets_the_plain_writers_labels(where: str) -> None:
    """A node without id held at two places is labelled ``_:b0`` in each copy by the plain
    writer (else JSON-LD reads two nodes): the shared path writes the same bytes."""
    ident = _identifier()
    issuer = Organisation(id="urn:org:1", legal_name=LangText({"en": "Issuer"}))
    other = Organisation(id="urn:org:2", legal_name=LangText({"en": "Other"}))
    registered: list[Organisation | Identifier] = [issuer]
    if where == "outside":  # twice in the document, never in a shared part
        other.identifier = [ident]
        other.tax_identifier = [LegalIdentifier(notation="T-1")]
        holder = Organisation(id="urn:org:3", identifier=[ident], has_sub_organization=[issuer, other])
    elif where == "inside":  # twice inside one shared part
        issuer.identifier = [ident]
        issuer.has_sub_organization = [Organisation(id="urn:org:4", identifier=[ident])]
        holder = Organisation(id="urn:org:3", has_sub_organization=[issuer, other])
    elif where == "both":  # once in a shared part, once outside
        issuer.identifier = [ident]
        other.identifier = [ident]
        holder = Organisation(id="urn:org:3", has_sub_organization=[issuer, other])
    else:  # a shared part written twice holds it
        issuer.identifier = [ident]
        holder = Organisation(id="urn:org:3", has_sub_organization=[issuer, other])
        other.has_sub_organization = [issuer]
    shared = SharedNodes(registered)
    expected = plain(holder)
    assert '"id":"_:b0"' in expected
    for _ in range(2):  # the second time, the shared parts' text is reused
        assert node_to_json(holder, shared=shared) == expected
        assert node_to_json(holder, shared=shared, sort=False) == plain(holder, sort=False)


def test_a_node_without_id_written_once_stays_unlabelled_on_the_shared_path() -> None:
    issuer = Organisation(id="urn:org:1", identifier=[_identifier()])
    holder = Organisation(id="urn:org:3", has_sub_organization=[issuer])
    shared = SharedNodes([issuer])
    node_to_json(issuer, shared=shared)
    assert node_to_json(holder, shared=shared) == plain(holder)
    assert "_:b" not in plain(holder)
