"""The cluster drawn as a small graph: agencies as nodes, shared kinds as edges.

The layout is computed here (agencies on a circle, this alert's agencies first) and the page
draws it as inline SVG with a text alternative, so no script and no external library is
needed. Edges carry kind/level codes; the page translates them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from matcher.services.alert_detail import AlertDetail

WIDTH = 560
HEIGHT = 340
MARGIN = 70
MAX_NODES = 16


@dataclass(frozen=True)
class Node:
    """An agency in the cluster, where to draw it, and whether it is in this alert."""

    name: str
    x: float
    y: float
    in_alert: bool


@dataclass(frozen=True)
class Edge:
    """Two agencies linked through alerts of these (kind, level) pairs."""

    source: Node
    target: Node
    kinds: list[tuple[str, str]]


@dataclass(frozen=True)
class Graph:
    """What the page draws."""

    nodes: list[Node]
    edges: list[Edge]
    width: int = WIDTH
    height: int = HEIGHT
    truncated: bool = False


def _members(detail: AlertDetail) -> list[tuple[tuple[str, str], list[str]]]:
    own = ((detail.alert.kind, detail.alert.level), [agency.name for agency in detail.agencies])
    return [own, *(((item.kind, item.level), item.agencies) for item in detail.linked)]


def _positions(names: list[str]) -> list[tuple[float, float]]:
    if len(names) == 1:
        return [(WIDTH / 2, HEIGHT / 2)]
    radius_x, radius_y = WIDTH / 2 - MARGIN - 40, HEIGHT / 2 - MARGIN / 2 - 10
    return [
        (
            round(WIDTH / 2 + radius_x * math.cos(-math.pi / 2 + 2 * math.pi * i / len(names)), 1),
            round(HEIGHT / 2 + radius_y * math.sin(-math.pi / 2 + 2 * math.pi * i / len(names)), 1),
        )
        for i in range(len(names))
    ]


def layout(detail: AlertDetail) -> Graph:
    """Place the cluster's agencies on a circle and connect those that share a token."""
    members = _members(detail)
    own_names = members[0][1]
    others = sorted({name for _, names in members[1:] for name in names} - set(own_names))
    names = [*own_names, *others]
    truncated = len(names) > MAX_NODES or detail.cluster_truncated
    names = names[:MAX_NODES]
    nodes = {
        name: Node(name, x, y, name in own_names)
        for name, (x, y) in zip(names, _positions(names), strict=True)
    }
    shared: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for kind_level, agencies in members:
        present = sorted(name for name in agencies if name in nodes)
        for pair in combinations(present, 2):
            shared[pair].add(kind_level)
    edges = [
        Edge(nodes[first], nodes[second], sorted(kinds))
        for (first, second), kinds in sorted(shared.items())
    ]
    return Graph(list(nodes.values()), edges, truncated=truncated)
