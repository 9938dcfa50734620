"""Results from abstract text: numbers, the classifier's decisions and the slots they take."""

import pytest

from kg.extract.numbers import find_numbers, parse_value
from kg.extract.results import classify_numbers, extract_results
from kg.types import PAPER, Mention, PaperEntity, PaperRelation
from kg.vocab import EntityType, RelationType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("achieves 85.3% accuracy", [("85.3", "%")]),
        ("by 2.1 points over", [("2.1", "points")]),
        ("is 3x faster", [("3", "x")]),
        ("5.18\\times$ latency reductions", [("5.18", "x")]),
        ("91\\% accuracy", [("91", "%")]),
        ("requiring 2times fewer tokens", [("2", "x")]),
        ("a 4-fold reduction", [("4", "x")]),
        ("reduces memory by 4 times", [("4", "x")]),
        ("a 12 percent gain", [("12", "%")]),
        ("up to 2.3 pp", [("2.3", "points")]),
        ("R2 of 0.93", [("0.93", None)]),
        ("+0.8% (90.6% vs. 89.8%)", [("0.8", "%"), ("90.6", "%"), ("89.8", "%")]),
        ("from 75.2% to 79%", [("75.2", "%"), ("79", "%")]),
    ],
)
def test_numbers_and_units(text, expected):
    assert [(n.value, n.unit) for n in find_numbers(text)] == expected


@pytest.mark.parametrize("text", ["GPT-4", "Llama-2-7B", "Qwen2.5", "a 7B model", "18T tokens", "3D detection",
                                  "ImageNet-1k", "1.2b parameters", "v1.5", "8xA100"])
def test_names_and_sizes_are_not_numbers(text):
    assert find_numbers(text) == []


def test_ranges_keep_the_written_value_and_both_ends():
    (n,) = find_numbers("a 5%-10% relative WER reduction")
    assert (n.value, n.low, n.high, n.num, n.unit) == ("5%-10", 5.0, 10.0, 7.5, "%")
    (n,) = find_numbers("5.5 ~ 221.3X faster")
    assert (n.low, n.high, n.unit) == (5.5, 221.3, "x")
    assert parse_value("1,024") == (1024.0, None, None)


def test_offsets_index_the_text():
    text = "It reaches 42.9%$ savings."
    (n,) = find_numbers(text)
    assert text[n.start : n.end] == "42.9"
    assert text[n.start : n.unit_end] == "42.9%"


def test_classifier_keeps_results_and_drops_counts_and_years():
    kept = classify_numbers("On MMLU, our model scores 85.3% accuracy, 2.1 points over GPT-4.")
    assert [(n.value, kind) for n, kind, _ in kept] == [("85.3", "score"), ("2.1", "gain")]
    assert all(0.0 < p <= 1.0 for _, _, p in kept)
    assert classify_numbers("We release 12 benchmarks collected in 2023 from 5 sources.") == []
    ((n, kind, _),) = classify_numbers("Our kernel is 3.2x faster than FlashAttention.")
    assert (n.value, kind) == ("3.2", "ratio")


def _paper(text, names):
    ents = []
    for name, typ in names:
        i = text.index(name)
        ents.append(PaperEntity(name, typ, (name,), (Mention("abstract", i, i + len(name), name, typ),)))
    return ents


def test_slots_from_the_sentence():
    text = ("We propose FastAttn, an exact attention kernel. "
            "FastAttn is 3x faster than FlashAttention and reaches 85.3% accuracy on Long Range Arena. "
            "It improves BLEU by 2.1 points over Transformer and Reformer.")
    ents = _paper(text, [("FastAttn", EntityType.METHOD), ("FlashAttention", EntityType.METHOD),
                         ("accuracy", EntityType.METRIC), ("Long Range Arena", EntityType.BENCHMARK),
                         ("BLEU", EntityType.METRIC), ("Transformer", EntityType.MODEL),
                         ("Reformer", EntityType.MODEL)])
    rels = [PaperRelation(PAPER, RelationType.PROPOSES, "FastAttn", "We propose FastAttn.", 0.9)]
    sents = [(0, 48), (49, 137), (138, len(text))]
    got = {(r.value, r.kind, r.subject, r.metric, r.benchmark, r.compared_to)
           for r in extract_results("T", text, sents, ents, rels)}
    assert got == {
        ("3", "ratio", "FastAttn", None, None, "FlashAttention"),
        ("85.3", "score", "FastAttn", "accuracy", "Long Range Arena", None),
        ("2.1", "gain", "FastAttn", "BLEU", None, "Transformer"),
        ("2.1", "gain", "FastAttn", "BLEU", None, "Reformer"),
    }
    for r in extract_results("T", text, sents, ents, rels):
        assert text[r.start : r.end] == r.value
        assert r.evidence in text


