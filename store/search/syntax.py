"""The filter's plain-mode syntax: JATOS's smart search (words, "phrases", !word) with field
terms (store/search/fields.py), `|` (or) and parentheses, parsed into a tree.

    state:FINISHED batch:Pilot stroop          all must hold
    state:FINISHED,ABORTED                      one of several values
    (state:FAIL | data:<10B) batch:Pilot        or, grouped
    !type:Jatos   !(a | b)   !word              not

`|` binds looser than the spaces between terms. A field term is `name:value` where name is
a field's (any case); values are quoted when they hold spaces (`type:"Personal Single"`)
and separated by commas. A word like `name:value` whose name is no field is an error (it
says to quote the word to search its text); a word with anything but letters before its
colon (`2024-05-01T09:54`, `"rt":611`) is text, as before. Parentheses and `|` outside
quotes are syntax: quote text that holds them.

Errors are StoreErrors of one line naming the position (counted from 1) and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from store.errors import StoreError
from store.search.field_values import Interval
from store.search.fields import FIELDS, Facts


class FilterSyntaxError(StoreError):
    pass


# -- the tree -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A free term (a word or a phrase) inside the tree: its text must be found in the row."""

    text: str

    def test(self, texts, facts, text_test: Callable[[str], Callable[[str], bool]]) -> bool:
        test = text_test(self.text)
        return any(test(t) for t in texts)


@dataclass(frozen=True)
class FieldTerm:
    field: str
    values: tuple  # parsed, one of them must hold
    source: str  # as typed: the status line and errors quote it

    def test(self, texts, facts: Facts, text_test) -> bool:
        return FIELDS[self.field].test(facts, list(self.values))


@dataclass(frozen=True)
class Not:
    item: object

    def test(self, texts, facts, text_test) -> bool:
        return not self.item.test(texts, facts, text_test)


@dataclass(frozen=True)
class All:
    items: tuple

    def test(self, texts, facts, text_test) -> bool:
        return all(i.test(texts, facts, text_test) for i in self.items)


@dataclass(frozen=True)
class Any:
    items: tuple

    def test(self, texts, facts, text_test) -> bool:
        return any(i.test(texts, facts, text_test) for i in self.items)


# -- tokens ----------------------------------------------------------------------------------------

_FIELD = re.compile(r"(!?)([A-Za-z_]+):")
_VALUE = re.compile(r'"([^"]*)"|([^\s,()|"]+)')
_PHRASE = re.compile(r'(!?)"([^"]*)"')
_WORD = re.compile(r"[^\s()|]+")


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "field", "(", ")", "|", "end"
    at: int  # position in the text, from 0
    item: object = None
    negated: bool = False


def _error(text: str, at: int, message: str) -> FilterSyntaxError:
    shown = text if len(text) <= 80 else text[:79] + "…"
    return FilterSyntaxError(f"filter: {message} (at character {at + 1} of {shown!r})")


def _field_token(text: str, at: int, m: re.Match) -> tuple[Token, int]:
    negated, name = bool(m.group(1)), m.group(2).lower()
    field = FIELDS.get(name)
    if field is None:
        names = ", ".join(FIELDS)
        raise _error(text, at, f"unknown field {m.group(2)!r}: fields are {names}; to search for the text, quote it")
    pos, parsed, raw = m.end(), [], []
    while True:
        v = _VALUE.match(text, pos)
        if v is None:
            what = "a value" if not raw else "another value after the comma"
            raise _error(text, pos, f"{name}: needs {what} (e.g. {field.example})")
        value = v.group(1) if v.group(1) is not None else v.group(2)
        try:
            parsed.append(field.parse(value))
        except ValueError as exc:
            raise _error(text, v.start(), f"{name}: {exc}") from None
        raw.append(v.group(0))
        pos = v.end()
        if not text.startswith(",", pos):
            break
        pos += 1
    source = ("!" if negated else "") + f"{name}:{','.join(raw)}"
    return Token("field", at, FieldTerm(name, tuple(dict.fromkeys(parsed)), source), negated), pos


