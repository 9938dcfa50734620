"""Plain text for the recogniser from arXiv-style fields, with a map back to the original.

arXiv metadata carries LaTeX (``$\\alpha$-Net``, ``80.1\\%``, ``\\textit{ResNet}``, ``~``,
``\\cite{...}``) and sometimes HTML entities (``&amp;``). The recogniser reads the normalised text;
every normalised character remembers the original characters it came from, so a mention found in
``α-Net`` is reported at the offsets of ``$\\alpha$-Net`` in the field the loader gave
(:class:`kg.types.Mention` offsets always index the original field).

What is rewritten, and why only that:

- inline math ``$...$`` / ``$$...$$`` / ``\\(...\\)``: delimiters and grouping braces go, symbol
  commands become their character (``\\alpha`` -> ``α``, ``\\times`` -> ``×``), one-digit
  super/subscripts become ``²`` / ``₂``; a ``$`` that does not open math by pandoc's rule
  (``$5 and $10``) is left alone;
- formatting commands keep their argument (``\\textit{ResNet}`` -> ``ResNet``, ``\\emph``,
  ``\\textbf``, ``\\mathrm``, ...); font switches (``{\\em X}``) and spacing commands go;
- references go with the space before them (``in~\\cite{x}.`` -> ``in.``);
- escapes and accents become their character (``\\%``, ``\\&``, ``\\_``, ``\\"o`` -> ``ö``);
- ``--`` / ``---`` become ``–`` / ``—``; ``~`` between two non-spaces (a tie) becomes a space
  (``~10%`` at a word start means "about" and stays);
- HTML entities (``&amp;``, ``&lt;``, ``&#39;``) are decoded, only in their strict ``&...;`` form.

Unknown commands stay as they are: losing text is worse than showing a backslash.

Examples
--------
>>> n = normalize(r"We propose $\\alpha$-Net, 80.1\\% top-1 vs.~\\textit{ResNet}~\\cite{he16}.")
>>> n.text
'We propose α-Net, 80.1% top-1 vs. ResNet.'
>>> s, e = n.span(n.text.index("α-Net"), n.text.index("α-Net") + 5)
>>> n.original[s:e]
'$\\\\alpha$-Net'
>>> s, e = n.span(n.text.index("ResNet"), n.text.index("ResNet") + 6)
>>> n.original[s:e]
'ResNet'
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace

from kg.types import PaperEntity, PaperResult
from loaders.common import HTML_ENTITY, decode_entity

__all__ = ["Normalised", "normalize", "entities_as_read", "results_in_field"]

# Anything the rules below could touch; text without it is returned as is (the common case).
_TRIGGER = re.compile(r"[\\$&~{}]|--")


def _pairs(spec: str) -> dict[str, str]:
    words = spec.split()
    return dict(zip(words[::2], words[1::2], strict=True))


def _greek(names: str, case: str) -> dict[str, str]:
    # Unicode spells lambda "LAMDA".
    return {g: unicodedata.lookup(f"GREEK {case} LETTER {g.upper().replace('LAMBDA', 'LAMDA')}") for g in names.split()}


# Symbol commands -> their character (math and text mode alike).
_SYMBOLS = {
    **_greek(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
        "upsilon phi chi psi omega",
        "SMALL",
    ),
    **_greek("Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega", "CAPITAL"),
    **_pairs(
        "varepsilon ε vartheta ϑ varphi φ varrho ϱ varsigma ς ell ℓ times × cdot · sim ∼ approx ≈ "
        "leq ≤ le ≤ geq ≥ ge ≥ neq ≠ ne ≠ pm ± mp ∓ infty ∞ to → rightarrow → leftarrow ← "
        "Rightarrow ⇒ leftrightarrow ↔ in ∈ partial ∂ nabla ∇ sum ∑ prod ∏ int ∫ sqrt √ circ ∘ "
        "star ⋆ ast ∗ ldots … dots … cdots ⋯ LaTeX LaTeX TeX TeX textendash – textemdash — ss ß "
        "o ø O Ø ae æ aa å"
    ),
}
# Commands whose braced argument is the text: the command and its braces go, the argument stays.
_WRAPPERS = frozenset(
    [
        "textit",
        "textbf",
        "textrm",
        "texttt",
        "textsc",
        "textsf",
        "textsl",
        "textup",
        "textnormal",
        "emph",
        "underline",
        "mbox",
        "hbox",
        "mathrm",
        "mathbf",
        "mathit",
        "mathsf",
        "mathtt",
        "mathcal",
        "mathbb",
        "mathfrak",
        "mathscr",
        "boldsymbol",
        "bm",
        "text",
        "operatorname",
    ]
)
# Commands that only change the font or spacing: they go.
_SWITCHES = frozenset(
    [
        "em",
        "it",
        "bf",
        "rm",
        "tt",
        "sc",
        "sf",
        "sl",
        "bfseries",
        "itshape",
        "mdseries",
        "normalfont",
        "small",
        "large",
        "Large",
        "footnotesize",
        "scriptsize",
        "tiny",
        "normalsize",
        "huge",
        "Huge",
        "left",
        "right",
        "big",
        "Big",
        "bigg",
        "Bigg",
        "displaystyle",
        "textstyle",
        "noindent",
        "quad",
        "qquad",
        "newline",
    ]
)
_SPACES = frozenset(["quad", "qquad", "newline"])
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307"}
_SUPER = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUB = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")
_TOKEN = re.compile(
    r"(?P<ref>[ \t~]*\\(?:cite[a-z]*|ref|eqref|autoref|[cC]ref|label)\*?(?:\[[^\]]*\])*\{[^{}]*\})"
    r"|(?P<url>\\url\{[^{}]*\})"
    r"|(?P<accent>\{\\[\'`^\"~=.]\s*\{?[A-Za-z]\}?\}|\\[\'`^\"~=.](?:\{[A-Za-z]\}|[A-Za-z]))"
    r"|(?P<switch>\{\\(?:em|it|bf|rm|tt|sc|sf|sl|bfseries|itshape)(?![A-Za-z])\s*)"
    r"|(?P<cmd>\\[A-Za-z]+)(?P<brace>\*?\s*\{)?"
    r"|(?P<esc>\\[%&_#${} ,;:!\\])"
    r"|(?P<script>[\^_](?:\{[0-9+-]\}|[0-9]))"
    r"|(?P<mathparen>\\[()])"
    r"|(?P<ent>" + HTML_ENTITY.pattern + r")"
    r"|(?P<dash>-{2,3})"
    r"|(?P<tilde>~)"
    r"|(?P<dollar>\$\$?)"
    r"|(?P<open>\{)|(?P<close>\})"
)
# Pandoc's rule for inline math: the opening $ has a non-space after it, the closing $ a non-space
# before it ("costs $5 and $10" is not math); pandoc also wants no digit after the closing $, but
# "32$\times$32" is math: only "$5,$10" (a digit after both) is money.
_MATH = re.compile(r"\$\$(?:[^$]|\\\$){1,800}?\$\$|(?<![\\$])\$(?=[^\s$])(?:[^$\n]|\\\$){1,300}?(?<=[^\s\\])\$(?!\$)")


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text of one field, with where each of its characters came from.

    ``starts[i]`` / ``ends[i]``: the original span the i-th normalised character was made from
    (None when nothing changed: ``text`` is ``original``).
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` that normalised ``[start, end)`` came from.

        Examples
        --------
        >>> n = normalize("a \\\\textbf{B} c")
        >>> n.text, n.original[slice(*n.span(2, 3))]
        ('a B c', 'B')
        >>> normalize("plain").span(1, 3)
        (1, 3)
        """
        if self.starts is None or self.ends is None:
            return start, end
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def inverse(self, start: int, end: int) -> tuple[int, int]:
        """The normalised span read from original ``[start, end)`` (for stages that work on the text).

        Examples
        --------
        >>> n = normalize("a $\\\\alpha$-Net b")
        >>> n.text[slice(*n.inverse(2, 14))]
        'α-Net'
        """
        if self.starts is None or self.ends is None:
            return start, end
        return bisect_left(self.starts, start), bisect_right(self.ends, end)


