"""The entries of a source (data.txt and result files) and how they are read: `Entry`, and
`ZipEntries`, a results archive's entries held in columns.

An import holds every entry of an archive while it runs (a million at M): an entry is a
slotted object without closures of its own, and an archive's data.txt entries are three
numbers in arrays, made into an `Entry` when one is asked for.
"""

from __future__ import annotations

from array import array
from typing import Callable, Iterator

from store.formats.zip_reader import ZipReader


class Entry:
    """One data.txt or result file of a source. `read(limit)`: the content, at most `limit`
    bytes; `chunks(limit)`: the same in pieces.

    An import holds every entry of an archive (a million at M) while it runs: slots, and
    an archive's member is held as the zip reader and the member's index, no closures."""

    __slots__ = ("kind", "study_result_id", "component_result_id", "name", "size", "_label", "_reader", "_where")

    def __init__(self, kind: str, study_result_id: int | None, component_result_id: int, name: str, size: int,
                 read: Callable[[int], bytes] | None = None, chunks: Callable[[int], Iterator[bytes]] | None = None,
                 label: str = "", *, reader=None, where=None):
        self.kind = kind  # "data" or "file"
        self.study_result_id = study_result_id  # None: legacy component-page layout, resolved by the importer
        self.component_result_id = component_result_id
        self.name = name  # file name ("data.txt" for data)
        self.size = size
        self._label = label
        # What reads it: reader.read(where, limit) and reader.chunks(where, limit) (an
        # archive's member: the zip reader, and the member's index in it).
        self._reader, self._where = (reader, where) if reader is not None else (_Calls, (read, chunks))

    @property
    def label(self) -> str:
        """Its name in the source (an archive's member: read from the archive's directory)."""
        return self._label or self._reader.name(self._where)

    def read(self, limit: int) -> bytes:
        return self._reader.read(self._where, limit)

    def chunks(self, limit: int) -> Iterator[bytes]:
        return self._reader.chunks(self._where, limit)

    def __repr__(self) -> str:
        return f"Entry({self.kind!r}, {self.study_result_id}, {self.component_result_id}, {self.name!r}, {self.size})"


class _Calls:
    """The reader of an entry made with its own read and chunks functions."""

    @staticmethod
    def read(where, limit: int) -> bytes:
        return where[0](limit)

    @staticmethod
    def chunks(where, limit: int) -> Iterator[bytes]:
        return where[1](limit)

    @staticmethod
    def name(where) -> str:
        return ""


class ZipEntries:
    """An archive's entries: a data.txt as three numbers in columns (its member's index,
    study and component result), an Entry made when it is asked for; other entries (result
    files, few) as they are. A million entries hold ~25 bytes each, not an object of ~200."""

    def __init__(self, zf: ZipReader):
        self._zf = zf
        self._where = array("q")  # the member's index; -1: in _others
        self._sr = array("q")
        self._cr = array("q")
        self._others: dict[int, Entry] = {}
        self.total = 0  # bytes the entries declare

    def append(self, entry: Entry) -> None:
        self.total += entry.size
        if entry.kind == "data" and entry._reader is self._zf and entry.study_result_id is not None:
            self._where.append(entry._where)
            self._sr.append(entry.study_result_id)
            self._cr.append(entry.component_result_id)
            return
        self._others[len(self._where)] = entry
        self._where.append(-1)
        self._sr.append(0)
        self._cr.append(0)

    def __len__(self) -> int:
        return len(self._where)

    def __getitem__(self, n: int) -> Entry:
        i = self._where[n]
        if i < 0:
            return self._others[n]
        return Entry("data", self._sr[n], self._cr[n], "data.txt", self._zf.size(i), reader=self._zf, where=i)

    def __iter__(self) -> Iterator[Entry]:
        for n in range(len(self._where)):
            yield self[n]
