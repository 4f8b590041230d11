"""Peak memory of the default sweep (``--quick``: of the quick main workload).

Sampled during the cold main sweep (see ``common.MemorySampler`` for why a
sampled sum over the process tree, and what RSS and PSS each count).
Target: < 2 GiB, held against the PSS sum; the RSS sum (an upper bound that
counts shared library pages once per process) is printed beside it.
"""

from __future__ import annotations

from common import GIB, Figure

NAME = "memory"


def run(ws) -> list[Figure]:
    cold = ws.cold_main()
    memory = cold["memory"]
    what = "the quick main workload (not the default sweep)" if ws.quick else "the default sweep"
    print(f"  peak memory of {what}: PSS sum {memory.peak_pss / GIB:.2f} GiB, RSS sum "
          f"{memory.peak_rss / GIB:.2f} GiB over up to {memory.peak_processes} processes "
          f"({memory.samples} samples, sampler CPU {memory.cpu:.1f} s); largest single process "
          f"{memory.max_single_rss / GIB:.2f} GiB",
          flush=True)
    return [Figure(
        NAME, f"peak memory (PSS summed over the process tree) of {what}, 2 workers",
        memory.peak_pss, None, "bytes", "< 2 GiB", load=cold["meter"].load,
        note=(f"RSS sum {memory.peak_rss / GIB:.2f} GiB; largest process "
              f"{memory.max_single_rss / GIB:.2f} GiB; {memory.peak_processes} processes"),
    )]
