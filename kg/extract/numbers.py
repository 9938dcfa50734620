"""Numbers as abstracts write them: "85.3%", "2.1 points", "3x", "5.18\\times", "2-3", "+0.8%".

Pure functions over one string; :mod:`kg.extract.results` decides which numbers are results.

Examples
--------
>>> [(n.value, n.unit, n.num) for n in find_numbers("achieves 85.3% on MMLU and is 3x faster")]
[('85.3', '%', 85.3), ('3', 'x', 3.0)]
>>> n = find_numbers("a 2-3 times speed-up")[0]
>>> n.value, n.low, n.high, n.unit
('2-3', 2.0, 3.0, 'x')
>>> find_numbers("GPT-4 and Llama-2-7B on 12 benchmarks")[0].value
'12'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Number", "find_numbers", "parse_value"]

_NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
# "2-3", "1.5%-2.3%", "5--10", "5\\% to~10", "2%～6%", "5.5 ~ 221.3".
_TO = r"\s*(?:\\?%)?\s*(?:-{1,2}|–|—|~|～|to)\s*~?\s*"
# "\%" and "\times" come from LaTeX sources; "$" from inline math around them.
_UNIT = (
    r"(?P<unit>\\?%|\s?percent(?:age points?)?\b|\s?pp\b|\s?(?:absolute\s+)?points?\b|\s?p\.p\.|"
    r"\s?\\times|\s?×|\s?[xX](?![a-zA-Z0-9])|\s?times\b|\s?-?fold\b)?"
)
# Not a piece of a name or version ("GPT-4", "Qwen2.5", "v1.5", "x86"), nor of a larger number.
_BEFORE = r"(?<![\w.\-/])(?<!\d,)(?P<sign>[+\-−]?)"
# "7B parameters", "3D", "17k samples": a letter right after the number makes it a size or a name.
_AFTER = r"\$?" + _UNIT + r"(?![a-zA-Z0-9]|[.,]\d)"
_PATTERN = re.compile(rf"{_BEFORE}(?P<low>{_NUM})(?:{_TO}(?P<high>{_NUM}))?{_AFTER}")
_SINGLE = re.compile(rf"{_BEFORE}(?P<low>{_NUM})(?P<high>){_AFTER}")
_FROM = re.compile(r"\bfrom\s+$")


@dataclass(frozen=True, slots=True)
class Number:
    """One number in a text: offsets of the value, the value as written, its parse and unit."""

    start: int
    end: int  # end of the value; the unit, if any, ends at ``unit_end``
    unit_end: int
    value: str
    num: float
    low: float | None
    high: float | None
    unit: str | None  # "%", "points", "x" or None
    signed: bool = False


def _unit(raw: str | None) -> str | None:
    if not raw:
        return None
    u = raw.strip().casefold()
    if u in {"%", "\\%", "percent"}:
        return "%"
    if "point" in u or u in {"pp", "p.p."}:
        return "points"
    return "x"


def _float(s: str) -> float:
    return float(s.replace(",", ""))


def parse_value(value: str) -> tuple[float, float | None, float | None] | None:
    """(number, low, high) of a value as written; a range's number is its middle; None if no number.

    Examples
    --------
    >>> parse_value("85.3"), parse_value("2-3"), parse_value("1,024"), parse_value("n/a")
    ((85.3, None, None), (2.5, 2.0, 3.0), (1024.0, None, None), None)
    """
    m = re.search(rf"({_NUM})(?:{_TO}({_NUM}))?", value)
    if m is None:
        return None
    low = _float(m.group(1))
    if m.group(2) is None:
        return low, None, None
    high = _float(m.group(2))
    return (low + high) / 2, low, high


def find_numbers(text: str) -> list[Number]:
    """Every number of ``text`` that can be a result's value, left to right."""
    out = []
    pos = 0
    while (m := _PATTERN.search(text, pos)) is not None:
        low, high = m.group("low"), m.group("high")
        if high is not None and (
            _float(high) < _float(low)  # "2024-1" is no range
            or (" to" in text[m.end("low") : m.start("high")] and _FROM.search(text, 0, m.start()))
        ):
            # "from 75.2% to 79%" is a change: two numbers. Read the first one alone.
            m = _SINGLE.match(text, m.start()) or m
            high = None
        start = m.start("low")
        end = m.end("high") if high is not None else m.end("low")
        pos = max(m.end(), start + 1)
        value = text[start:end]
        parsed = parse_value(value)
        if parsed is None:
            continue
        unit_raw = m.group("unit")
        out.append(
            Number(
                start=start,
                end=end,
                unit_end=m.end("unit") if unit_raw else end,
                value=value,
                num=parsed[0],
                low=parsed[1],
                high=parsed[2],
                unit=_unit(unit_raw),
                signed=bool(m.group("sign")),
            )
        )
    return out
