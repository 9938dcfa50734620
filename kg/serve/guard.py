"""Decide, before anything runs, what a SPARQL request is and whether it may run.

pyoxigraph (like oxigraph's server and rdflib-endpoint) fetches the IRI of ``SERVICE <iri>`` and
``LOAD <iri>``, even for a read-only store: a server-side request forgery hole. We refuse both unless
the IRI matches an explicit allow-list. The check works on tokens, not substrings: strings, IRIs,
comments, variables and prefixed names are skipped so ``?service`` or ``"load"`` stay harmless, and
the IRI after SERVICE is read exactly as the parser will read it (``\\u`` escapes and prefixes
resolved). ``SERVICE ?var`` (the target chosen at run time) is always refused.

Examples
--------
>>> classify("PREFIX ex: <http://x/> SELECT ?service WHERE { ?service ex:load 'SERVICE' }")
'query'
>>> classify("insert data { <a> <b> <c> }")
'update'
>>> federated_targets("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
['http://127.0.0.1:9/sparql']
>>> try:
...     check("SELECT * { service silent <http://evil.example/> { ?s ?p ?o } }", allow=())
... except Refused as exc:
...     print(exc)
SERVICE <http://evil.example/> is not allowed (no --allow-service prefix matches)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from kg.errors import KGError

__all__ = [
    "Refused",
    "Token",
    "tokens",
    "classify",
    "federated_targets",
    "check",
    "nesting_depth",
    "MAX_DEPTH",
]

#: Deepest bracket nesting accepted: beyond any real query, far below what overflows the parser's stack.
MAX_DEPTH = 256

Kind = Literal["query", "update"]

_UPDATE_WORDS = {"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"}
_QUERY_WORDS = {"select", "ask", "construct", "describe"}

# One alternation, tried in this order at every position; anything else is one "other" character.
_LEXER = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?:(?:[\w\-.:%\u00B7\u00C0-\uFFFF]|\\.)*)
  | (?P<bnode>_:[\w\-.\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Refused(KGError):
    """The request may not run here (an update on a read-only endpoint, a federated query)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str


def tokens(text: str) -> Iterator[Token]:
    """The SPARQL tokens of ``text`` that matter here (whitespace and comments dropped).

    Examples
    --------
    >>> [t.kind for t in tokens("SELECT ?x # SERVICE\\n{ ?x ex:p 'a' }")]
    ['word', 'var', 'other', 'var', 'pname', 'string', 'other']
    """
    for m in _LEXER.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield Token(kind, m.group())


def _unescape_iri(token: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])


def classify(text: str) -> Kind:
    """``"query"`` or ``"update"``, from the first keyword after the prologue (PREFIX / BASE).

    Text that starts with neither kind of keyword counts as a query: the parser will reject it.

    Examples
    --------
    >>> classify("PREFIX a: <http://a/> BASE <http://b/> DELETE WHERE { ?s ?p ?o }")
    'update'
    >>> classify("# a comment\\nASK {}")
    'query'
    """
    for tok in tokens(text):
        if tok.kind == "word":
            word = tok.text.lower()
            if word in _UPDATE_WORDS:
                return "update"
            if word in _QUERY_WORDS:
                return "query"
    return "query"


def _targets(text: str, keywords: frozenset[str]) -> Iterator[tuple[str, str]]:
    prefixes: dict[str, str] = {}
    base = ""
    toks = list(tokens(text))
    for i, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        word = tok.text.lower()
        nxt = toks[i + 1] if i + 1 < len(toks) else Token("end", "")
        if word == "prefix" and nxt.kind == "pname" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            prefixes[nxt.text.split(":", 1)[0]] = _unescape_iri(toks[i + 2].text)
        elif word == "base" and nxt.kind == "iri":
            base = _unescape_iri(nxt.text)
        elif word in keywords:
            j = i + 1
            # SERVICE SILENT <x> and LOAD SILENT <x>
            if j < len(toks) and toks[j].kind == "word" and toks[j].text.lower() == "silent":
                j += 1
            target = toks[j] if j < len(toks) else Token("end", "")
            if target.kind == "iri":
                iri = _unescape_iri(target.text)
                # A relative IRI resolves against BASE; refusing it unresolved would be just as safe.
                yield word, iri if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri) else base + iri
            elif target.kind == "pname" and target.text.split(":", 1)[0] in prefixes:
                pre, local = target.text.split(":", 1)
                yield word, prefixes[pre] + local.replace("\\", "")
            else:
                # SERVICE ?var, an unknown prefix, or something odd: the target is unknowable.
                yield word, f"<unresolved {target.text or 'end of query'}>"


def federated_targets(text: str) -> list[str]:
    """Every IRI a ``SERVICE`` or ``LOAD`` in ``text`` would fetch (``<unresolved ...>`` if unknowable).

    Examples
    --------
    >>> federated_targets("PREFIX e: <http://e.org/> SELECT * { SERVICE e:sparql {} SERVICE ?x {} }")
    ['http://e.org/sparql', '<unresolved ?x>']
    >>> federated_targets('SELECT * { ?s ?p "SERVICE <http://x/>" } # SERVICE <http://y/>')
    []
    >>> federated_targets("SELECT * { SERVICE <http\\\\u003A//127.0.0.1/> {} }")
    ['http://127.0.0.1/']
    """
    return [iri for _, iri in _targets(text, frozenset({"service", "load"}))]


def check(text: str, allow: Sequence[str] = ()) -> None:
    """Raise :class:`Refused` if ``text`` would fetch any IRI that no ``allow`` prefix covers.

    Examples
    --------
    >>> check("SELECT * { SERVICE <http://ok.example/sparql> {} }", allow=["http://ok.example/"])
    >>> check("SELECT * WHERE { ?s ?p ?o }")
    """
    lowered = text.lower()
    # Fast path: oxigraph does not unescape keywords, so no "service"/"load" spelled out means none.
    if "service" not in lowered and "load" not in lowered:
        return
    for keyword, iri in _targets(text, frozenset({"service", "load"})):
        if iri.startswith("<unresolved"):
            raise Refused(
                f"{keyword.upper()} with a target known only at run time ({iri[12:-1]}) is not allowed"
            )
        if not any(iri.startswith(prefix) for prefix in allow):
            raise Refused(f"{keyword.upper()} <{iri}> is not allowed (no --allow-service prefix matches)")


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{ ( [`` outside strings, IRIs and comments.

    The parser recurses once per level: 50,000 nested groups overflowed its stack and killed the
    process here, so the endpoint answers 400 above :data:`MAX_DEPTH` instead of losing a worker.

    Examples
    --------
    >>> nesting_depth("SELECT * WHERE { { ?s ?p '{{{' } FILTER((1)) }")
    3
    """
    depth = deepest = 0
    for tok in tokens(text):
        if tok.kind == "other":
            if tok.text in "{([":
                depth += 1
                deepest = max(deepest, depth)
            elif tok.text in "})]":
                depth -= 1
    return deepest
