"""The figures of the queue rows (model.md, constraints 10 and the lanes' waits in 7).

The queue iterations (model/queues.py) choose them; the LP only reads them. Each is a (lanes,
periods) grid over the rows of `IndexSets.queues`:

    a[n,l,t] - slope[n,l,t] sum_d q[d,n,l,t] >= intercept[n,l,t]

once for a lane's service-level target and once for its average wait, and `lane_wait[n,l,t]`, the
wait each unit in the lane adds to its demand's response time (time units), and `lost_share[n,l,t]`,
the share of the units offered that an erlang_a or erlang_b lane loses (row `lane_loss`). A closed lane carries
nothing (its q are bounded at 0); its coefficients keep their last values, so that closing a lane
changes bounds only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.lp.terms import per_period

if TYPE_CHECKING:
    from model.network import IndexSets


@dataclass(frozen=True)
class QueueTangents:
    service_level_slope: np.ndarray  # hours per unit
    service_level_intercept: np.ndarray  # hours
    wait_slope: np.ndarray
    wait_intercept: np.ndarray
    lane_wait: np.ndarray  # time units per unit
    closed: np.ndarray  # bool
    lost_share: np.ndarray  # share of the units offered that the lane loses (erlang_a, erlang_b; else 0)

    def same_as(self, other: QueueTangents) -> bool:
        """Whether both hold the same figures (then the LP built at one is the LP at the other)."""
        return all(np.array_equal(getattr(self, name), getattr(other, name)) for name in self.__dataclass_fields__)

    @classmethod
    def relaxed(cls, sets: IndexSets, lane_wait: np.ndarray | None = None) -> QueueTangents:
        """Every lane relaxed to agents >= load (the tangent of N = A: slope peak x handle time,
        intercept 0), an erlang_a or erlang_b lane to agents >= 0 (they are stable at any staffing),
        counting `lane_wait` (default 0) as its wait and losing nothing."""
        queues, T = sets.queues, sets.period_count
        waits = (queues.model == "erlang_c").to_numpy(dtype=float)  # Erlang A and B are stable at any N
        unit_hours = per_period((waits * queues.peak_factor * queues.handle_time).to_numpy(dtype=float), T)
        zero = np.zeros(unit_hours.shape)
        wait = zero if lane_wait is None else np.asarray(lane_wait, dtype=float)
        return cls(unit_hours, zero, unit_hours, zero, wait, zero.astype(bool), zero)
