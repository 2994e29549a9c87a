"""Fault injection for the crash tests: the sender kills itself at named points, with a chance.

`BRIDGE_FAILPOINTS="after_sign=0.05,after_broadcast=0.05"` makes the sender SIGKILL itself with that
chance at that point. Production code imports this module only when the setting is non-empty
(`bridge.workers`); otherwise the sender's hook is a no-op.
"""

from __future__ import annotations

import logging
import os
import random
import signal

logger = logging.getLogger(__name__)


def parse(spec: str) -> dict[str, float]:
    """`name=chance,...` as a dict; a name without a chance always fires."""
    points: dict[str, float] = {}
    for part in filter(None, spec.split(",")):
        name, _, chance = part.partition("=")
        points[name.strip()] = float(chance or 1)
    return points


class Failpoints:
    """The sender's failpoint hook: `failpoints("after_sign")` may kill this process."""

    def __init__(self, spec: str) -> None:
        self.points = parse(spec)

    def __call__(self, name: str) -> None:
        chance = self.points.get(name)
        if chance is not None and random.random() < chance:
            logger.warning("failpoint %s: killing this process", name)
            os.kill(os.getpid(), signal.SIGKILL)
