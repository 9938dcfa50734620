"""Scoring against gold data: our gold format (gold.py) and SciER (scier.py)."""

__all__: list[str] = []
