"""Feasible flows with lower bounds on tiny graphs (a few dozen nodes): the arithmetic behind
exact draw quotas. Pure, no randomness.
"""

from __future__ import annotations

from collections.abc import Sequence

Edge = tuple[int, int, int, int]  # (from, to, lower bound, upper bound)


def max_flow(cap: list[list[int]], source: int, sink: int) -> int:
    """Push as much as possible from ``source`` to ``sink`` (Edmonds–Karp); ``cap`` becomes
    the residual capacities."""
    size = len(cap)
    flow = 0
    while True:
        parent = [-1] * size
        parent[source] = source
        queue = [source]
        for node in queue:
            row = cap[node]
            for nxt in range(size):
                if parent[nxt] == -1 and row[nxt] > 0:
                    parent[nxt] = node
                    queue.append(nxt)
            if parent[sink] != -1:
                break
        if parent[sink] == -1:
            return flow
        bottleneck = None
        node = sink
        while node != source:
            prev = parent[node]
            room = cap[prev][node]
            bottleneck = room if bottleneck is None else min(bottleneck, room)
            node = prev
        node = sink
        while node != source:
            prev = parent[node]
            cap[prev][node] -= bottleneck
            cap[node][prev] += bottleneck
            node = prev
        flow += bottleneck


def circulation(size: int, edges: Sequence[Edge]) -> list[int] | None:
    """A circulation on ``size`` nodes meeting every edge's bounds, as the flow on each edge
    (same order as ``edges``), or ``None`` when there is none. No two edges may join the same
    two nodes (in either direction)."""
    total = size + 2
    extra_source, extra_sink = size, size + 1
    cap = [[0] * total for _row in range(total)]
    excess = [0] * size
    for u, v, low, high in edges:
        if low > high:
            return None
        cap[u][v] += high - low
        excess[v] += low
        excess[u] -= low
    need = 0
    for node, value in enumerate(excess):
        if value > 0:
            cap[extra_source][node] = value
            need += value
        elif value < 0:
            cap[node][extra_sink] = -value
    if max_flow(cap, extra_source, extra_sink) < need:
        return None
    return [high - cap[u][v] for u, v, low, high in edges]
