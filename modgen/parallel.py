"""Running many independent jobs on all cores, with a progress bar on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import click


T = TypeVar("T")
R = TypeVar("R")


def show_progress() -> bool:
    return sys.stderr.isatty()


def run_jobs(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    jobs: int = 1,
    label: str = "",
    cost: Callable[[T], float] | None = None,
    initializer: Callable[[], object] | None = None,
) -> Iterator[R]:
    """`function` over `items`, in order, on `jobs` processes; a progress bar on stderr when it is a terminal.

    `function` must be a top-level function (it is pickled to the workers). `cost`, an estimate of each item's
    work: the items then start costliest first, one at a time, so that no process is left alone with a long job at
    the end. `initializer` runs first in each worker process.
    """
    items = list(items)
    if jobs > 1 and len(items) > 1:
        executor = ProcessPoolExecutor(max_workers=min(jobs, len(items)), initializer=initializer)
        if cost is None:
            results = executor.map(function, items, chunksize=max(1, len(items) // (jobs * 8)))
        else:
            order = sorted(range(len(items)), key=lambda index: -cost(items[index]))
            futures = {index: executor.submit(function, items[index]) for index in order}
            results = (futures[index].result() for index in range(len(items)))
    else:
        executor = None
        results = map(function, items)
    try:
        with click.progressbar(
            results, length=len(items), label=label, file=sys.stderr, hidden=not show_progress()
        ) as bar:
            yield from bar
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