def normalize(text: str) -> Normalised:
    """Normalise LaTeX and HTML entities in ``text`` (see the module docstring).

    Examples
    --------
    >>> normalize("Fine-tuning \\\\emph{LLaMA}~2 \\\\& T\\\\\\"ULU: 3--5\\\\% &amp; more").text
    'Fine-tuning LLaMA 2 & TÜLU: 3–5% & more'
    >>> normalize("ImageNet 32$\\\\times$32, P$^2$OT, $\\\\ell_{\\\\infty}$-dist, costs $5 and $10").text
    'ImageNet 32×32, P²OT, ℓ_∞-dist, costs $5 and $10'
    >>> n = normalize("x &lt;y&gt;")
    >>> n.text, n.span(2, 3)
    ('x <y>', (2, 6))
    """
    if not _TRIGGER.search(text):
        return Normalised(text, text)
    math_delims: set[int] = set()
    for m in _MATH.finditer(text):
        if m.group()[1].isdigit() and text[m.end() : m.end() + 1].isdigit():
            continue
        width = 2 if m.group().startswith("$$") else 1
        math_delims.update((m.start(), m.end() - width))
    out = _Builder(text)
    braces: list[bool] = []  # per open brace: True if its closing brace is dropped
    math = False
    pos = 0
    for m in _TOKEN.finditer(text):
        a, b = m.span()
        out.copy(pos, a)
        pos = b
        kind = m.lastgroup if m.lastgroup != "brace" else "cmd"
        tok = m.group()
        if kind == "ref":
            continue
        if kind == "url":  # verbatim: a ~ in a URL is a tilde
            out.copy(a + 5, b - 1)
            continue
        if kind == "accent":
            mark, letter = _accent_parts(tok)
            out.put(unicodedata.normalize("NFC", letter + _ACCENTS[mark]), a, b)
        elif kind == "switch":
            braces.append(True)
        elif kind == "cmd":
            name = m.group("cmd")[1:]
            if m.group("brace") and name in _WRAPPERS:
                braces.append(True)
            elif m.group("brace") and name in _SYMBOLS:  # \LaTeX{}
                out.put(_SYMBOLS[name], a, m.end("cmd"))
                braces.append(True)
            elif name in _SYMBOLS:
                out.put(_SYMBOLS[name], a, b)
            elif name in _SWITCHES:
                if name in _SPACES:
                    out.put(" ", a, b)
                if m.group("brace"):
                    braces.append(True)
            else:  # unknown: keep it whole rather than lose text
                out.copy(a, b)
                if m.group("brace"):
                    braces.append(False)
        elif kind == "esc":
            ch = tok[1]
            out.put(" " if ch in " ,;:!\\" else ch, a, b)
        elif kind == "script" and math:
            digit = tok.strip("^_{}")
            out.put(digit.translate(_SUPER if tok[0] == "^" else _SUB), a, b)
        elif kind == "mathparen":
            math = tok == "\\("
            out.delimiter(a, b, opening=math)
        elif kind == "ent":
            out.put(decode_entity(tok), a, b)
        elif kind == "dash":
            out.put("–" if len(tok) == 2 else "—", a, b)
        elif kind == "tilde":
            tie = a > 0 and b < len(text) and not text[a - 1].isspace() and not text[b].isspace()
            out.put(" ", a, b) if tie else out.copy(a, b)
        elif kind == "dollar" and a in math_delims:
            math = not math
            out.delimiter(a, b, opening=math)
        elif kind == "open" and math:
            braces.append(True)
        elif kind == "open":
            braces.append(False)
            out.copy(a, b)
        elif kind == "close" and braces and braces.pop():
            continue
        else:  # a $ that opens no math, a stray }, a ^ outside math: as written
            out.copy(a, b)
    out.copy(pos, len(text))
    return out.result()


