"""The results filter as the user types it, and the one place it is parsed into a plan
(jatos.md §5 "Filter").

Plain mode is JATOS's (DataTables') smart search: whitespace-separated terms must all
match somewhere in the row, "quoted phrases" stay together, !term excludes. A row is its
columns as displayed (store/search/text.py) plus the result data of its component
results. Plain mode also takes field terms (`state:FINISHED`), `|` and parentheses
(store/search/syntax.py, store/search/fields.py). Regex mode applies one regular
expression (store/search/regex_engine.py) and knows no fields; Aa makes either mode's
text case-sensitive (field values ignore case).

The plan says what must hold, not how to find it: store/search/routes.py decides, per
term, how it is answered, and store/search/engine.py runs the plan, in stages for a
results page or to the end for the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from store.db.sqlite import folded_contains
from store.search import regex_engine, syntax
from store.search.fields import Facts


@dataclass(frozen=True)
class Filter:
    text: str
    regex: bool = False
    case_sensitive: bool = False

    def compiled(self) -> regex_engine.Pattern:
        """The pattern (a StoreError in one line for one that cannot be used)."""
        return regex_engine.compile_pattern(self.text, self.case_sensitive)

    def validate(self) -> None:
        """A StoreError in one line if the filter cannot be applied (no SQL: the screen's
        thread checks each keystroke)."""
        if self.regex:
            self.compiled()
        elif self.active:
            plan(self)

    @property
    def active(self) -> bool:
        return bool(self.text.strip())


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """One condition of a plan: the row's text (its displayed columns, or the data of one of
    its component results) contains `text`, or, for a regex, the pattern is found in it;
    negated, neither holds. Field terms (`state:FINISHED`) are the plan's `tree`."""

    text: str  # the term, or the pattern
    regex: bool = False
    case_sensitive: bool = False
    negated: bool = False

    @property
    def literal(self) -> str | None:
        """Text every match contains, for an index to name candidates (None: none known)."""
        return required_literal(self.text) if self.regex else self.text

    @property
    def pattern(self) -> str:
        """The regex as SQL's REGEXP takes it: case folding inside the pattern."""
        return ("" if self.case_sensitive else "(?i)") + self.text

    def test(self) -> Callable[[str], bool]:
        """The matcher on one text, in Python (for rows that are no longer in the tables)."""
        if self.regex:
            return regex_engine.compile_pattern(self.text, self.case_sensitive).search
        if self.case_sensitive:
            return lambda text: self.text in text
        return lambda text: folded_contains(text, self.text)  # character by character, as the index folds


@dataclass(frozen=True)
class Plan:
    """What a row must satisfy: every matcher (an AND of them), and the tree.

    The matchers are the free terms at the top level: the staged engine answers them
    (store/search/engine.py). The tree holds everything else, ANDed: field terms, `|`,
    parentheses and the free terms inside them (store/search/syntax.py); it becomes one SQL
    condition that narrows the page's rows (store/search/routes.py `tree_condition`)."""

    matchers: tuple[Matcher, ...]
    tree: object | None = None
    case_sensitive: bool = False  # for the free terms inside the tree

    def matches(self, texts: list[str], facts: Facts | None = None) -> bool:
        """Whether a row with these texts (and, for field terms, these facts) passes,
        decided in Python."""
        for m in self.matchers:
            test = m.test()
            if any(test(t) for t in texts) == m.negated:
                return False
        if self.tree is None:
            return True
        if facts is None:
            raise ValueError("field terms are decided on the row's facts")
        return self.tree.test(texts, facts, lambda text: Matcher(text, False, self.case_sensitive).test())


@lru_cache(maxsize=64)
def plan(f: Filter) -> Plan:
    """The filter's plan (an invalid regex or a syntax error is a StoreError; an empty filter
    has no matchers)."""
    if not f.active:
        return Plan(())
    if f.regex:
        f.validate()
        return Plan((Matcher(f.text, True, f.case_sensitive),))
    tree = syntax.parse(f.text)
    matchers, rest = [], []
    for item in tree.items if isinstance(tree, syntax.All) else (tree,):
        inner, negated = (item.item, True) if isinstance(item, syntax.Not) else (item, False)
        if isinstance(inner, syntax.Text):  # a free term on its own: the staged engine's
            matchers.append(Matcher(inner.text, False, f.case_sensitive, negated))
        else:
            rest.append(item)
    rest_tree = None if not rest else rest[0] if len(rest) == 1 else syntax.All(tuple(rest))
    return Plan(tuple(matchers), rest_tree, f.case_sensitive)


_META = "\\.^$*+?{}[]|()"


def required_literal(pattern: str) -> str | None:
    """The longest run of plain characters every match must contain (None if unsure)."""
    if "|" in pattern.replace("\\|", "") or "(?" in pattern:
        return None
    runs, run, depth, i = [], "", 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in _META or nxt in "/-\"'":
                run += nxt if depth == 0 else ""
            else:  # \d, \w, \b ...: not a literal
                runs.append(run)
                run = ""
            i += 2
            continue
        if c in "*?{":
            run = run[:-1]  # the quantifier makes the last character optional
            runs.append(run)
            run = ""
            if c == "{":
                close = pattern.find("}", i)
                i = close if close != -1 else len(pattern)
        elif c == "+":
            runs.append(run)
            run = ""
        elif c in "([":
            runs.append(run)
            run = ""
            if c == "[":
                close = pattern.find("]", i + 2)
                i = close if close != -1 else len(pattern)
            else:
                depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
            runs.append(run)
            run = ""
        elif c in "^$.":
            runs.append(run)
            run = ""
        elif depth == 0:
            run += c
        i += 1
    runs.append(run)
    best = max(runs, key=len)
    return best if len(best) >= 3 else None
