"""One component result's data as trial rows: the format detected, the text checked
whole, then the rows yielded one by one.

A component result gives either rows or a reason, never part of its rows: the text is
checked to its end before the first row is yielded, so a run that died halfway through
its array is left out with "truncated JSON at byte N", not exported as if complete.
Data up to `KEEP_DECODED` characters is decoded once and its trials kept for the rows;
larger data is walked twice (the check, then the rows), so memory holds one trial at a
time rather than a whole array.

Detection, by the first character that is not white space (a UTF-8 BOM is dropped):
- `[` or `{`: JSON. The text is a sequence of JSON values, because JATOS appends
  (`jatos.appendResultData`) without separators: `{…}{…}`, one object a line, `[…][…]`.
  Each array gives one row per element (every element must be an object); each object
  gives one row, unless it is an envelope (below); `{}` and `[]` give none. OSWeb's
  incremental log (`[{…},\n{…},\n]`) ends with a comma before `]`: accepted, though
  not JSON. An array never closed (OSWeb's lone `[`) is truncated.
- An envelope is an object whose `data` is a non-empty array of objects, or an empty
  one beside `context` (OSWeb's `{"data":[…],"context":{…}}`): one row per element of
  `data`, each carrying the envelope's other members (`context.browser.name`, …) after
  its own columns. An envelope with no trials gives none (a reason).
- Otherwise CSV (jsPsych's `.csv()`, PsychoJS, OpenSesame's logger): the first line is
  the header and must hold at least two fields, split at `,`, else tab, else `;`. Every
  row must have as many fields as the header (a short last row is how truncated CSV
  looks); blank lines are skipped. Cells stay text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import orjson
import re2

from store.formats.trials.flatten import flatten, with_context

KEEP_DECODED = 1 << 20

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_DELIMITERS = (",", "\t", ";")
# orjson reads JSON as json does, faster, but an integer beyond 64 bits as a float: text
# with a run of 19 digits goes to json (RE2 finds one without the interpreter lock).
_LONG_NUMBER = re2.compile("[0-9]{19}")


@dataclass(frozen=True)
class Trials:
    """What one component result's data gives: rows (iterate; each pass parses again
    unless the data was small), or `reason` saying why it gives none."""

    shape: str  # "json array", "json object", "json documents", "json log", "csv", or "" when unreadable
    framework: str  # a guess from the first row's columns: "jspsych", "labjs", "osweb", "psychojs" or ""
    reason: str | None
    count: int = 0  # rows, known from the check
    _rows: Callable[[], Iterator[dict[str, Any]]] = field(default=lambda: iter(()), repr=False)
    # The JSON text holds no "True", "False" or \u escape: no text of its rows spells either,
    # so a writer may let Python spell the booleans and lower their case in its output.
    plain: bool = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._rows() if self.reason is None else iter(())


class _Unreadable(Exception):
    pass


def read_trials(data: bytes | str | None) -> Trials:
    """The trials in one component result's data, as stored (NULL, empty, any text)."""
    if data is None:
        return Trials("", "", "no data (NULL)")
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            return Trials("", "", f"not UTF-8 text at byte {exc.start}")
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    start = _WS.match(text).end()
    if start == len(text):
        return Trials("", "", "empty" if not text else "only white space")
    try:
        if text[start] == "]":
            return Trials("", "", "not JSON or CSV (it starts with a stray ']')")
        if text[start] in "[{":
            return _json_trials(text, start)
        return _csv_trials(text)
    except _Unreadable as exc:
        return Trials("", "", str(exc))


# -- JSON ----------------------------------------------------------------------------------------


