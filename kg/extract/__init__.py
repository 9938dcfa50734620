"""Entity and relation extraction from paper titles and abstracts (a spaCy pipeline plus rules).

Examples
--------
>>> from kg.types import Paper
>>> ex = load_extractor()
>>> [e.name for e in ex.extract(Paper("p", "BERT", "We evaluate BERT on GLUE.")).entities]
['BERT', 'GLUE']
"""

from kg.extract.abbrev import Abbreviation, find_abbreviations
from kg.extract.extractor import EXTRACTOR_VERSION, Extractor, load_extractor
from kg.extract.nlp import build_nlp

__all__ = [
    "Abbreviation",
    "Extractor",
    "EXTRACTOR_VERSION",
    "build_nlp",
    "find_abbreviations",
    "load_extractor",
]
