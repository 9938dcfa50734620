"""Input formats for kg: one module per format, each registered in :data:`kg.registry.loaders`.

``load(paths)`` streams :class:`kg.types.Paper` / :class:`kg.types.Rejected` values; see docs/formats.md.
"""

# Importing the format modules registers them (kg.registry.loaders) before anyone asks for one.
from loaders import arxiv_atom, arxiv_oai, csv_table, hf_daily, json_array, jsonl  # noqa: F401
from loaders.core import FORMATS, bundled_corpus, detect_format, load
from loaders.ids import paper_id

__all__ = ["FORMATS", "load", "detect_format", "bundled_corpus", "paper_id"]
