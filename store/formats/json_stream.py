"""Walking a big JSON text member by member, each value decoded by the json module's C
scanner as it is reached.

A results archive's metadata.json holds every study result: 140 MB for 100,000 of
them, a gigabyte of Python objects when decoded at once. Walked with this, only the
study result at hand is held, and a window of the text around it when the text comes in
pieces (`JsonWalker.of_pieces`: an archive's metadata.json as it inflates), so that an
import's memory does not grow with the archive.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any, Iterable, Iterator

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
PIECE = 1 << 20  # characters read at a time (more while one value does not fit)


class JsonWalker:
    def __init__(self, text: str, pieces: Iterator[str] | None = None):
        self.text = text
        self.pos = 0
        self._pieces = pieces  # the rest of the text, None once it is all in `text`
        self._dropped = 0  # characters of the text before `text` (walked past and let go)
        self._dropped_lines = 0
        self._dropped_tail = 0  # characters after the last newline dropped

    @classmethod
    def of_pieces(cls, chunks: Iterable[bytes]) -> JsonWalker:
        """A walker over UTF-8 (a byte order mark allowed) that comes in pieces: the text
        is decoded as it is reached. Bytes that are not UTF-8 raise UnicodeDecodeError."""
        decoder = codecs.getincrementaldecoder("utf-8-sig")()

        def texts() -> Iterator[str]:
            for chunk in chunks:
                text = decoder.decode(chunk)
                if text:
                    yield text
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail

        return cls("", texts())

    def _more(self, want: int | None = None) -> bool:
        """Read at least `want` more characters (fewer at the end); the text walked past is
        let go. False at the end of the text, which then stays as it was."""
        if self._pieces is None:
            return False
        parts, got, want = [], 0, want or PIECE
        while got < want:
            piece = next(self._pieces, None)
            if piece is None:
                self._pieces = None
                break
            parts.append(piece)
            got += len(piece)
        if not parts:
            return False
        gone = self.text[: self.pos]
        newlines = gone.count("\n")
        self._dropped_lines += newlines
        self._dropped_tail = len(gone) - gone.rfind("\n") - 1 if newlines else self._dropped_tail + len(gone)
        self._dropped += self.pos
        self.text = "".join([self.text[self.pos :], *parts])
        self.pos = 0
        return True

    def peek(self) -> str:
        while True:
            self.pos = _WS.match(self.text, self.pos).end()
            if self.pos < len(self.text) or not self._more():
                return self.text[self.pos : self.pos + 1]

    def _error(self, what: str, pos: int | None = None) -> json.JSONDecodeError:
        """An error at `pos` of the window, its line and column those of the whole text."""
        pos = self.pos if pos is None else pos
        exc = json.JSONDecodeError(what, self.text, pos)
        if exc.lineno == 1:
            exc.colno += self._dropped_tail
        exc.lineno += self._dropped_lines
        exc.pos += self._dropped
        exc.args = (f"{what}: line {exc.lineno} column {exc.colno} (char {exc.pos})",)
        return exc

    def _expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self._error(f"Expecting '{ch}'")
        self.pos += 1

    def value(self) -> Any:
        """The value here, decoded whole. Hostile text fails as bad JSON, never otherwise:
        nesting deeper than the interpreter's recursion limit, or an integer longer than
        Python converts (4,300 digits), which json reports as a plain ValueError."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # Perhaps only cut off by the end of the window: read as much again (a
                # value that does not fit is read in doubling windows, linear time).
                if self._more(max(PIECE, len(self.text) - self.pos)):
                    continue
                raise self._error(exc.msg, exc.pos) from None
            except RecursionError:
                raise self._error("nested too deeply") from None
            except ValueError as exc:
                raise self._error(f"a number too long ({str(exc).split(':')[0]})") from None
            # A number the window cuts ("12" of 123, "1.5" of 1.5e3) goes on in the next piece.
            if type(value) in (int, float) and _NUMBER_TAIL.match(self.text, end).end() == len(self.text):
                if self._more():
                    continue
            self.pos = end
            return value

    def members(self) -> Iterator[str]:
        """The keys of the object here; after each, the caller reads its value."""
        for _ in self._items("{", "}"):
            if self.peek() != '"':
                raise self._error("Expecting property name enclosed in double quotes")
            key = self.value()
            self._expect(":")
            yield key

    def elements(self) -> Iterator[None]:
        """Once for each element of the array here; the caller reads each."""
        yield from self._items("[", "]")

    def _items(self, opening: str, closing: str) -> Iterator[None]:
        self._expect(opening)
        if self.peek() == closing:
            self.pos += 1
            return
        while True:
            yield
            ch = self.peek()
            if ch not in (",", closing):
                raise self._error("Expecting ',' delimiter")
            self.pos += 1
            if ch == closing:
                return

    def whole(self) -> Any:
        """The text's one value, decoded whole (a small document)."""
        value = self.value()
        self.end()
        return value

    def end(self) -> None:
        if self.peek():
            raise self._error("Extra data")