def _byte_at(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogatepass"))


def _truncated(text: str, why: str = "") -> _Unreadable:
    return _Unreadable(f"truncated JSON at byte {_byte_at(text, len(text))}{why}")


def _decode(text: str, pos: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        # An error at the very end, or a string still open there, is data cut short.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise _truncated(text) from None
        raise _Unreadable(f"invalid JSON at byte {_byte_at(text, exc.pos)}: {exc.msg}") from None
    except RecursionError:
        raise _Unreadable(f"invalid JSON at byte {_byte_at(text, pos)}: nested too deeply") from None
    except ValueError as exc:  # an integer longer than Python converts
        raise _Unreadable(f"invalid JSON at byte {_byte_at(text, pos)}: {str(exc).split(':')[0]}") from None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true or false"}.get(
        type(value), "null" if value is None else "a number"
    )


def _walk(text: str, start: int, shape: list[str]) -> Iterator[tuple[dict, dict | None]]:
    """(trial object, envelope context or None) for every trial in the text; raises
    _Unreadable at the first fault. `shape` gets the kinds of the top-level values."""
    ws = _WS.match
    n = len(text)
    pos = start
    while pos < n:
        ch = text[pos]
        if ch == "[":
            shape.append("array")
            pos = ws(text, pos + 1).end()
            index = 0
            while True:
                if pos >= n:
                    raise _truncated(text, " (an array is never closed)")
                if text[pos] == "]":
                    if index:
                        shape.append("trailing comma")
                    pos += 1
                    break
                value, pos = _decode(text, pos)
                if type(value) is not dict:
                    raise _Unreadable(f"a JSON array of non-objects: element {index} is {_kind(value)}")
                yield value, None
                index += 1
                pos = ws(text, pos).end()
                if pos >= n:
                    raise _truncated(text, " (an array is never closed)")
                if text[pos] == ",":
                    pos = ws(text, pos + 1).end()
                elif text[pos] == "]":
                    pos += 1
                    break
                else:
                    raise _Unreadable(f"invalid JSON at byte {_byte_at(text, pos)}: expecting ',' or ']'")
        elif ch == "{":
            shape.append("object")
            value, pos = _decode(text, pos)
            yield from _object_trials(value)
        else:
            what = "a stray ']'" if ch == "]" else "text"
            if ch != "]":
                try:
                    what = _kind(_decode(text, pos)[0])
                except _Unreadable:
                    pass
            raise _Unreadable(f"invalid JSON at byte {_byte_at(text, pos)}: {what} where trials should be")
        pos = ws(text, pos).end()


def _object_trials(value: dict) -> Iterator[tuple[dict, dict | None]]:
    inner = value.get("data")
    if type(inner) is list and (inner or "context" in value) and all(type(t) is dict for t in inner):
        context = flatten({k: v for k, v in value.items() if k != "data"})
        for trial in inner:
            yield trial, context
    elif value:
        yield value, None


def _loads(text: str) -> Any:
    """json.loads' answer, or its error, in orjson's time where orjson's reading is the same."""
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # NaN, Infinity, 1e400, a lone surrogate, deep nesting: json's own answer or error
    return json.loads(text)


def _whole(text: str) -> Trials | None:
    """The common case at C speed: the text is one JSON array of objects, or one object.
    None for anything else, which _walk reads (and names the fault of)."""
    try:
        value = _loads(text)
    except (ValueError, RecursionError):
        return None
    plain = "True" not in text and "False" not in text and "\\u" not in text
    if type(value) is list:
        if not value or not all(type(t) is dict for t in value):
            return None
        # No brace or bracket but each trial's own: nothing nested (one inside a string only
        # makes this look nested, and then flatten finds nothing to do).
        flat = text.count("{") == len(value) and text.count("[") == 1
        rows = (lambda: iter(value)) if flat else (lambda: map(flatten, value))
        return Trials("json array", guess_framework(value[0].keys()), None, len(value), rows, plain)
    if type(value) is not dict:
        return None
    kept = list(_object_trials(value))
    if not kept:
        return None
    first = kept[0]
    framework = guess_framework(first[0].keys(), envelope=first[1] is not None)
    rows = lambda: (with_context(flatten(t), c) for t, c in kept)  # noqa: E731
    return Trials("json object", framework, None, len(kept), rows, plain)


def _json_shape(kinds: list[str]) -> str:
    if "trailing comma" in kinds:
        return "json log"
    if len(kinds) > 1:
        return "json documents"
    return "json array" if kinds == ["array"] else "json object"


def _json_trials(text: str, start: int) -> Trials:
    keep = len(text) <= KEEP_DECODED
    if keep:
        whole = _whole(text)
        if whole is not None:
            return whole
    kinds: list[str] = []
    kept: list[tuple[dict, dict | None]] = []
    count = 0
    first = None
    for item in _walk(text, start, kinds):
        if first is None:
            first = item
        count += 1
        if keep:
            kept.append(item)
    shape = _json_shape(kinds)
    if not count:
        return Trials(shape, "", f"no trials (an empty {'array' if kinds[0] == 'array' else 'object or envelope'})")
    framework = guess_framework(first[0].keys(), envelope=first[1] is not None)
    if keep:
        rows = lambda: (with_context(flatten(t), c) for t, c in kept)
    else:
        rows = lambda: (with_context(flatten(t), c) for t, c in _walk(text, start, []))
    return Trials(shape, framework, None, count, rows)


# -- CSV -----------------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    line = text[: text.find("\n")] if "\n" in text else text
    delimiter = next((d for d in _DELIMITERS if d in line), None)
    if delimiter is None:
        raise _Unreadable("not JSON or CSV (the first line has no ',', tab or ';')")
    return delimiter


def _unique(names: list[str]) -> list[str]:
    """Blank names become `column_<n>` (1-based position), repeated ones `<name>_<n>`."""
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names, 1):
        name = name or f"column_{i}"
        if name in seen:
            name = f"{name}_{i}"
        seen.add(name)
        out.append(name)
    return out


def _csv_records(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            if record:
                yield record
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _Unreadable(f"truncated CSV at line {reader.line_num} (a quoted cell is never closed)") from None
        raise _Unreadable(f"invalid CSV at line {reader.line_num}: {exc}") from None


def _csv_trials(text: str) -> Trials:
    delimiter = _delimiter(text)
    records = _csv_records(text, delimiter)
    header = next(records)
    if len(header) < 2:
        raise _Unreadable("not JSON or CSV (the header has one field)")
    names = _unique(header)
    width = len(names)
    keep = len(text) <= KEEP_DECODED
    kept = []
    count = 0
    for count, record in enumerate(records, 1):
        if len(record) != width:
            raise _Unreadable(f"ragged CSV: row {count} has {len(record)} fields, the header {width}")
        if keep:
            kept.append(record)
    if not count:
        return Trials("csv", "", "no trials (a CSV header without rows)")
    if keep:
        rows = lambda: (dict(zip(names, r)) for r in kept)
    else:

        def rows():
            source = _csv_records(text, delimiter)
            next(source)
            return (dict(zip(names, r)) for r in source)

    return Trials("csv", guess_framework(names), None, count, rows)


# -- frameworks ----------------------------------------------------------------------------------


def guess_framework(keys, envelope: bool = False) -> str:
    """Informational only (reasons, the health page): the columns each framework writes."""
    keys = set(keys)
    if envelope or {"opensesame_version", "count_trial_sequence"} & keys:
        return "osweb"
    if "trial_type" in keys and {"trial_index", "time_elapsed"} & keys:
        return "jspsych"
    if "sender" in keys and {"sender_type", "sender_id"} & keys:
        return "labjs"
    if "expName" in keys and {"psychopyVersion", "frameRate", "participant"} & keys:
        return "psychojs"
    return ""
