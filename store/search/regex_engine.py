"""The filter's regular expressions: RE2 (google-re2), which matches in time linear in the
text whatever the pattern, without the interpreter lock.

Python's `re` and the `regex` module backtrack: `(a+)+$` on one long row runs for minutes.
RE2 has no backtracking, so every pattern finishes like any other; the price is its
dialect (README, "Regular expressions"): no backreferences and no lookaround, which are
refused with one line saying so. A pattern is first read by the `regex` module (Python's
syntax, which JavaScript's common syntax is), whose errors name their position in it.

A whole column is searched by Arrow's RE2 kernel, one row at a time (store/search/
block_scan.py), with the pattern in RE2's spelling (`Pattern.re2_text`).

`^` and `$` are a line's start and end: a row's text holds a cell on each line (store/search/
text.py), so `^1001$` is a cell that says 1001, and in data a line, as grep reads it. `\\A`
and `\\z` are the whole text's; `(?-m)` turns this off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import re2
import regex

from store.errors import StoreError

# JavaScript's and Python's spellings RE2 has under another name.
_SPELLINGS = (
    (re.compile(r"(?<!\\)((?:\\\\)*)\\Z"), r"\1\\z"),  # end of text
    (re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})"), r"\1\\x{\2}"),  # \u00e9
    (re.compile(r"(?<!\\)((?:\\\\)*)\\U([0-9a-fA-F]{8})"), r"\1\\x{\2}"),
)

UNSUPPORTED = (
    # (RE2's words, what the user is told)
    ("invalid perl operator: (?=", "lookahead (?=…) is not supported"),
    ("invalid perl operator: (?!", "lookahead (?!…) is not supported"),
    ("invalid perl operator: (?<=", "lookbehind (?<=…) is not supported"),
    ("invalid perl operator: (?<!", "lookbehind (?<!…) is not supported"),
    ("invalid escape sequence: \\1", "backreferences (\\1 … \\9) are not supported"),
    ("invalid named capture group", "named groups are spelt (?<name>…) or (?P<name>…)"),
    ("bad repetition operator: ++", "possessive repeats (a++) are not supported"),
    ("bad repetition operator: *+", "possessive repeats (a*+) are not supported"),
    ("bad repetition operator: ?+", "possessive repeats (a?+) are not supported"),
    ("invalid repetition size", "a repeat count is at most 1000 (a{1,1000})"),
    ("pattern too large", "the pattern is too large (nested repeat counts multiply)"),
)
DIALECT = "the filter's regular expressions are RE2's: linear time, no backreferences, no lookaround"


class RegexError(StoreError):
    """A pattern that cannot be used, in one line."""


@dataclass(frozen=True)
class Pattern:
    """A compiled filter pattern: `row` searches one text (str or UTF-8 bytes)."""

    text: str
    row: object
    re2_text: str = ""  # the pattern in RE2's spelling
    # For texts that hold no line break, where ^ and $ can only be the text's ends: RE2 then
    # anchors its search there (`(a+)+$` reads a row's end, not all of it: 0.03 s, not 0.48).
    re2_one_line: str = ""
    case_sensitive: bool = True

    def search(self, text) -> bool:
        return self.row.search(text) is not None


def _options(case_sensitive: bool) -> re2.Options:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False  # RE2 would print each refused pattern on stderr
    return options


def _rewritten(pattern: str) -> str:
    for spelling, re2_spelling in _SPELLINGS:
        pattern = spelling.sub(re2_spelling, pattern)
    return pattern


def _refusal(pattern: str, exc: Exception) -> RegexError:
    """RE2 refused a pattern of valid syntax: say what it does not do."""
    words = exc.args[0] if exc.args else ""
    words = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
    said = next((told for re2_words, told in UNSUPPORTED if words.startswith(re2_words)), words)
    return RegexError(f"invalid regular expression {_quoted(pattern)}: {said} ({DIALECT})")


def _quoted(pattern: str) -> str:
    """The pattern as typed, in quotes: repr would show each backslash twice."""
    from store.pages.visible import visible

    return f"'{visible(pattern)}'"


# A few patterns only: each holds its DFA's states, up to RE2's 8 MB, once it has read much text.
@lru_cache(maxsize=8)
def compile_pattern(pattern: str, case_sensitive: bool) -> Pattern:
    """Raises RegexError for a pattern it cannot take: a syntax error with its position, or
    what RE2 does not do."""

    try:
        # The common syntax of Python's and JavaScript's regexes, read first: its errors name
        # their position in the pattern, and what RE2 reads in its own way (a{4294967296}
        # as plain text) is refused.
        regex.compile(pattern, regex.VERSION0)
    except (regex.error, OverflowError, RecursionError, ValueError) as syntax:
        # OverflowError: a repeat count like {4294967296}; RecursionError: deep nesting.
        raise RegexError(f"invalid regular expression {_quoted(pattern)}: {syntax}") from None
    one_line = _rewritten(pattern)
    rewritten = "(?m)" + one_line
    try:
        row = re2.compile(rewritten, _options(case_sensitive))
    except re2.error as exc:
        raise _refusal(pattern, exc) from None
    return Pattern(pattern, row, rewritten, case_sensitive=case_sensitive, re2_one_line=one_line)


def search(compiled: Pattern, text) -> bool:
    """Whether the pattern is found in the text."""
    return compiled.search(text)


@lru_cache(maxsize=8)
def _sql_pattern(pattern: str) -> Pattern:
    case_sensitive = not pattern.startswith("(?i)")
    return compile_pattern(pattern.removeprefix("(?i)"), case_sensitive)


def sqlite_regexp(pattern: str, value) -> bool:
    """SQLite's `value REGEXP pattern` (a user function: SQLite passes the pattern first,
    with "(?i)" in front when case does not matter, as PostgreSQL takes it)."""
    if value is None:
        return False
    return _sql_pattern(pattern).search(value)