def tokens(text: str) -> list[Token]:
    out, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            out.append(Token("end", pos))
            return out
        c = text[pos]
        if c in "()|":
            out.append(Token(c, pos))
            pos += 1
        elif text.startswith("!(", pos):
            out.append(Token("(", pos, negated=True))
            pos += 2
        elif (m := _FIELD.match(text, pos)) is not None:
            token, pos = _field_token(text, pos, m)
            out.append(token)
        elif (m := _PHRASE.match(text, pos)) is not None:
            if m.group(2):  # an empty phrase is no term, as in DataTables
                out.append(Token("text", pos, Text(m.group(2)), bool(m.group(1))))
            pos = m.end()
        else:
            word = _WORD.match(text, pos).group(0)
            negated = word.startswith("!") and len(word) > 1
            out.append(Token("text", pos, Text(word[1:] if negated else word), negated))
            pos += len(word)


# -- the parser ----------------------------------------------------------------------------------


MAX_DEPTH = 32  # parentheses inside parentheses: more is a mistake (and would overflow the SQL)
# Terms inside | and parentheses, and ranges ORed in field terms: they become one SQL
# expression, and SQLite refuses expressions over 1000 deep. (Exact values, an id list,
# are one IN and count once.)
MAX_TERMS = 250
# A free term is one LIKE pattern, and SQLite refuses patterns over 50,000 bytes.
MAX_TERM_CHARS = 10_000


class _Parser:
    def __init__(self, text: str):
        self.text, self.tokens, self.i, self.depth = text, tokens(text), 0, 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def either(self, closing: Token | None):
        items = [self.terms(closing)]
        while self.token.kind == "|":
            bar = self.token
            self.i += 1
            if self.token.kind in ("|", ")", "end"):
                raise _error(self.text, bar.at, "nothing after |")
            items.append(self.terms(closing))
        return items[0] if len(items) == 1 else Any(tuple(items))

    def terms(self, closing: Token | None):
        items = []
        while self.token.kind not in ("|", ")", "end"):
            items.append(self.one())
        if not items:
            if self.token.kind == "|":
                raise _error(self.text, self.token.at, "nothing before |")
            if self.token.kind == ")" and closing is None:
                raise _error(self.text, self.token.at, "unbalanced parentheses: ) without (")
            if closing is not None and self.token.kind == ")":
                raise _error(self.text, closing.at, "empty parentheses")
        # Nested "all of" groups are one: (a b) c is a b c.
        flat = []
        for item in items:
            flat.extend(item.items if isinstance(item, All) else (item,))
        return flat[0] if len(flat) == 1 else All(tuple(flat))

    def one(self):
        t = self.token
        self.i += 1
        if t.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _error(self.text, t.at, f"parentheses nested more than {MAX_DEPTH} deep")
            inner = self.either(t)
            self.depth -= 1
            if self.token.kind != ")":
                raise _error(self.text, t.at, "unbalanced parentheses: ( is never closed")
            self.i += 1
            return Not(inner) if t.negated else inner
        if isinstance(t.item, Text) and len(t.item.text) > MAX_TERM_CHARS:
            raise _error(self.text, t.at, f"a term of more than {MAX_TERM_CHARS:,} characters: shorten it")
        return Not(t.item) if t.negated else t.item

    def parse(self):
        tree = self.either(None)
        if self.token.kind == ")":
            raise _error(self.text, self.token.at, "unbalanced parentheses: ) without (")
        if _weight(tree) > MAX_TERMS:
            raise _error(self.text, 0, f"more than {MAX_TERMS} terms and ranges: split the filter")
        return tree


def _weight(node) -> int:
    if isinstance(node, (All, Any)):
        return sum(_weight(i) for i in node.items)
    if isinstance(node, Not):
        return _weight(node.item)
    if isinstance(node, FieldTerm):
        return 1 + sum(1 for v in node.values if isinstance(v, Interval) and not v.point)
    return 1


def parse(text: str):
    """The tree of a plain-mode filter (a FilterSyntaxError in one line if it has none)."""
    return _Parser(text).parse()
