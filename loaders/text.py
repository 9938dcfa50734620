"""Text cleanup every loader applies: whitespace and controls, the characters that reject a record, HTML entities.

Examples
--------
>>> clean_text("  two\\r\\n lines ")
'two lines'
"""

from __future__ import annotations

import re
import unicodedata
from html.entities import html5 as html5_entities

__all__ = ["REJECTED_CHAR", "HTML_ENTITY", "clean_text", "bad_character", "decode_entity", "unescape_entities"]

_SURROGATE = re.compile("[\ud800-\udfff]")
#: What rejects a record: C0 controls except tab, LF, CR (text never needs them), lone surrogates.
REJECTED_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
#: An HTML entity in its strict form: named, decimal or hex, always with the semicolon.
HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Control characters (category Cc) that str.isspace() does not count as whitespace.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def clean_text(text: str) -> str:
    """Collapse whitespace (hard line breaks too), drop control characters, NFC-normalise.

    Lone surrogates (possible from JSON ``\\ud800`` escapes) become U+FFFD so every output
    encoder can write the text.

    Examples
    --------
    >>> clean_text("Deep\\n  learning\\x00 for\\u00a0all ")
    'Deep learning for all'
    >>> clean_text("bad \\ud800 char")
    'bad \\ufffd char'
    """
    if not text.isprintable():  # fast path: most text has neither surrogates nor controls
        text = _CONTROL.sub("", _SURROGATE.sub("\ufffd", text))
    text = " ".join(text.split())  # str.split() and isspace() agree on what whitespace is
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def bad_character(text: str) -> str | None:
    """Why ``text`` cannot be part of a record (a C0 control or a lone surrogate), else None.

    Examples
    --------
    >>> bad_character("fine\\tline\\r")
    >>> bad_character("nul\\x00 here")
    'control character U+0000 at character 4'
    >>> bad_character("half \\ud83d")
    'lone surrogate U+D83D at character 6'
    """
    m = REJECTED_CHAR.search(text)
    if m is None:
        return None
    kind = "lone surrogate" if m.group() >= "\ud800" else "control character"
    return f"{kind} U+{ord(m.group()):04X} at character {m.start() + 1}"


def decode_entity(entity: str) -> str:
    """The character(s) of one strict HTML entity (``&amp;``, ``&#39;``, ``&#x27;``); unknown as is.

    Examples
    --------
    >>> decode_entity("&amp;"), decode_entity("&#39;"), decode_entity("&#x3b1;"), decode_entity("&nope;")
    ('&', "'", 'α', '&nope;')
    >>> decode_entity("&nbsp;")
    ' '
    """
    if entity[1] == "#":
        try:
            code = int(entity[3:-1], 16) if entity[2] in "xX" else int(entity[2:-1])
            # No entity may smuggle in what a record is rejected for (controls, surrogates).
            ok = code in (9, 10, 13) or 32 <= code < 0x110000 and not 0xD800 <= code < 0xE000
            char = chr(code) if ok else "\ufffd"
        except ValueError:
            return entity
    else:
        char = html5_entities.get(entity[1:], entity)
    # A no-break space is a space to every stage after this one (tokenizer, keys, output).
    return " " if char == "\xa0" else char


def unescape_entities(text: str) -> str:
    """Decode HTML entities left in text that came through HTML or XML escaping.

    Only the strict ``&name;`` / ``&#N;`` forms: ``html.unescape`` would also read ``&para``
    without its semicolon, and "P&param" is no paragraph sign.

    Examples
    --------
    >>> unescape_entities("Q&amp;A: R&D &lt;3, it&#39;s &copy; AT&T")
    "Q&A: R&D <3, it's © AT&T"
    """
    return HTML_ENTITY.sub(lambda m: decode_entity(m.group()), text) if "&" in text else text