def entities_as_read(entities: list[PaperEntity], norm: Normalised) -> list[PaperEntity]:
    """Entities with abstract mentions at their offsets in ``norm.text`` (for stages that read it).

    Examples
    --------
    >>> from kg.types import EntityType, Mention
    >>> n = normalize("We use $k$-NN.")
    >>> mention = Mention("abstract", 7, 13, "$k$-NN", EntityType.METHOD)
    >>> e = PaperEntity("k-NN", EntityType.METHOD, ("k-NN",), (mention,))
    >>> m = entities_as_read([e], n)[0].mentions[0]
    >>> n.text[m.start : m.end]
    'k-NN'
    """
    if norm.starts is None:
        return entities
    return [
        replace(
            e,
            mentions=tuple(
                replace(m, start=s, end=t) if m.field == "abstract" else m
                for m in e.mentions
                for s, t in [norm.inverse(m.start, m.end)]
            ),
        )
        for e in entities
    ]


def results_in_field(results: tuple[PaperResult, ...], norm: Normalised) -> tuple[PaperResult, ...]:
    """Results found in ``norm.text`` with their value offsets mapped back to the original abstract."""
    if norm.starts is None:
        return results
    return tuple(replace(r, start=s, end=e) for r in results for s, e in [norm.span(r.start, r.end)])


def _accent_parts(tok: str) -> tuple[str, str]:
    """(accent mark, letter) of ``\\"o``, ``\\"{o}`` or ``{\\"o}``."""
    body = tok.strip("{}")[1:]
    return body[0], body.strip("{} ")[-1]


class _Builder:
    """Collects normalised text and, per character, the original span it came from."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.pending: int | None = None  # start of a math opening delimiter, given to the next char

    def copy(self, a: int, b: int) -> None:
        if a < b:
            self._add(self.original[a:b], range(a, b), range(a + 1, b + 1))

    def put(self, replacement: str, a: int, b: int) -> None:
        if replacement:
            self._add(replacement, [a] * len(replacement), [b] * len(replacement))

    def delimiter(self, a: int, b: int, opening: bool) -> None:
        # Math is one unit of the original: a name made of it ("$k$-NN") maps back with its $s.
        if opening:
            self.pending = a
        elif self.pending is None and self.ends:
            self.ends[-1] = b
        else:  # empty math
            self.pending = None

    def _add(self, part: str, starts: Iterable[int], ends: Iterable[int]) -> None:
        first = len(self.starts)
        self.parts.append(part)
        self.starts.extend(starts)
        self.ends.extend(ends)
        if self.pending is not None:
            self.starts[first] = self.pending
            self.pending = None

    def result(self) -> Normalised:
        text = "".join(self.parts)
        if text == self.original:
            return Normalised(text, text)
        return Normalised(self.original, text, tuple(self.starts), tuple(self.ends))
