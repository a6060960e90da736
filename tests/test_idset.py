"""The import's set of ids held as runs means what a plain set means, in any order."""

from __future__ import annotations

import random

from store.formats.idset import IdSet


def test_idset_is_a_set():
    rng = random.Random(15)
    for trial in range(400):
        ids = [rng.randint(1, 60) for _ in range(rng.randint(0, 80))]
        if trial % 2:
            ids.sort()  # as an archive lists them: runs
        got, ref = IdSet(), set()
        for i in ids:
            got.add(i)
            ref.add(i)
            assert len(got) == len(ref)
        assert sorted(got) == sorted(ref) and bool(got) == bool(ref)
        assert [j for j in range(70) if j in got] == sorted(ref)


def test_ascending_ids_are_held_as_runs():
    ids = IdSet(range(1_000_000, 1_100_000))
    ids.update([5, 3, 1_100_000, 1_200_000])
    assert len(ids._lo) == 2 and ids._rest == {3, 5}
    assert len(ids) == 100_004 and 1_099_999 in ids and 1_100_001 not in ids
