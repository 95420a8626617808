"""Disjoint sets of indices (union-find with path halving): what joins blobs into one and words into lines."""

from __future__ import annotations


class DisjointSets:
    """Indices 0..size-1, each its own set until joined; ``root`` names the set an index is in."""

    def __init__(self, size: int) -> None:
        self._parent = list(range(size))

    def root(self, index: int) -> int:
        parent = self._parent
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def join(self, keep: int, other: int) -> None:
        """Puts ``other``'s set into ``keep``'s (whose root stays the root)."""
        self._parent[self.root(other)] = self.root(keep)
