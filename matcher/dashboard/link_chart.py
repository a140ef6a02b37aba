"""The link chart: an alert's signals as nodes coloured by agency, shared tokens as edges.

Drawn the way analysts know from their own link-analysis tools: each node is one signal (never
its reference, only 'Gemeente Utrecht 1'), each edge names the shared kind and whether it
matched exactly or near, and its line shows the strength of that piece of evidence (solid and
heavy for strong, dashed for medium, dotted for weak). The page draws it as inline SVG with a
text alternative; no script.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matcher.services.links import LinkGraph

WIDTH = 600
HEIGHT = 380
MARGIN = 80
#: colours (CSS classes) per agency, in the order agencies appear in the chart
PALETTE = 8


@dataclass(frozen=True)
class SignalNode:
    """One signal, where to draw it, and the agency it belongs to."""

    label: str
    agency: str
    colour: int
    x: float
    y: float


@dataclass(frozen=True)
class EvidenceEdge:
    """Two signals sharing a token; the label says what, the style says how strong."""

    source: SignalNode
    target: SignalNode
    kind: str
    level: str
    match: str
    strength: str

    @property
    def middle(self) -> tuple[float, float]:
        return (
            round((self.source.x + self.target.x) / 2, 1),
            round((self.source.y + self.target.y) / 2, 1),
        )


@dataclass(frozen=True)
class LinkChart:
    """What the page draws."""

    nodes: list[SignalNode]
    edges: list[EvidenceEdge]
    agencies: list[tuple[str, int]]
    truncated: bool
    width: int = WIDTH
    height: int = HEIGHT


def _position(index: int, count: int) -> tuple[float, float]:
    if count == 1:
        return WIDTH / 2, HEIGHT / 2
    angle = -math.pi / 2 + 2 * math.pi * index / count
    radius_x, radius_y = WIDTH / 2 - MARGIN - 30, HEIGHT / 2 - MARGIN / 2 - 10
    return (
        round(WIDTH / 2 + radius_x * math.cos(angle), 1),
        round(HEIGHT / 2 + radius_y * math.sin(angle), 1),
    )


def layout(graph: LinkGraph, agency_names: dict[int, str]) -> LinkChart:
    """Place the signals on a circle, one agency's signals together, and connect them."""
    colours: dict[int, int] = {}
    numbers: dict[int, int] = {}
    nodes: dict[int, SignalNode] = {}
    for index, (signal_id, agency_id) in enumerate(graph.signals):
        colour = colours.setdefault(agency_id, len(colours) % PALETTE)
        numbers[agency_id] = numbers.get(agency_id, 0) + 1
        name = agency_names.get(agency_id, "?")
        x, y = _position(index, len(graph.signals))
        nodes[signal_id] = SignalNode(f"{name} {numbers[agency_id]}", name, colour, x, y)
    edges = [
        EvidenceEdge(
            nodes[edge.first],
            nodes[edge.second],
            edge.kind,
            edge.level,
            "near" if edge.near else "exact",
            edge.grade,
        )
        for edge in graph.edges
    ]
    agencies = [(agency_names.get(agency_id, "?"), colour) for agency_id, colour in colours.items()]
    return LinkChart(list(nodes.values()), edges, agencies, graph.truncated)
