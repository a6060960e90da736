import pytest

from store.formats.jatos_values import duration_pretty, human_size, parse_id_list, study_duration_display


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


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "Africa/Monrovia"]
)
def test_fast_time_formatting_agrees_with_datetime(zone, monkeypatch):
    """Times are formatted by quarter hours and days (for speed); datetime is the reference,
    across zones with half and three-quarter hour offsets, DST changes and old dates."""
    import datetime as dt
    import random
    import time

    from store.formats import jatos_values as jv

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    jv._local_quarter.cache_clear()
    try:
        rng = random.Random(zone)
        moments = [rng.randint(-2_500_000_000_000, 4_000_000_000_000) for _ in range(3000)]
        # around DST changes of 2024 in both hemispheres, minute by minute
        for start in (1711846800000, 1729990800000, 1712448000000, 1728144000000):
            moments += [start + k * 60_000 + 999 for k in range(-200, 200)]
        moments += [0, -1, -1500, 999, 1000]
        for ms in moments:
            local = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).astimezone()
            assert jv.local_time(ms) == local.isoformat(timespec="seconds"), ms
            assert jv.local_short(ms) == dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S"), ms
            utc = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
            assert jv.utc_iso(ms) == utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z", ms
    finally:
        monkeypatch.undo()
        time.tzset()
        jv._local_quarter.cache_clear()


def test_durations_agree_with_javas_long_arithmetic():
    """JsonUtils.getDurationPretty with Java's truncating division, for random spans."""
    import random

    def java_div(a, b):
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b > 0) else -q

    def reference(ms):
        s = java_div(ms, 1000) - 60 * java_div(java_div(ms, 1000), 60)
        m = java_div(ms, 60_000) - 60 * java_div(java_div(ms, 60_000), 60)
        h = java_div(ms, 3_600_000) - 24 * java_div(java_div(ms, 3_600_000), 24)
        d = java_div(ms, 86_400_000)
        text = f"{h:02d}:{m:02d}:{s:02d}"
        return text if d == 0 else f"{d}:{text}"

    rng = random.Random(7)
    for _ in range(20_000):
        start = rng.randint(0, 2 * 10**12)
        span = rng.choice([rng.randint(0, 10**5), rng.randint(0, 10**9), rng.randint(0, 10**11), rng.randint(-10**9, 0)])
        assert duration_pretty(start, start + span) == reference(span), span
