"""The curated SKOS knowledge base (ontology/kb/*.ttl) stays consistent as it grows."""

import pytest

from kg.errors import LinkingError
from kg.link.kb import load_kb
from kg.link.linker import entity_id
from kg.types import PaperEntity
from kg.vocab import EntityType


def test_kb_size_and_types() -> None:
    kb = load_kb()
    assert len(kb.concepts) >= 1000
    counts = {t: sum(c.type is t for c in kb.concepts) for t in EntityType}
    assert all(n >= 50 for n in counts.values()), counts


def test_no_alias_names_two_concepts() -> None:
    # An ambiguous alias would make linking depend on file order; keep every key unique.
    ambiguous = {k: sorted(v) for k, v in load_kb().alias_to_ids.items() if len(v) > 1}
    assert ambiguous == {}


def test_families_resolve() -> None:
    kb = load_kb()
    missing = [(c.label, c.broader) for c in kb.concepts if c.broader and c.broader not in kb.id_to_concept]
    assert missing == []
    assert kb.lookup("Llama 3.1").broader == "llama" and kb.lookup("Llama 3.1").version == "3.1"


def test_unreadable_kb_is_a_linking_error(tmp_path) -> None:
    (tmp_path / "bad.ttl").write_text("this is not turtle {")
    with pytest.raises(LinkingError, match="bad.ttl"):
        load_kb(tmp_path)
    with pytest.raises(LinkingError, match="no knowledge base"):
        load_kb(tmp_path / "empty")


@pytest.mark.parametrize(
    ("name", "aliases", "expected"),
    [
        ("Low-Rank Adaption", ("LoRA",), "lora"),  # a misspelt long form of the KB's acronym
        ("low-rank adapters", ("LoRA",), "lora"),
        ("Low Rank Adaptation", ("LORA",), "lora"),
        ("Low-Resource Adaptation", ("LoRA",), "low-resource-adaptation"),  # same acronym, other words
        ("Low-Rank Adaption", (), "low-rank-adaption"),  # no acronym: no guess from spelling alone
    ],
)
def test_a_near_spelling_of_the_kbs_long_form_links_through_its_acronym(name, aliases, expected) -> None:
    assert entity_id(PaperEntity(name, EntityType.METHOD, (name, *aliases), ()), load_kb()) == expected
