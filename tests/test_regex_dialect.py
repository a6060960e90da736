"""The filter's regex dialect as the README documents it (section "Regular expressions"):
RE2's syntax, JavaScript's and Python's common spellings, and one clear line for what it
does not do (store/search/regex_engine.py)."""

from __future__ import annotations

import pytest

from store import Selection, StoreError
from store.search.regex_engine import compile_pattern

from conftest import run_cli


def finds(pattern: str, text: str, case_sensitive: bool = True) -> bool:
    return compile_pattern(pattern, case_sensitive).search(text)


@pytest.mark.parametrize("pattern, text, found", [
    (r'"rt":\d{3}\b', '{"rt":745,"x":1}', True),
    (r"\w+@\w+\.org", "mail ada@lovelace.org", True),
    (r"(?:red|green)-(?<n>\d)", "green-7", True),  # JavaScript's named group
    (r"(?P<n>\d)x", "7x", True),  # Python's
    (r"caf\u00e9", "un café", True),  # JavaScript's and Python's \u
    (r"\x41", "A", True),
    (r"end\Z", "the end", True),  # Python's end of text
    (r"end\z", "the end", True),
    (r"^\[", "[1,2]", True),
    (r"a.*?b", "axxb", True),
    (r"[[:digit:]]{2}", "a12", True),
    (r"\p{Greek}", "alpha α", True),
    (r"\d", "٣", False),  # \d, \w, \b are ASCII, as in JavaScript
    (r"\bé", " é", False),
])
def test_what_is_accepted(pattern, text, found):
    assert finds(pattern, text) is found


@pytest.mark.parametrize("pattern, said", [
    (r"a(?=b)", "lookahead (?=…) is not supported"),
    (r"a(?!b)", "lookahead (?!…) is not supported"),
    (r"(?<=a)b", "lookbehind (?<=…) is not supported"),
    (r"(?<!a)b", "lookbehind (?<!…) is not supported"),
    (r"(a)\1", r"backreferences (\1 … \9) are not supported"),
    (r"a++", "possessive repeats (a++) are not supported"),
    (r"a{1001}", "a repeat count is at most 1000 (a{1,1000})"),
])
def test_what_is_refused_says_what_and_why_in_one_line(pattern, said):
    with pytest.raises(StoreError) as caught:
        compile_pattern(pattern, False)
    message = str(caught.value)
    assert message == (
        f"invalid regular expression '{pattern}': {said} "
        "(the filter's regular expressions are RE2's: linear time, no backreferences, no lookaround)"
    )


def test_a_syntax_error_names_its_position():
    with pytest.raises(StoreError, match=r"^invalid regular expression '\(\[': unterminated character set at position 2$"):
        compile_pattern("([", True)
    # RE2 would read these as plain text, or in its own way: refused as JavaScript and Python do.
    with pytest.raises(StoreError, match=r"^invalid regular expression 'a\{4294967296\}': "):
        compile_pattern("a{4294967296}", True)
    with pytest.raises(StoreError) as caught:
        compile_pattern(r"\x{e9}", True)
    # As typed: one backslash, not repr's two.
    assert str(caught.value) == "invalid regular expression '\\x{e9}': incomplete escape \\x at position 2"


@pytest.mark.parametrize("pattern, text, found", [
    ("STRAßE", "Hauptstraße", True),  # character by character, as JavaScript's /i
    ("STRASSE", "Hauptstraße", False),
    ("ÖN", "Schöne", True),
    ("schöne", "SCHÖNE", True),
    ("k", "\u212a", True),  # the Kelvin sign folds to k
])
def test_aa_off_folds_case_also_beyond_ascii(pattern, text, found):
    assert finds(pattern, text, case_sensitive=False) is found
    assert finds(pattern, text, case_sensitive=True) is (pattern in text)


def test_anchors_are_a_cells_or_a_data_lines_start_and_end(scenario):
    # 302's data is '[{"trial":2,…}]', 301's '{"trial":1,…}'; a row's text holds a cell on each
    # line, starting with the (hidden) quota flag.
    def ids(pattern: str, level: str = "component") -> list[int]:
        if level == "study":
            return Selection(study_result_ids=[101, 102], filter=pattern, regex=True).row_ids()
        return Selection(component_result_ids=[301, 302, 303], filter=pattern, regex=True).row_ids()

    assert ids(r"^\[") == ids(r"\A\[") == ids(r"\[\{") == [302]
    assert ids(r"\]$") == ids(r"\]\z") == ids(r"\]\Z") == [302]
    assert ids(r'^\{"trial') == [301]
    assert ids(r"\}$") == [301] and ids(r"1\}\z") == [301]
    # A cell: its id, not a longer number holding it; the whole text starts elsewhere.
    assert ids(r"^30[12]$") == [301, 302] and ids(r"^303$") == [303]
    assert ids(r"\A303") == [] and ids(r"(?-m)^303$") == []
    assert ids(r"^101$", "study") == [101]
    # FINISHED as a state, not the duration's "(not finished yet)" (Aa off).
    assert ids(r"^finished$", "study") == [101] and ids("finished", "study") == [101, 102]
    # `.` stays in its cell; (?s) lets it go on.
    assert ids(r"Personal.Single") == [301, 302]
    assert ids(r"FINISHED.+B") == [] and ids(r"(?s)FINISHED.+B") == [301, 302]


def test_a_quoted_phrase_stays_in_one_cell(scenario):
    def ids(text: str) -> list[int]:
        return Selection(component_result_ids=[301, 302, 303], filter=text).row_ids()

    assert ids('"Personal Single"') == [301, 302]
    assert ids('"FINISHED 27"') == []  # two cells, as on JATOS's page


def test_the_command_line_refuses_with_one_line(scenario, tmp_path):
    r = run_cli("export", "data", "--regex", "--filter", "(?<=x)y", "-o", str(tmp_path / "x.txt"))
    assert r.returncode == 2 and not (tmp_path / "x.txt").exists()
    assert r.stderr.splitlines() == [
        "jatos-results: invalid regular expression '(?<=x)y': lookbehind (?<=…) is not supported "
        "(the filter's regular expressions are RE2's: linear time, no backreferences, no lookaround)"
    ]
