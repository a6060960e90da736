"""The peak resident memory of this process, for the benchmarks that report it."""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent through
    fork and exec, so a child of the benchmark run (after its import) reported the import's peak."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
