"""Text normalisation for arXiv-style input (kg.extract.normalize), the offsets it maps back, the
extractor reading through it, and the loaders that decode HTML entities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loaders
from kg.extract import load_extractor
from kg.extract.normalize import normalize
from kg.types import Paper


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (r"$\alpha$-Net", "α-Net"),
        (r"80.1\% top-1", "80.1% top-1"),
        (r"\textit{ResNet} and \emph{ViT} and \textbf{\textit{DINO}}", "ResNet and ViT and DINO"),
        (r"as shown~\cite{a, b}, and \citep[p.~4]{c}.", "as shown, and."),
        ("wav2vec~2.0 gains ~3%", "wav2vec 2.0 gains ~3%"),
        ("pages 3--5 --- or not", "pages 3–5 — or not"),
        (r"Q\&A with R\_1 and \$5", "Q&A with R_1 and $5"),
        ("Q&amp;A: &lt;tag&gt; it&#39;s &#x3b1;", "Q&A: <tag> it's α"),
        ("AT&T R&D &nope; &amp", "AT&T R&D &nope; &amp"),  # not entities: as written
        (r"T\"ULU, Pad\'e, Schr{\"o}dinger, \c{c}", "TÜLU, Padé, Schrödinger, \\c{c}"),
        (r"costs $5 and $10, or $\$3$", "costs $5 and $10, or $3"),
        (r"ImageNet 64$\times$64 and $O(n^2)$ and P$^2$OT", "ImageNet 64×64 and O(n²) and P²OT"),
        (r"{\em fast} \LaTeX{} \unknown{x}", "fast LaTeX \\unknown{x}"),
        (r"\url{https://x.org/~me}", "https://x.org/~me"),
        ("plain text, nothing to do", "plain text, nothing to do"),
    ],
)
def test_normalised_text(raw: str, text: str) -> None:
    assert normalize(raw).text == text


@pytest.mark.parametrize(
    ("raw", "name", "original"),
    [
        # Names written with math map back with their $s: the annotation guidelines' verbatim form.
        (r"We use $k$-NN here.", "k-NN", "$k$-NN"),
        (r"on ImageNet 32$\times$32.", "ImageNet 32×32", r"ImageNet 32$\times$32"),
        (r"the \textit{ResNet} backbone", "ResNet", "ResNet"),
        (r"the \textit{ResNet}-50 backbone", "ResNet-50", r"ResNet}-50"),
        ("Tom &amp; Jerry Net", "Tom & Jerry", "Tom &amp; Jerry"),
        (r"DALL$\cdot$E 2 draws", "DALL·E 2", r"DALL$\cdot$E 2"),
    ],
)
def test_spans_map_back_to_the_original(raw: str, name: str, original: str) -> None:
    n = normalize(raw)
    start = n.text.index(name)
    s, e = n.span(start, start + len(name))
    assert raw[s:e] == original


LATEX_TOKENS = [
    "$", "$$", "\\", "{", "}", "~", "--", "---", "^", "_", "\\alpha", "\\times", "\\%", "\\&", "\\_",
    "\\textit{", "\\emph{", "\\textbf{", "\\cite{x}", "~\\cite[p.~2]{a,b}", "\\unknown", "{\\em ",
    "&amp;", "&lt;", "&#39;", "&#x3b1;", "&bogus;", "\\\"o", "\\'{e}", "{\\\"u}", "$k$-NN", "$\\ell_2$",
    "\\LaTeX{}", "\\(", "\\)", "^{2}", "\\url{a~b}", "ResNet", "BERT", "80.1", " ", " ", "-", "x",
]  # fmt: skip
latex_text = st.lists(st.one_of(st.sampled_from(LATEX_TOKENS), st.text(max_size=4)), max_size=30).map("".join)


@settings(max_examples=400, deadline=None, database=None)
@given(raw=latex_text)
def test_every_normalised_character_maps_into_the_original(raw: str) -> None:
    n = normalize(raw)
    assert n.original == raw
    if n.starts is None or n.ends is None:
        assert n.text == raw
        return
    assert len(n.starts) == len(n.ends) == len(n.text)
    for i in range(len(n.text)):
        assert 0 <= n.starts[i] < n.ends[i] <= len(raw)
        if i:
            assert n.starts[i - 1] <= n.starts[i] and n.ends[i - 1] <= n.ends[i]
    for i in range(len(n.text)):  # a spans of normalised text maps to an original slice
        for j in range(i + 1, min(len(n.text), i + 6) + 1):
            s, e = n.span(i, j)
            assert 0 <= s < e <= len(raw)
    assert normalize(raw) == n  # pure


def _check_offsets(paper: Paper) -> None:
    ex = next(load_extractor().extract_many([paper]))
    for e in ex.entities:
        assert e.aliases and e.name
        for m in e.mentions:
            assert m.start < m.end
            assert paper.field(m.field)[m.start : m.end] == m.text, (m, paper)


WORDS = ["We", "propose", "$\\alpha$-Net", "BERT", "on", "ImageNet", "80.1\\%", "top-1", "accuracy",
         "\\textit{ResNet}", "~\\cite{he16}", "&amp;", "GLUE", "outperforms", "$k$-NN", "with", "the",
         "T\\\"ULU", "3--5", "(LoRA)", "Low-Rank", "Adaptation", "&#39;s", "$", "{", "}", ".", ","]  # fmt: skip
sentence = st.lists(st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=6)), min_size=1, max_size=20)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=sentence.map(" ".join).filter(str.strip), text=st.lists(sentence.map(" ".join), min_size=1, max_size=4))
def test_extractor_offsets_index_the_original_latex_field(title: str, text: list[str]) -> None:
    _check_offsets(Paper("p", title, ". ".join(text) + "."))


def test_issue_11_latex_abstract() -> None:
    abstract = (
        r"We propose $\alpha$-Net, a convolutional network with adaptive attention. "
        r"$\alpha$-Net reaches 80.1\% top-1 accuracy on ImageNet, outperforming \textit{ResNet}~\cite{he2016} "
        r"by 2.3\%."
    )
    paper = Paper("p", r"$\alpha$-Net: Adaptive Attention Networks", abstract)
    out = load_extractor().extract(paper)
    _check_offsets(paper)
    by_name = {e.name: e for e in out.entities}
    assert "α-Net" in by_name and "$\\alpha$-Net" in by_name["α-Net"].aliases
    assert ("PAPER", "proposes", "α-Net") in {(r.head, r.type.value, r.tail) for r in out.relations}
    metrics = {e.name for e in out.entities if e.type.value == "Metric"}
    assert metrics == {"top-1 accuracy"}
    assert by_name["ResNet"].mentions[0].text == "ResNet"
    assert not any("\\" in e.name or "%" in e.name for e in out.entities)
    # Results read the normalised text too, and their offsets index the original abstract.
    assert {(r.value, r.unit) for r in out.results} >= {("80.1", "%")}
    for r in out.results:
        assert abstract[r.start : r.end] == r.value


ABSTRACT = "We study Q&amp;A systems and evaluate them on several benchmarks of reading comprehension. " * 3


def test_html_sources_decode_entities_json_keeps_them(tmp_path: Path) -> None:
    title = "Q&amp;A &lt;Models&gt; it&#39;s"
    files = {
        # XML: the parser decodes one level; what is left was escaped twice at the source.
        "a.atom": '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        f"<title>Q&amp;amp;A &amp;lt;Models&amp;gt; it&amp;#39;s</title><summary>{ABSTRACT}</summary></entry></feed>",
        "a.txt": f"Daily Papers\n\nJul 17\n\n{title}\n\n{ABSTRACT}\n",
        "oai.json": json.dumps({"id": "2101.00001", "title": title, "abstract": ABSTRACT}) + "\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        [paper] = list(loaders.load([tmp_path / name], fmt="arxiv-oai" if name == "oai.json" else None))
        assert isinstance(paper, Paper), name
        assert paper.title == "Q&A <Models> it's", name
        assert paper.abstract.startswith("We study Q&A systems"), name
    # JSONL is our own format, not an HTML transport: the text stays as written.
    (tmp_path / "p.jsonl").write_text(json.dumps({"title": title, "abstract": ABSTRACT}) + "\n")
    [paper] = list(loaders.load([tmp_path / "p.jsonl"]))
    assert isinstance(paper, Paper) and paper.title == title
