"""The link graph: which chat of the scan advertises which group (inside the scan or not).

Example::

    graph, advertised = build_graph(chats.values())
    advertised["telegram:1"]        # (links, distinct groups advertised)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rempart.core.scan_summary.dates import date_text, earliest, latest
from rempart.core.scan_summary.finding_fields import bare_chat_id
from rempart.core.scan_summary.records import GraphEdge, GraphNode, LinkGraph
from rempart.core.scan_summary.state import ChatState, EdgeState

# Link kinds that point at another chat; mentions count only when they name a chat of the scan.
CHAT_LINKS = {"invite": "invite", "folder": "folder", "public_chat": "public",
              "public_message": "public", "private_chat": "private",
              "private_message": "private", "mention": "mention"}
PUBLIC_LINK = re.compile(r"^https://t\.me/(?!c/)([A-Za-z][A-Za-z0-9_]{3,31})/\d+$")


def build_graph(chats: Iterable[ChatState]
                ) -> tuple[LinkGraph, dict[str, tuple[int, int]]]:
    """The graph, and per chat key (links out, distinct groups advertised)."""
    chats = list(chats)
    by_username = {c.username: c for c in chats if c.username}
    by_bare_id = {str(bare_chat_id(c.chat_id)): c for c in chats
                  if c.chat_id is not None and c.platform == "telegram"}
    nodes: dict[str, GraphNode] = {}
    edges: dict[tuple[str, str], EdgeState] = {}
    advertised: dict[str, tuple[int, int]] = {}
    for chat in chats:
        links = targets = 0
        for (cls, target), e in [*chat.targets.items(), *chat.mentions.items()]:
            known = (by_username.get(target) if cls in ("public", "mention")
                     else by_bare_id.get(target) if cls == "private" else None)
            if known is None and cls == "mention":
                continue
            if known is not None:
                if known.key == chat.key:
                    continue
                node = chat_node(known)
            else:
                node = external_node(cls, target)
            nodes.setdefault(node.id, node)
            src = nodes.setdefault(f"chat:{chat.key}", chat_node(chat))
            merged = edges.setdefault((src.id, node.id), EdgeState())
            merged.count += e.count
            merged.kinds |= e.kinds
            merged.first = earliest(merged.first, e.first) if e.first else merged.first
            merged.last = latest(merged.last, e.last) if e.last else merged.last
            links += e.count
            targets += 1
        advertised[chat.key] = (links, targets)
    rank = {key: i for i, key in enumerate(sorted(nodes, key=lambda n: (
        nodes[n].kind != "chat", nodes[n].label.lower(), n)))}
    graph = LinkGraph(
        tuple(sorted(nodes.values(), key=lambda n: rank[n.id])),
        tuple(GraphEdge(s, t, e.count, tuple(sorted(e.kinds)), date_text(e.first),
                        date_text(e.last))
              for (s, t), e in sorted(edges.items(), key=lambda kv: (rank[kv[0][0]],
                                                                     rank[kv[0][1]]))))
    return graph, advertised


def chat_node(c: ChatState) -> GraphNode:
    """The node of a chat of the scan."""
    url = f"https://t.me/{c.username}" if c.username else None
    return GraphNode(f"chat:{c.key}", c.name, "chat", c.key, url)


def external_node(cls: str, target: str) -> GraphNode:
    """The node of an advertised target outside the scan."""
    label, url = {
        "invite": (f"invite +{target}", f"https://t.me/+{target}"),
        "folder": (f"folder {target}", f"https://t.me/addlist/{target}"),
        "public": (f"@{target}", f"https://t.me/{target}"),
    }.get(cls, (f"private chat {target}", f"https://t.me/c/{target}"))
    return GraphNode(f"{cls}:{target}", label, cls, None, url)
