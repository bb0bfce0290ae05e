"""Typed math as tokens: calculator, Unicode and LaTeX spellings of one notation.

Every spelling of an operation becomes one token (`×`, `·` and `\\cdot` are all `*`; `**` is `^`),
so the grammar in parse.py reads a single notation, and each token keeps the columns it came from,
so an error still points at what was typed. Names run together (`xy`, `sinx`) are split here, and
only into parts that are known: functions, pi, e, and variables the caller names or the text uses
on their own; each split is reported, so that a reading is never silent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection, Iterable

from ..errors import ParseError


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op" or "end"
    text: str  # the one spelling: "*" for × and \cdot, "^" for **, "|<" and "|>" for bars that open or close
    start: int  # the columns of the source text it was read from
    end: int


CONSTANT_NAMES = frozenset({"pi", "e"})
# Function names nanograd's table has no row for (its own come with `functions`), read as functions
# so that `asec x` is refused by name instead of being read as the product of variables.
FUNCTION_WORDS = frozenset("acot asec acsc arccot arcsec arccsc sgn erf floor ceil max min".split())
GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa mu nu xi rho "
    "sigma tau upsilon phi varphi chi psi omega".split())

_ASCII = re.compile(r"(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/^()|{}\[\],])", re.ASCII)
_COMMAND = re.compile(r"\\([A-Za-z]+|.?)", re.DOTALL)
_BRACED_NAME = re.compile(r"\s*\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}", re.ASCII)
_BRACED_SUBSCRIPT = re.compile(r"\{([A-Za-z0-9]+)\}", re.ASCII)
_UNICODE = {"×": "*", "·": "*", "⋅": "*", "∙": "*", "∗": "*", "÷": "/", "∕": "/", "−": "-", "–": "-"}
_UNICODE_NAMES = {"π": "pi", "√": "sqrt"}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+"))
_SPACES = " \t\n\r\f\v\u00a0\u2009\u202f"
# LaTeX commands that are spellings of a token, and those that only lay out (\left, \, ...)
_LATEX_OPS = {"cdot": "*", "times": "*", "ast": "*", "div": "/", "frac": "frac", "dfrac": "frac",
              "tfrac": "frac", "lvert": "|<", "rvert": "|>", "vert": "|", "{": "{", "}": "}"}
_LATEX_LAYOUT = frozenset({",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "big", "Big",
                           "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr"})
_LATEX_WRAPPERS = frozenset({"mathrm", "operatorname", "text", "textrm", "mathit", "rm"})
_HINTS = {
    "_": "names start with a letter", "'": "strings are not allowed", '"': "strings are not allowed",
    ".": "attribute access is not allowed",
    ";": "one expression only", "=": "an expression only: no assignment or comparison",
    ":": "lambdas and slices are not allowed",
}


def tokenize(text: str, functions: Collection[str]) -> list[Token]:
    """The tokens of `text`, ending with an "end" token; refuses a character it cannot read."""
    tokens: list[Token] = []
    position = _skip_spaces(text, 0)
    while position < len(text):
        char = text[position]
        match = _ASCII.match(text, position)
        if char == "\\":
            position = _command(text, position, tokens, functions)
        elif char == "_" and tokens and tokens[-1].text == "log":  # \log_2, log_{b}: a base
            tokens.append(Token("op", "_", position, position + 1))
            position += 1
        elif match is not None:
            position = _ascii(text, match, tokens)
        elif char in _UNICODE or char in _UNICODE_NAMES:
            kind = "op" if char in _UNICODE else "name"
            tokens.append(Token(kind, _UNICODE.get(char) or _UNICODE_NAMES[char], position, position + 1))
            position += 1
        elif char in _SUPERSCRIPTS:  # x², sin⁻¹: a power with an integer exponent
            end = position
            while end < len(text) and text[end] in _SUPERSCRIPTS:
                end += 1
            written = "".join(_SUPERSCRIPTS[c] for c in text[position:end])
            sign = written[0] if written[0] in "+-" else ""
            if not written[len(sign):].isdigit():
                raise ParseError("a superscript power is an integer, such as ² or ⁻¹", text, position, end)
            tokens.append(Token("op", "^", position, position + 1))
            if sign:
                tokens.append(Token("op", sign, position, position + 1))
            tokens.append(Token("number", written[len(sign):], position + len(sign), end))
            position = end
        else:
            raise ParseError(_HINTS.get(char, f"unexpected character {char!r}"), text, position)
        position = _skip_spaces(text, position)
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACES:
        position += 1
    return position


def _ascii(text: str, match: re.Match, tokens: list[Token]) -> int:
    kind, word, start, end = str(match.lastgroup), match.group(), match.start(), match.end()
    if kind == "op":
        tokens.append(Token("op", "^" if word == "**" else word, start, end))
    elif kind == "name" and word.startswith("log_"):  # log_2 x, log_b(x), log_{b}(x): a base
        tokens += [Token("name", "log", start, start + 3), Token("op", "_", start + 3, start + 4)]
        return start + 4  # the base is read as the tokens it is made of
    elif kind == "name" and word.endswith("_") and (braced := _BRACED_SUBSCRIPT.match(text, end)):
        tokens.append(Token("name", word + braced.group(1), start, braced.end()))  # x_{1} is x_1
        return braced.end()
    else:
        tokens.append(Token(kind, word, start, end))
    return end


def _command(text: str, start: int, tokens: list[Token], functions: Collection[str]) -> int:
    """A LaTeX command: a token, a name, layout (skipped), or refused by name."""
    match = _COMMAND.match(text, start)
    word, end = match.group(1), match.end()  # type: ignore[union-attr]  # the pattern always matches
    if word in ("left", "right"):  # \left( is (; \left| and \right| are bars that open and close
        after = _skip_spaces(text, end)
        for bar in ("|", "\\vert", "\\lvert", "\\rvert"):
            if text.startswith(bar, after):
                tokens.append(Token("op", "|<" if word == "left" else "|>", start, after + len(bar)))
                return after + len(bar)
        return after + 1 if text.startswith(".", after) else end
    if word in _LATEX_LAYOUT:
        return end
    if word in _LATEX_OPS:
        tokens.append(Token("op", _LATEX_OPS[word], start, end))
    elif word in _LATEX_WRAPPERS and (braced := _BRACED_NAME.match(text, end)):
        tokens.append(Token("name", braced.group(1), start, braced.end()))  # \operatorname{sech}
        return braced.end()
    elif word in functions or word in FUNCTION_WORDS or word in GREEK or word in CONSTANT_NAMES \
            or word in ("sqrt", "exp", "log", "ln"):
        tokens.append(Token("name", word, start, end))
    else:
        shown = word if word.isprintable() else "?"
        raise ParseError(f"the LaTeX command \\{shown} is not supported" if word
                         else "a backslash must start a LaTeX command", text, start, end)
    return end


def mentioned(tokens: Iterable[Token], functions: Collection[str]) -> set[str]:
    """The names the tokens use as variables: neither functions nor constants."""
    return {t.text for t in tokens if t.kind == "name" and t.text not in functions
            and t.text not in FUNCTION_WORDS and t.text not in CONSTANT_NAMES}


def split_names(tokens: list[Token], functions: Collection[str], known: Collection[str],
                latex: bool) -> tuple[list[Token], list[tuple[str, str]]]:
    """Names run together split into known parts (`xy` is x*y when x and y are known), and what
    was split, as (name, reading) pairs. In LaTeX, as in print, every letter is a name of its own.
    """
    used = mentioned(tokens, functions)
    function_names = set(functions) | FUNCTION_WORDS
    out: list[Token] = []
    splits: list[tuple[str, str]] = []
    for token in tokens:
        name = token.text
        parts = None
        if token.kind == "name" and name in used and name not in known and name not in GREEK \
                and "_" not in name \
                and len(name) <= 32:
            words = function_names | CONSTANT_NAMES | set(known) | (used - {name})
            if latex:  # every letter a name; a digit a number (x2y is x*2*y), never a variable
                words |= {c for c in name if c.isalpha()}
            parts = _cover(name, words, function_names, latex)
        if parts is None or len(parts) < 2:
            out.append(token)
            continue
        offset = token.start
        reading = ""
        for i, (part, kind) in enumerate(parts):
            out.append(Token(kind, part, offset, offset + len(part)))
            offset += len(part)
            reading += part + ("" if i + 1 == len(parts) else " " if part in function_names
                               else "" if kind == "number" else "*")
        splits.append((name, reading))
    return out, splits


def _cover(name: str, words: set[str], functions: set[str],
           numbers: bool = False) -> list[tuple[str, str]] | None:
    """The fewest known parts that spell `name` (a function may be followed by digits: sin2x;
    with `numbers`, any part may be)."""
    best: list[list[tuple[str, str]] | None] = [None] * (len(name) + 1)
    best[0] = []
    lengths = sorted({len(w) for w in words}, reverse=True)  # the longest first: sinh, not sin h
    for i in range(len(name)):
        so_far = best[i]
        if so_far is None:
            continue
        if numbers and name[i].isdigit():  # a run of digits, whole
            j = i
            while j < len(name) and name[j].isdigit():
                j += 1
            current = best[j]
            if current is None or len(so_far) + 1 < len(current):
                best[j] = [*so_far, (name[i:j], "number")]
            continue
        for length in lengths:
            piece = name[i:i + length]
            if len(piece) != length or piece not in words:
                continue
            parts = [*so_far, (piece, "name")]
            j = i + length
            if piece in functions:
                digits = j
                while digits < len(name) and name[digits].isdigit():
                    digits += 1
                if digits > j:
                    parts, j = [*parts, (name[j:digits], "number")], digits
            current = best[j]
            if current is None or len(parts) < len(current):
                best[j] = parts
    return best[len(name)]
