"""Property tests of text -> extraction -> cache -> link with the real extractor: no crash, mention
offsets always index their field, the same text always gives the same extraction and ids."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.cache import extraction_from_row, extraction_to_row
from kg.link import Linker
from kg.parallel import default_factory
from kg.pipeline import StreamLinker
from kg.types import PAPER, Paper

WORDS = [
    "We", "propose", "LoRA", "BERT", "GPT-4", "ViT-B/16", "outperforms", "on", "GLUE", "ImageNet",
    "evaluated", "with", "accuracy", "F1", "Low-Rank", "Adaptation", "(LoRA)", "trained", "built",
    "a", "the", "model", "method", "dataset", "benchmark", "Transformer", "<script>", "naïve", "数据",
    "🚀", ".", ",", ";", "(", ")", "-", "\u202e", "Qwen2.5-72B", "MMLU", "SQuAD", "uses", "for",
]  # fmt: skip
token = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=8))
sentence = st.lists(token, min_size=1, max_size=25).map(" ".join)
abstract = st.lists(sentence, min_size=1, max_size=5).map(lambda s: ". ".join(s) + ".")

EXTRACTOR = default_factory()


def check_offsets(paper: Paper) -> None:
    ex = next(EXTRACTOR.extract_many([paper]))
    names = {e.name for e in ex.entities}
    for e in ex.entities:
        for m in e.mentions:
            assert paper.field(m.field)[m.start : m.end] == m.text, (m, paper)
    for r in ex.relations:
        assert r.head == PAPER or r.head in names
        assert r.tail in names


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=sentence.filter(str.strip), text=abstract)
def test_offsets_index_their_field(title: str, text: str) -> None:
    check_offsets(Paper("p", title, text))


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=sentence.filter(str.strip), text=abstract)
def test_same_text_same_extraction_and_ids(title: str, text: str) -> None:
    paper = Paper("p", title, text)
    first = next(EXTRACTOR.extract_many([paper]))
    again = next(EXTRACTOR.extract_many([Paper("p", title, text)]))
    assert first == again
    # Through the cache and the streaming linker: the same ids as linking directly.
    cached = extraction_from_row(paper, extraction_to_row(first))
    assert cached == first
    direct = Linker().link([first])
    assert StreamLinker(Linker(), [cached]).link([cached]) == direct
    assert [e.id for e in direct[0].entities] == [e.id for e in Linker().link([again])[0].entities]
    assert all(e.id for e in direct[0].entities)
