"""A deterministic circular drawing of the invite-link graph, as geometry for the SVG template.

Nodes sit on a circle (chats of the scan first, by risk rank, then advertised targets by how
many chats advertise them); arrows are quadratic curves bent to the left of their direction so
that A→B and B→A stay apart. The template writes the SVG; this module only computes numbers and
shortened labels, so every text goes through the template's escaping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rempart.core.scan_summary import LinkGraph

NODE_RADIUS = 9.0
LABEL_CHARS = 28


@dataclass(frozen=True, slots=True)
class NodeShape:
    """A node's circle and label position."""

    id: str
    label: str
    full_label: str
    kind: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str
    css: str


@dataclass(frozen=True, slots=True)
class EdgeShape:
    """An arrow: its path, its head and its count label."""

    path: str
    head: str
    label: str
    label_x: float
    label_y: float
    width: float
    title: str


@dataclass(frozen=True, slots=True)
class GraphPicture:
    """What the template draws; ``omitted_nodes`` did not fit (they stay in the edge table)."""

    width: int
    height: int
    nodes: tuple[NodeShape, ...]
    edges: tuple[EdgeShape, ...]
    omitted_nodes: int


def layout(graph: LinkGraph, ranks: dict[str, int], max_nodes: int = 40) -> GraphPicture:
    """Place ``graph``'s nodes on a circle; ``ranks`` maps chat keys to their risk rank."""
    degree: dict[str, int] = {}
    for e in graph.edges:
        degree[e.source] = degree.get(e.source, 0) + 1
        degree[e.target] = degree.get(e.target, 0) + 1

    def order(n_id: str) -> tuple[int, int, int, str]:
        node = by_id[n_id]
        rank = ranks.get(node.chat_key or "", 10**9)
        return (node.kind != "chat", rank, -degree.get(n_id, 0), node.label.lower())

    by_id = {n.id: n for n in graph.nodes}
    chosen = sorted(by_id, key=order)[:max_nodes]
    count = len(chosen)
    radius = max(120.0, count * 12.0)
    margin_x, margin_y = 20.0 + LABEL_CHARS * 7.5, 50.0
    cx, cy = radius + margin_x, radius + margin_y
    points: dict[str, tuple[float, float]] = {}
    nodes: list[NodeShape] = []
    for i, n_id in enumerate(chosen):
        angle = -math.pi / 2 + 2 * math.pi * i / max(count, 1)
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = cx + radius * cos, cy + radius * sin
        points[n_id] = (x, y)
        anchor = "start" if cos > 0.2 else "end" if cos < -0.2 else "middle"
        lx = cx + (radius + NODE_RADIUS + 6) * cos
        ly = cy + (radius + NODE_RADIUS + 6) * sin + (4 if anchor != "middle" else
                                                       (-4 if sin < 0 else 14))
        node = by_id[n_id]
        css = "external" if node.kind != "chat" else (
            "chat-top" if ranks.get(node.chat_key or "", 10**9) <= 3 else "chat")
        nodes.append(NodeShape(n_id, _short(node.label), node.label, node.kind, _r(x), _r(y),
                               _r(lx), _r(ly), anchor, css))
    edges = [_arrow(points[e.source], points[e.target], e.count,
                    f"{by_id[e.source].label} advertises {by_id[e.target].label}: "
                    f"{e.count} link{'s' if e.count != 1 else ''} ({', '.join(e.kinds)})")
             for e in graph.edges if e.source in points and e.target in points]
    return GraphPicture(int(2 * (cx)), int(2 * cy), tuple(nodes), tuple(edges),
                        len(by_id) - count)


def _arrow(a: tuple[float, float], b: tuple[float, float], count: int, title: str) -> EdgeShape:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bend = 0.18 * length
    ctrl = ((a[0] + b[0]) / 2 + uy * bend, (a[1] + b[1]) / 2 - ux * bend)
    start = _towards(a, ctrl, NODE_RADIUS + 1)
    tip = _towards(b, ctrl, NODE_RADIUS + 2)
    hx, hy = tip[0] - ctrl[0], tip[1] - ctrl[1]
    hl = math.hypot(hx, hy) or 1.0
    hx, hy = hx / hl, hy / hl
    base = (tip[0] - 11 * hx, tip[1] - 11 * hy)
    head = " ".join(f"{_r(x)},{_r(y)}" for x, y in (
        tip, (base[0] - 5 * hy, base[1] + 5 * hx), (base[0] + 5 * hy, base[1] - 5 * hx)))
    mid = (0.25 * start[0] + 0.5 * ctrl[0] + 0.25 * tip[0],
           0.25 * start[1] + 0.5 * ctrl[1] + 0.25 * tip[1])
    path = (f"M {_r(start[0])} {_r(start[1])} Q {_r(ctrl[0])} {_r(ctrl[1])} "
            f"{_r(base[0])} {_r(base[1])}")
    width = _r(min(5.0, 1.2 + math.log2(count)))
    return EdgeShape(path, head, f"×{count}", _r(mid[0]), _r(mid[1]), width, title)


def _towards(p: tuple[float, float], q: tuple[float, float], d: float) -> tuple[float, float]:
    """``p`` moved ``d`` towards ``q``."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = math.hypot(dx, dy) or 1.0
    return p[0] + dx / length * d, p[1] + dy / length * d


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _r(v: float) -> float:
    return round(v, 1)
