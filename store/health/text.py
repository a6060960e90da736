"""A health report as the command line prints it (text, or JSON with stable keys) and as
the health page shows its parts: one rendering of each part for both."""

from __future__ import annotations

from store.formats.jatos_values import duration_pretty, format_id_list
from store.health.durations import Durations
from store.health.flags import Flag
from store.health.report import Health

BAR = 40  # characters of the longest bar
EIGHTHS = " ▏▎▍▌▋▊▉"
SHOWN_RANGES = 40  # a flag's ids in the text: the first ranges (the JSON has them all)


def hms(seconds: float | None) -> str:
    """A duration as JATOS shows durations: [D:]HH:MM:SS; "—" where there is none."""
    return "—" if seconds is None else duration_pretty(0, int(round(seconds * 1000)))


def bar(n: int, most: int, width: int = BAR) -> str:
    """A bar of n against the most, in eighths of a character."""
    eighths = round(n / most * width * 8) if most else 0
    if n and not eighths:
        eighths = 1  # a bin with runs shows something
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def scope_line(h: Health) -> str:
    where = f"{h.runs} study results" + (f" ({h.narrowed})" if h.narrowed else "")
    return f"Study health: {h.title} (study {h.study}), {where}"


def states_line(counts: dict[str, int]) -> str:
    shown = [f"{state} {n}" for state, n in counts.items() if n]
    return " · ".join(shown) if shown else "none"


def funnel_lines(h: Health) -> list[str]:
    width = max([len(f"{c.title} ({c.id})") for c in h.funnel] + [20])
    lines = [f"{'component':<{width}}  {'reached':>8}  {'finished':>8}  {'with data':>9}"]
    for c in h.funnel:
        lines.append(f"{c.title + f' ({c.id})':<{width}}  {c.reached:>8}  {c.finished:>8}  {c.with_data:>9}")
    return lines


def ids_text(ids: tuple[int, ...], shown: int = SHOWN_RANGES) -> str:
    """A flag's ids as --ids takes them; a long list cut after its first ranges."""
    ranges = format_id_list(ids).split(", ")
    if len(ranges) <= shown:
        return ", ".join(ranges)
    return ", ".join(ranges[:shown]) + f", … ({len(ids)} in all; --json lists them all)"


def flag_line(f: Flag) -> str:
    return f"{f.title} ({len(f.ids)}): {f.explanation}"


def duration_lines(d: Durations) -> list[str]:
    if not d.runs:
        return ["No finished runs with a start and an end time."]
    if d.sd is None:
        cutoff = "— (one run)"
    else:
        cutoff = hms(d.cutoff) if d.cutoff > 0 else "none (the mean is within 3 SD of 0)"
    return [
        f"{d.runs} finished runs: mean {hms(d.mean)}, SD {hms(d.sd)}, median {hms(d.median)}, "
        f"shortest {hms(d.shortest)}, longest {hms(d.longest)}",
        f"Exceptionally fast (mean − 3 SD): under {cutoff}",
    ]


def histogram_lines(d: Durations, width: int = BAR) -> list[str]:
    """One line a bin: its range, its bar, its runs (and how many are exceptionally fast)."""
    most = max((b.runs for b in d.bins), default=0)
    lines = []
    for b in d.bins:
        fast = f"  ({b.fast} fast)" if b.fast else ""
        lines.append(f"{hms(b.low)} – {hms(b.high)} │{bar(b.runs, most, width):<{width}}│ {b.runs}{fast}")
    return lines


def report_lines(h: Health) -> list[str]:
    """The whole report, as `jatos-results health` prints it."""
    lines = [scope_line(h), "", f"Study results by state: {states_line(h.study_states)}",
             f"Component results by state: {states_line(h.component_states)}", "", "Completion funnel (runs)"]
    lines += ["  " + line for line in funnel_lines(h)]
    lines += ["", "Flagged runs"]
    for f in h.flags:
        lines.append("  " + flag_line(f))
        if f.ids:
            lines.append("    ids: " + ids_text(f.ids))
    lines += ["", "Durations (log scale)", *["  " + line for line in duration_lines(h.durations)]]
    lines += ["  " + line for line in histogram_lines(h.durations)]
    return lines


def as_json(h: Health) -> dict:
    """The report as JSON: every key always present (counts of 0, empty lists, null)."""
    d = h.durations
    return {
        "study": {"id": h.study, "title": h.title},
        "scope": {"narrowed": h.narrowed, "study_results": h.runs, "exclude_test_runs": h.test_runs_left_out},
        "options": {"tiny_data_bytes": h.options.tiny_bytes, "stuck_after_hours": h.options.stuck_hours, "now": h.options.now_ms},
        "study_states": h.study_states,
        "component_states": h.component_states,
        "funnel": [
            {"component_id": c.id, "title": c.title, "position": c.position,
             "reached": c.reached, "finished": c.finished, "with_data": c.with_data, "states": c.states}
            for c in h.funnel
        ],
        "flags": [
            {"key": f.key, "title": f.title, "explanation": f.explanation, "count": len(f.ids), "study_result_ids": list(f.ids)}
            for f in h.flags
        ],
        "durations": {
            "finished_runs": d.runs, "scale": "log", "mean_seconds": d.mean, "sd_seconds": d.sd,
            "median_seconds": d.median, "shortest_seconds": d.shortest, "longest_seconds": d.longest,
            "fast_cutoff_seconds": d.cutoff,
            "bins": [{"from_seconds": b.low, "to_seconds": b.high, "runs": b.runs, "fast": b.fast} for b in d.bins],
        },
    }
