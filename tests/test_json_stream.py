"""metadata.json read study result by study result gives what decoding it whole gives."""

from __future__ import annotations

import json

import pytest

from store.errors import BadInput
from store.formats.archive_read import metadata_studies, parse_metadata

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
