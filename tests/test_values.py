import pytest

from store.jatos_values import duration_pretty, human_size, parse_id_list, study_duration_display


@pytest.mark.parametrize(
    "size,text",
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1536, "1.5 kB"), (48213, "48.2 kB"), (1234567, "1.2 MB"),
     (5_000_000, "5.0 MB"), (8250, "8.3 kB"), (999_949, "999.9 kB"), (999_950, "1.0 MB")],
)
def test_human_size_as_java_prints_it(size, text):
    assert human_size(size) == text


def test_durations():
    assert duration_pretty(0, 659_000) == "00:10:59"
    assert duration_pretty(0, 90_061_000) == "1:01:01:01"
    assert duration_pretty(0, None) is None
    assert study_duration_display(0, None, 185_000) == "00:03:05 (not finished yet)"
    assert study_duration_display(0, None, None) == "none"


def test_id_lists():
    assert parse_id_list("1-3, 12,15") == [1, 2, 3, 12, 15]
    with pytest.raises(ValueError):
        parse_id_list("3-1")
