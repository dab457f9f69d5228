"""Node positions shared by the Gephi exports and the HTML page.

Placeholder: a seeded spring layout. Issue 4 replaces it with a fast,
ForceAtlas2-style layout.
"""

from __future__ import annotations

import networkx as nx

__all__ = ["compute_layout"]


def compute_layout(G: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Deterministic x/y per node, in pixels-ish units."""
    if G.number_of_nodes() == 0:
        return {}
    simple = nx.Graph(G.to_undirected(as_view=True))
    positions = nx.spring_layout(simple, seed=7, iterations=30 if len(simple) < 3000 else 5)
    scale = 60.0 * max(1.0, len(simple) ** 0.5)
    return {n: (round(float(x) * scale, 2), round(float(y) * scale, 2)) for n, (x, y) in positions.items()}
