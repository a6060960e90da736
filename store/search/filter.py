"""The results filter as the user types it, and the one place it is parsed into a plan
(jatos.md §5 "Filter").

Plain mode is JATOS's (DataTables') smart search: whitespace-separated terms must all
match somewhere in the row, "quoted phrases" stay together, !term excludes. A row is its
columns as displayed (store/search/text.py) plus the result data of its component
results. Regex mode applies one regular expression (store/search/regex_engine.py); Aa
makes either mode case-sensitive.

The plan says what must hold, not how to find it: store/search/routes.py decides, per
term, how it is answered, and store/search/engine.py runs the plan, in stages for a
results page or to the end for the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from store.db.sqlite import folded_contains
from store.search import regex_engine


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False


def parse_smart(text: str) -> list[Term]:
    """Split a smart-search string into terms, as DataTables does."""
    terms = []
    for m in re.finditer(r'(!?)"([^"]*)"|(\S+)', text):
        if m.group(3) is not None:
            word = m.group(3)
            negated = word.startswith("!") and len(word) > 1
            terms.append(Term(word[1:] if negated else word, negated))
        elif m.group(2):
            terms.append(Term(m.group(2), bool(m.group(1))))
    return [t for t in terms if t.text]


@dataclass(frozen=True)
class Filter:
    text: str
    regex: bool = False
    case_sensitive: bool = False

    def compiled(self) -> regex_engine.Pattern:
        """The pattern (a StoreError in one line for one that cannot be used)."""
        return regex_engine.compile_pattern(self.text, self.case_sensitive)

    def validate(self) -> None:
        if self.regex:
            self.compiled()

    @property
    def active(self) -> bool:
        return bool(self.text.strip())


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    """One condition of a plan: the row's text (its displayed columns, or the data of one of
    its component results) contains `text`, or, for a regex, the pattern is found in it;
    negated, neither holds. Field terms (`state:FINISHED`) would be a kind of their own."""

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
    """What a row must satisfy: every matcher (an AND of them)."""

    matchers: tuple[Matcher, ...]

    def matches(self, texts: list[str]) -> bool:
        """Whether a row with these texts passes, decided in Python."""
        for m in self.matchers:
            test = m.test()
            if any(test(t) for t in texts) == m.negated:
                return False
        return True


def plan(f: Filter) -> Plan:
    """The filter's plan (an invalid regex is a StoreError; an empty filter has no matchers)."""
    if not f.active:
        return Plan(())
    if f.regex:
        f.validate()
        return Plan((Matcher(f.text, True, f.case_sensitive),))
    return Plan(tuple(Matcher(t.text, False, f.case_sensitive, t.negated) for t in parse_smart(f.text)))


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
