"""The results filter, shared by the command line and the results pages (jatos.md §5 "Filter").

Plain mode is JATOS's (DataTables') smart search: whitespace-separated terms must all
match somewhere in the row, "quoted phrases" stay together, !term excludes. A row is its
columns as displayed (store/search_text.py) plus the result data of its component
results. Regex mode applies one Python regular expression.

The filter becomes one SQL condition, so the database does the work: with SQLite's
FTS5 trigram index (store/sqlite.py) a term of three or more characters is an index
lookup; shorter terms, and regexes without a literal of three characters, scan.
A results page gets the same answer in stages (store/page_search.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peewee import SQL, NodeList, fn

from store.db import sqlite
from store.db.models import ComponentResult, StudyResult
from store.errors import StoreError
from store.pages.visible import visible
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

    def compiled(self):
        try:
            return regex_engine.compile_pattern(self.text, self.case_sensitive)
        except (regex_engine.regex.error, OverflowError, RecursionError, ValueError) as exc:
            # OverflowError: a repeat count like {4294967296}; RecursionError: deep nesting.
            raise StoreError(f"invalid regular expression {visible(self.text)!r}: {exc}") from None

    def validate(self) -> None:
        if self.regex:
            self.compiled()

    @property
    def active(self) -> bool:
        return bool(self.text.strip())


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


# -- conditions ---------------------------------------------------------------------------------


def _is_sqlite() -> bool:
    return sqlite.is_sqlite(StudyResult._meta.database)


def _indexed() -> bool:
    return _is_sqlite() and sqlite.has_search_index(sqlite.unwrap(StudyResult._meta.database))


def in_index(field, table: str, text: str):
    """field IN (rows of the index holding every trigram of the text)."""
    return NodeList((field, SQL(f"IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)", [sqlite.fts_trigrams(text)])))


def contains(field, text: str, case_sensitive: bool, sqlite_db: bool):
    """field contains text, as the filter compares (case-folded unless case-sensitive)."""
    if case_sensitive:
        return fn.instr(field, text) > 0
    if not sqlite_db:
        return field.contains(text)  # ILIKE on PostgreSQL, case-insensitive collations on MySQL
    if text.isascii():
        # LIKE folds ASCII case as lower() does, without copying the text: twice as fast.
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return NodeList((field, SQL("LIKE ? ESCAPE '\\'", [f"%{escaped}%"])))
    return fn.folded_contains(field, text)


def _own(level: str):
    return StudyResult if level == "study" else ComponentResult


def _with_data(meta, data, inner, level: str):
    """Rows matching `meta`, or owning a component result (`inner`) whose data matches `data`."""
    key = inner.study_result if level == "study" else inner.id
    return meta | _own(level).id.in_(inner.select(key).where(data))


def _matching(meta, data, inner, level: str, key: str | None):
    """The rows whose displayed text matches `meta` or whose data matches `data`.
    `key` is text every match contains that the index can look up (None: no index)."""
    if key is None:
        return _with_data(meta, data, inner, level)
    if level == "study":
        meta = in_index(StudyResult.id, "meta_fts", key) & meta
    return _with_data(meta, in_index(inner.id, "data_fts", key) & data, inner, level)


def _term_condition(term: str, level: str, case_sensitive: bool, indexed: bool):
    """Rows (of this level) where the term is in the displayed columns or in the data."""
    use_index = indexed and len(term) >= 3
    sqlite_db = indexed or _is_sqlite()
    inner = ComponentResult.alias("inner_cr")
    meta = contains(_own(level).search_text, term, case_sensitive, sqlite_db)
    data = contains(inner.data, term, case_sensitive, sqlite_db)
    return _matching(meta, data, inner, level, term if use_index else None)


def _regex_condition(f: Filter, level: str, indexed: bool):
    pattern = ("" if f.case_sensitive else "(?i)") + f.text
    literal = required_literal(f.text) if indexed else None
    inner = ComponentResult.alias("inner_cr")
    meta = _own(level).search_text.regexp(pattern)
    data = inner.data.regexp(pattern)
    return _matching(meta, data, inner, level, literal)


def condition(f: Filter, level: str):
    """The filter as one condition on a query of this level's rows (None: no filter).
    A results page reaches the same answer in stages (store/page_search.py)."""
    if not f.active:
        return None
    indexed = _indexed()
    if f.regex:
        f.validate()
        return _regex_condition(f, level, indexed)
    conds = []
    for term in parse_smart(f.text):
        c = _term_condition(term.text, level, f.case_sensitive, indexed)
        conds.append(NodeList((~c if term.negated else c,), parens=True))
    if not conds:
        return None
    # One flat "a AND b AND c": nested pairs would overflow SQLite's parser at ~100 terms.
    return NodeList(conds, glue=" AND ", parens=True)