def test_unnamed_contribution_is_paper():
    text = "Our method achieves 91.2% top-1 accuracy on ImageNet."
    ents = _paper(text, [("ImageNet", EntityType.BENCHMARK)])
    (r,) = extract_results("T", text, [(0, len(text))], ents, [])
    assert (r.subject, r.benchmark, r.value_num, r.unit) == (PAPER, "ImageNet", 91.2, "%")


def test_a_number_inside_a_name_is_no_result():
    text = "Our model reaches 71.0% accuracy on CIFAR 100 classes."
    ents = _paper(text, [("CIFAR 100", EntityType.BENCHMARK)])
    assert [r.value for r in extract_results("T", text, [(0, len(text))], ents, [])] == ["71.0"]


def test_subject_is_the_system_a_sentence_makes_its_subject():
    text = "We propose FastLM. Llama 2 scores 54.8% accuracy on MMLU, while it is slower than GPT-4."
    ents = _paper(text, [("FastLM", EntityType.MODEL), ("Llama 2", EntityType.MODEL),
                         ("MMLU", EntityType.BENCHMARK), ("GPT-4", EntityType.MODEL)])
    rels = [PaperRelation(PAPER, RelationType.PROPOSES, "FastLM", "We propose FastLM.", 0.9)]
    (r,) = extract_results("T", text, [(0, 18), (19, len(text))], ents, rels)
    assert (r.subject, r.value, r.benchmark) == ("Llama 2", "54.8", "MMLU")
    # the paper's own contribution, named in the sentence, wins over another system
    text2 = "FastLM reaches 61.0% accuracy on MMLU, above Llama 2."
    ents2 = _paper(text2, [("FastLM", EntityType.MODEL), ("MMLU", EntityType.BENCHMARK), ("Llama 2", EntityType.MODEL)])
    (r2,) = extract_results("T", text2, [(0, len(text2))], ents2, rels)
    assert r2.subject == "FastLM"


def test_lists_of_values_take_lists_of_benchmarks_and_metrics_in_order():
    text = ("FastLM reaches 27.8 and 33.8 BLEU on WMT14 and WMT16, respectively, "
            "and improvements of 3.17% and 2.31% in mAP and NDS on nuScenes.")
    ents = _paper(text, [("FastLM", EntityType.MODEL), ("BLEU", EntityType.METRIC),
                         ("WMT14", EntityType.DATASET), ("WMT16", EntityType.DATASET),
                         ("mAP", EntityType.METRIC), ("NDS", EntityType.METRIC), ("nuScenes", EntityType.DATASET)])
    got = {(r.value, r.metric, r.benchmark) for r in extract_results("T", text, [(0, len(text))], ents, [])}
    assert got == {("27.8", "BLEU", "WMT14"), ("33.8", "BLEU", "WMT16"),
                   ("3.17", "mAP", "nuScenes"), ("2.31", "NDS", "nuScenes")}


def test_a_lists_length_must_match_to_distribute():
    text = "FastLM reaches 27.8 and 33.8 BLEU on WMT14, WMT16 and IWSLT."
    ents = _paper(text, [("FastLM", EntityType.MODEL), ("BLEU", EntityType.METRIC), ("WMT14", EntityType.DATASET),
                         ("WMT16", EntityType.DATASET), ("IWSLT", EntityType.DATASET)])
    got = [r.benchmark for r in extract_results("T", text, [(0, len(text))], ents, [])]
    assert got == ["WMT14", "WMT14"]  # the nearest, as for any number; no guessing of the order


def test_a_compared_systems_score_is_the_baselines_not_the_papers():
    text = ("We propose Imputer. On LibriSpeech, Imputer achieves 11.1 WER, outperforming CTC at 13.0 WER. "
            "Imputer scores 35.7 (compared to 26.5 for an Adam-trained model).")
    ents = _paper(text, [("Imputer", EntityType.MODEL), ("LibriSpeech", EntityType.DATASET),
                         ("WER", EntityType.METRIC), ("CTC", EntityType.METHOD), ("Adam", EntityType.METHOD)])
    rels = [PaperRelation(PAPER, RelationType.PROPOSES, "Imputer", "We propose Imputer.", 0.9)]
    got = {(r.value, r.subject) for r in extract_results("T", text, [(0, 19), (20, 94), (95, len(text))], ents, rels)}
    assert got == {("11.1", "Imputer"), ("13.0", "CTC"), ("35.7", "Imputer"), ("26.5", "Adam")}
