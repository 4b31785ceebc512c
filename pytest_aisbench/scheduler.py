"""xdist scheduling that lets each worker know its samples before they arrive.

pytest-xdist's load-balancing modes (``load``, ``loadscope``, ``loadfile``, ``loadgroup``,
``worksteal``) hand items out as workers finish, so a worker could not start its requests
ahead and would send them one at a time. In each of these modes this scheduler gives worker
``gwK`` of ``N`` every item at a collection position ``p`` with ``p % N == K``, all at once.
The worker computes the same split (`worker_shard`), starts exactly those requests
concurrently (up to ``batch_size``), and no request is ever sent by two workers. ``each``
keeps xdist's meaning: every worker runs every item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from xdist.report import report_collection_diff
from xdist.scheduler import EachScheduling

SHARDED_MODES = ("load", "loadscope", "loadfile", "loadgroup", "worksteal")
"""The ``--dist`` modes scheduled by `ShardScheduling`."""
DIST_KEY = "aisbench_dist"
"""The ``workerinput`` entry telling a worker the controller's ``--dist`` mode (xdist sets the
worker's own option to ``no``)."""


def worker_shard(config: pytest.Config) -> tuple[int, int] | None:
    """(this worker's index, number of workers): (0, 1) outside xdist and under ``each``;
    None when the worker cannot know its items ahead (a scheduler of another plugin)."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None or workerinput.get(DIST_KEY) == "each":
        return 0, 1
    if workerinput.get(DIST_KEY) not in SHARDED_MODES:
        return None
    return int(str(workerinput["workerid"]).removeprefix("gw")), int(workerinput["workercount"])


def owns(position: int, shard: tuple[int, int]) -> bool:
    """Whether the item at collection `position` runs on the worker of `shard`."""
    index, count = shard
    return position % count == index


class ShardScheduling(EachScheduling):
    """Every worker gets its fixed share of the collection, once, in collection order."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self._scheduled: set[Any] = set()

    def add_node_collection(self, node: Any, collection: Sequence[str]) -> None:
        first = next(iter(self.node2collection.values()), None)
        if first is not None and list(collection) != first:
            self.log(report_collection_diff(first, list(collection), "gw0", node.gateway.id))
            raise pytest.UsageError(
                f"worker {node.gateway.id} collected different items than the others; "
                "aisbench items must be collected identically on every worker"
            )
        super().add_node_collection(node, collection)

    def schedule(self) -> None:
        assert self.collection_is_completed
        count = self.numnodes
        for node, pending in self.node2pending.items():
            if node in self._scheduled:
                continue
            self._scheduled.add(node)
            if not pending:  # a fresh node: its shard; a replacement keeps the dead one's items
                index = int(str(node.gateway.id).removeprefix("gw"))
                size = len(self.node2collection[node])
                pending[:] = [p for p in range(size) if owns(p, (index, count))]
            if pending:
                node.send_runtest_some(list(pending))
            node.shutdown()
