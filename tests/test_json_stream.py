"""metadata.json read study result by study result gives what decoding it whole gives."""

from __future__ import annotations

import json

import pytest

from store.errors import BadInput
from store.formats import json_stream
from store.formats.archive_read import metadata_studies, parse_metadata
from store.formats.json_stream import JsonWalker

import jatos_fixtures as fx


def _whole(doc) -> list:
    """The reference: the studies as json.loads sees them."""
    data = doc["data"] if isinstance(doc, dict) else doc
    return [(st["studyId"], st.get("studyTitle") or "", st["studyResults"]) for st in data]


def _streamed(raw: bytes) -> list:
    return [(st["id"], st["title"], list(st["results"])) for st in metadata_studies(raw, "m")]


def _variants():
    doc = fx.metadata_doc()
    yield doc
    yield doc["data"]  # a bare list of studies
    yield {"data": doc["data"], "apiVersion": "1.1.0"}  # the data first
    study = doc["data"][0]
    reordered = {"studyResults": study["studyResults"], **{k: v for k, v in study.items() if k != "studyResults"}}
    yield {"apiVersion": "1.1.0", "data": [reordered, study]}  # results before the study's own keys
    yield {"apiVersion": "1.1.0", "data": [{**study, "studyResults": []}, study]}
    yield {"apiVersion": "1.1.0", "data": []}


@pytest.mark.parametrize("indent", [None, 2])
def test_streamed_equals_whole(indent):
    for doc in _variants():
        raw = json.dumps(doc, indent=indent).encode()
        assert _streamed(raw) == _whole(doc)
        parsed = parse_metadata(raw, "m")  # and normalised, study result by study result
        assert [[sr["id"] for sr in st["results"]] for st in parsed] == [
            [sr["id"] for sr in srs] for _, _, srs in _whole(doc)
        ]


@pytest.mark.parametrize(
    "raw,needle",
    [
        (b'{"data": [{"studyId": 1, "studyUuid": "u", "studyTitle": "t", "studyResults": [{"id": 1} {"id": 2}]}]}', "not valid JSON"),
        (b'{"data": []} trailing', "not valid JSON"),
        (b'{"data": [], }', "not valid JSON"),
        (b'{"error": "no access"}', "a JATOS error response"),
        (b'{"data": 7}', "not JATOS results metadata"),
        (b"7", "not JATOS results metadata"),
        (b'{"data": [7]}', "not an object"),
        (b'{"data": [{"studyId": 1}]}', "studyResults is missing"),
        (b'\xff{"data": []}', "not valid JSON"),
    ],
)
def test_bad_metadata_is_named(raw, needle):
    with pytest.raises(BadInput, match=needle):
        _streamed(raw)


def _pieces(raw: bytes, size: int):
    return (raw[i : i + size] for i in range(0, len(raw), size))


@pytest.mark.parametrize("size", [1, 3, 64])
def test_in_pieces_equals_whole(monkeypatch, size):
    """An archive's metadata.json as it inflates: pieces cut through numbers, strings and
    UTF-8 characters, and a window of a few characters, give what the whole text gives."""
    monkeypatch.setattr(json_stream, "PIECE", 5)
    for doc in _variants():
        doc = json.loads(json.dumps(doc).replace("Stroop", "Strööp 😀"))
        raw = b"\xef\xbb\xbf" + json.dumps(doc, indent=1, ensure_ascii=False).encode()
        pieces = [(st["id"], st["title"], list(st["results"])) for st in metadata_studies(_pieces(raw, size), "m")]
        assert pieces == _streamed(raw) == _whole(doc)



@pytest.mark.parametrize("window", range(1, 9))
def test_a_number_cut_by_the_window_is_read_whole(monkeypatch, window):
    monkeypatch.setattr(json_stream, "PIECE", window)
    for size in range(1, 9):
        walker = JsonWalker.of_pieces(_pieces(b'{"a": 12345678, "b": -1.5e10, "c": [7]}', size))
        assert {key: walker.value() for key in walker.members()} == {"a": 12345678, "b": -1.5e10, "c": [7]}
        walker.end()


@pytest.mark.parametrize("size", [2, 64])
def test_in_pieces_errors_name_their_place_in_the_whole_text(monkeypatch, size):
    monkeypatch.setattr(json_stream, "PIECE", 4)
    raw = b'{"data": [{"studyId": 1, "studyUuid": "u", "studyTitle": "t",\n "studyResults": [{"id": 1},\n  {"id": 2} {"id": 3}]}]}'
    with pytest.raises(BadInput) as whole:
        _streamed(raw)
    with pytest.raises(BadInput) as pieces:
        list(list(st["results"]) for st in metadata_studies(_pieces(raw, size), "m"))
    assert "line 3 column 13 (char 103)" in str(whole.value)
    assert str(pieces.value) == str(whole.value)
    with pytest.raises(BadInput, match="not valid JSON"):
        list(metadata_studies(_pieces(b'{"data": [\xff]}', size), "m"))
