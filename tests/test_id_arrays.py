"""Set operations on id arrays in Arrow (store/db/id_arrays.py) answer as Python's sets do."""

from __future__ import annotations

import random
from array import array

import pytest

from store.db.id_arrays import not_among


@pytest.mark.parametrize("as_array", [True, False])
def test_not_among_keeps_the_scope_ids_not_listed_in_scope_order(as_array):
    rng = random.Random(7)
    scope = rng.sample(range(1, 200_000), 50_000)  # not sorted: its order is kept
    ids = rng.sample(range(1, 200_000), 60_000)
    wrap = (lambda xs: array("q", xs)) if as_array else list
    listed = set(ids)
    assert not_among(wrap(scope), wrap(ids)).tolist() == [i for i in scope if i not in listed]
    assert not_among(wrap(scope), wrap([])).tolist() == scope
    assert not_among(wrap(scope), wrap(scope)).tolist() == []
    assert not_among(wrap([]), wrap(ids)).tolist() == []


def test_a_slice_of_an_array_is_its_own_ids():
    scope = array("q", range(100))
    assert not_among(scope[10:20], array("q", [12, 15])).tolist() == [10, 11, 13, 14, 16, 17, 18, 19]
