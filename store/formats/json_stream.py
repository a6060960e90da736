"""Walking a big JSON text member by member, each value decoded by the json module's C
scanner as it is reached.

A results archive's metadata.json holds every study result: 140 MB for 100,000 of
them, a gigabyte of Python objects when decoded at once. Walked with this, only the
text and the study result at hand are held, and the garbage collector has no gigabyte
of live objects to go through while the import runs.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class JsonWalker:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        self.pos = _WS.match(self.text, self.pos).end()
        return self.text[self.pos : self.pos + 1]

    def _error(self, what: str) -> json.JSONDecodeError:
        return json.JSONDecodeError(what, self.text, self.pos)

    def _expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self._error(f"Expecting '{ch}'")
        self.pos += 1

    def value(self) -> Any:
        """The value here, decoded whole. Hostile text fails as bad JSON, never otherwise:
        nesting deeper than the interpreter's recursion limit, or an integer longer than
        Python converts (4,300 digits), which json reports as a plain ValueError."""
        self.peek()
        try:
            value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        except json.JSONDecodeError:
            raise
        except RecursionError:
            raise self._error("nested too deeply") from None
        except ValueError as exc:
            raise self._error(f"a number too long ({str(exc).split(':')[0]})") from None
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
