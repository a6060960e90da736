"""One timing of the trials table (store/formats/trials) on ~50 MB of synthetic jsPsych
data: half as 1 KB component results (the S set's shape), half as ~50 KB ones.

    .venv/bin/python tests/bench/trials_speed.py [MB]

Prints MB/s of result data read and written as CSV (learning the columns, spooled),
rows, and the peak RSS. The issue's target: >= 20 MB/s, flat memory.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from memory import peak_rss_mb

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from store.formats.trials import write_trials_csv  # noqa: E402


def _component(rng: random.Random, size: int) -> str:
    trials, length = [], 2
    while length < size:
        t = {
            "rt": rng.randint(250, 1999),
            "stimulus": f"<p style='color:{rng.choice(['red', 'green'])}'>{rng.choice(['RED', 'GREEN', 'BLUE'])}</p>",
            "response": rng.choice("rgby") if rng.random() < 0.9 else {"Q0": "a", "Q1": rng.randint(1, 7)},
            "trial_type": "html-keyboard-response",
            "trial_index": len(trials),
            "time_elapsed": 1000 * len(trials) + rng.randint(0, 999),
            "internal_node_id": f"0.0-{len(trials)}.0",
            "correct": rng.random() < 0.8,
        }
        if rng.random() < 0.05:
            t["view_history"] = [{"page_index": 0, "viewing_time": rng.randint(100, 9000)}]
        trials.append(t)
        length += len(json.dumps(t)) + 1
    return json.dumps(trials, separators=(",", ":"))


def main(mb: float = 50.0) -> None:
    rng = random.Random(14)
    datas, total = [], 0
    while total < mb * 1e6:
        data = _component(rng, 1_000 if total < mb * 5e5 else 50_000)
        datas.append(data)
        total += len(data.encode())
    results = [({"result_id": i, "component_result_id": i, "state": "FINISHED"}, d) for i, d in enumerate(datas)]
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "trials.csv", "wb") as out:
        start = time.perf_counter()
        summary = write_trials_csv(out, results, spool_dir=tmp)
        seconds = time.perf_counter() - start
        size = out.tell()
    peak = peak_rss_mb()
    print(
        f"{total / 1e6:.1f} MB of data in {len(datas)} component results -> {summary.rows} rows, "
        f"{len(summary.columns)} columns, {size / 1e6:.1f} MB of CSV in {seconds:.2f} s: "
        f"{total / 1e6 / seconds:.1f} MB/s; peak RSS {peak:.0f} MB (the input itself is held: {total / 1e6:.0f} MB)"
    )


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]))
