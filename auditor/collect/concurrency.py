"""Fan-out of independent read calls (tags per account, assignments per account, members per group)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_concurrently(work: Callable[[Item], Result], items: Iterable[Item], max_workers: int) -> list[Result]:
    """``[work(item) for item in items]`` on up to ``max_workers`` threads, results in the items' order.

    ``work`` must not raise: collectors report failures through the error sink, not exceptions (only
    ``ScanStopped``, which ends the phase).
    """
    pending = list(items)
    if max_workers <= 1 or len(pending) <= 1:
        return [work(item) for item in pending]
    pool = ThreadPoolExecutor(max_workers=max_workers)
    try:
        results = list(pool.map(work, pending))
    except BaseException:  # Ctrl-C: drop the queued items instead of running them all before stopping
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results
