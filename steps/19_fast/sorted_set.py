"""The sorted set: members kept in order of score, each score found by name.

Redis stores a sorted set as two structures that hold the same members:

- a hash table, member -> score, which answers ZSCORE and "is it there?" in O(1);
- a skiplist, which keeps the members in order of (score, member) and finds a
  member, a rank or the start of a range in O(log n).

We do the same: a dict, and a skiplist of our own, with the spans that make
ranks cheap and the backward pointers that let ranges run in reverse.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator

from store import ScanOrder

# --8<-- [start:constants]
MAX_LEVEL = 32  # Redis's ZSKIPLIST_MAXLEVEL: enough for 4**32 = 2**64 members
P = 0.25  # Redis's ZSKIPLIST_P: the chance that a node also has the next level up

# Up to these sizes Redis keeps a sorted set in a listpack, one compact block
# of memory, instead (see SortedSet.compact).
LISTPACK_MAX_ENTRIES = 128  # zset-max-listpack-entries
LISTPACK_MAX_VALUE = 64  # zset-max-listpack-value: the longest member, in bytes
# --8<-- [end:constants]


# --8<-- [start:node]
class Node:
    """One member of the skiplist, with a forward link per level it is on:
    forward[0] on the lowest level, the plain linked list of every node,
    forward[1] on the level above, and so on.

    span[i] counts how many members forward[i] jumps over, plus one: the
    difference of the two nodes' ranks. Adding up the spans of the links
    followed from the head gives the rank of the node where the walk ends.
    """

    __slots__ = ("member", "score", "forward", "span", "backward")

    def __init__(self, member: bytes, score: float, level: int) -> None:
        self.member = member
        self.score = score
        self.forward: list[Node | None] = [None] * level
        self.span = [0] * level
        self.backward: Node | None = None  # the previous node, on the lowest level only

    def precedes(self, score: float, member: bytes) -> bool:
        """Whether this node comes before (score, member): by score, then by the member's bytes."""
        return self.score < score or (self.score == score and self.member < member)
# --8<-- [end:node]


# --8<-- [start:range]
@dataclass(frozen=True)
class Range:
    """A min and a max, each inclusive or exclusive, by score or by member.

    A score range compares scores. A lex range compares members as bytes,
    and its ends may also be "-" and "+", which Redis places below and above
    every string. To compare those with bytes, a lex range places each
    member at (1, member), "-" at (0, b"") and "+" at (2, b"").
    """

    min: float | tuple[int, bytes]
    max: float | tuple[int, bytes]
    min_exclusive: bool = False
    max_exclusive: bool = False
    by_lex: bool = False

    def position(self, node: Node) -> float | tuple[int, bytes]:
        return (1, node.member) if self.by_lex else node.score

    def above_min(self, node: Node) -> bool:
        """The node is at the min or past it (strictly past, if the min is exclusive)."""
        value = self.position(node)
        return value > self.min if self.min_exclusive else value >= self.min

    def below_max(self, node: Node) -> bool:
        value = self.position(node)
        return value < self.max if self.max_exclusive else value <= self.max
# --8<-- [end:range]


# --8<-- [start:skiplist]
def random_level() -> int:
    """1 with probability 3/4, 2 with 3/16, 3 with 3/64...: each level up is
    four times rarer, so level i has about n / 4**(i-1) of the n nodes."""
    level = 1
    while random.random() < P and level < MAX_LEVEL:
        level += 1
    return level


class SkipList:
    """Nodes in order of (score, member), with ranks. Ranks here count from 1,
    as in Redis: the head, which holds no member, is rank 0."""

    def __init__(self) -> None:
        self.head = Node(b"", 0.0, MAX_LEVEL)
        self.level = 1  # the number of levels in use: the highest level of any node
        self.length = 0
        self.tail: Node | None = None

    # --8<-- [start:insert]
    def _path_to(self, score: float, member: bytes) -> tuple[list[Node], list[int]]:
        """For each level, the last node before (score, member), and its rank:
        the nodes whose links an insertion or a deletion there must change."""
        update = [self.head] * MAX_LEVEL
        rank = [0] * MAX_LEVEL
        node, traversed = self.head, 0
        for i in reversed(range(self.level)):
            # Go right while the next node is still before the target, then down.
            while (ahead := node.forward[i]) is not None and ahead.precedes(score, member):
                traversed += node.span[i]
                node = ahead
            update[i], rank[i] = node, traversed
        return update, rank

    def insert(self, score: float, member: bytes) -> None:
        """Add a member that is not in the list yet."""
        update, rank = self._path_to(score, member)
        level = random_level()
        if level > self.level:
            # The new levels start at the head, whose links there span the whole list.
            for i in range(self.level, level):
                update[i], rank[i] = self.head, 0
                self.head.span[i] = self.length
            self.level = level
        node = Node(member, score, level)
        for i in range(level):
            # The link from update[i] is cut in two at the new node. The new
            # node's rank is rank[0] + 1, so the first part spans
            # rank[0] + 1 - rank[i], and the second whatever was left.
            node.forward[i] = update[i].forward[i]
            update[i].forward[i] = node
            node.span[i] = update[i].span[i] - (rank[0] - rank[i])
            update[i].span[i] = rank[0] - rank[i] + 1
        for i in range(level, self.level):
            update[i].span[i] += 1  # a link above the new node now jumps over one more
        node.backward = update[0] if update[0] is not self.head else None
        if node.forward[0] is not None:
            node.forward[0].backward = node
        else:
            self.tail = node
        self.length += 1
    # --8<-- [end:insert]

    # --8<-- [start:delete]
    def _unlink(self, node: Node, update: list[Node]) -> None:
        for i in range(self.level):
            if update[i].forward[i] is node:
                update[i].span[i] += node.span[i] - 1
                update[i].forward[i] = node.forward[i]
            else:
                update[i].span[i] -= 1  # this link jumped over the node
        if node.forward[0] is not None:
            node.forward[0].backward = node.backward
        else:
            self.tail = node.backward
        while self.level > 1 and self.head.forward[self.level - 1] is None:
            self.level -= 1
        self.length -= 1

    def delete(self, score: float, member: bytes) -> None:
        """Remove a member the list holds with that score."""
        update, _ = self._path_to(score, member)
        self._unlink(update[0].forward[0], update)

    def update_score(self, score: float, member: bytes, new_score: float) -> None:
        update, _ = self._path_to(score, member)
        node = update[0].forward[0]
        # If the new score keeps the node between its neighbours, no link changes.
        if ((node.backward is None or node.backward.score < new_score)
                and (node.forward[0] is None or node.forward[0].score > new_score)):
            node.score = new_score
            return
        self._unlink(node, update)
        self.insert(new_score, member)
    # --8<-- [end:delete]

    # --8<-- [start:rank]
    def rank(self, score: float, member: bytes) -> int:
        """The rank of a member the list holds with that score."""
        node, traversed = self.head, 0
        for i in reversed(range(self.level)):
            # Up to and including the member itself: the walk ends on it.
            while (ahead := node.forward[i]) is not None and (
                    ahead.precedes(score, member) or ahead.member == member):
                traversed += node.span[i]
                node = ahead
        return traversed

    def node_at(self, rank: int) -> Node:
        """The node of a rank from 1 to length: the same walk, steered by the spans."""
        node, traversed = self.head, 0
        for i in reversed(range(self.level)):
            while node.forward[i] is not None and traversed + node.span[i] <= rank:
                traversed += node.span[i]
                node = node.forward[i]
            if traversed == rank:
                break
        return node
    # --8<-- [end:rank]

    # --8<-- [start:ranges]
    def first_in(self, range_: Range) -> Node | None:
        """The lowest node in the range, or None."""
        node = self.head
        for i in reversed(range(self.level)):
            while (ahead := node.forward[i]) is not None and not range_.above_min(ahead):
                node = ahead
        # The next node is the first at or above the min; it is in the range if not past the max.
        first = node.forward[0]
        return first if first is not None and range_.below_max(first) else None

    def last_in(self, range_: Range) -> Node | None:
        """The highest node in the range, or None."""
        node = self.head
        for i in reversed(range(self.level)):
            while (ahead := node.forward[i]) is not None and range_.below_max(ahead):
                node = ahead
        return node if node is not self.head and range_.above_min(node) else None

    def delete_ranks(self, start: int, stop: int) -> list[bytes]:
        """Remove the nodes ranked start to stop, both included; return their members.
        One walk down to the first, then each removal costs O(1) per level."""
        update = [self.head] * MAX_LEVEL
        node, traversed = self.head, 0
        for i in reversed(range(self.level)):
            while node.forward[i] is not None and traversed + node.span[i] < start:
                traversed += node.span[i]
                node = node.forward[i]
            update[i] = node
        removed = []
        node = node.forward[0]
        for _ in range(stop - start + 1):
            following = node.forward[0]
            self._unlink(node, update)
            removed.append(node.member)
            node = following
        return removed
    # --8<-- [end:ranges]

    def walk(self, node: Node | None, reverse: bool) -> Iterator[Node]:
        """From `node` to the tail, or back to the first node if reverse."""
        while node is not None:
            yield node
            node = node.backward if reverse else node.forward[0]
# --8<-- [end:skiplist]


# --8<-- [start:sorted_set]
class SortedSet:
    """A Redis sorted set: a dict member -> score, and a skiplist that keeps
    the same members in order. Never empty once stored: the commands delete
    the key when they take the last member."""

    def __init__(self, compact: bool = True) -> None:
        self._scores: dict[bytes, float] = {}
        self._list = SkipList()
        # Whether Redis would hold this set in a listpack rather than a
        # skiplist (OBJECT ENCODING says which). We always use our skiplist,
        # but a client sees the difference in three places: ZSCAN returns a
        # listpack whole, in one call, and its whole-number scores as
        # integers; and a listpack turns a score of -0 into 0.
        self.compact = compact
        self._scan_order = None if compact else ScanOrder()  # where ZSCAN stands in a big set

    @classmethod
    def from_items(cls, items: list[tuple[bytes, float]]) -> SortedSet:
        """A computed result, as ZUNIONSTORE and its kind store it: Redis
        builds a skiplist, then turns it into a listpack if it is small enough."""
        small = len(items) <= LISTPACK_MAX_ENTRIES and all(len(member) <= LISTPACK_MAX_VALUE for member, _ in items)
        zset = cls(compact=small)
        for member, score in items:
            zset.add(member, score)
        return zset

    def __len__(self) -> int:
        return len(self._scores)

    def __iter__(self) -> Iterator[tuple[bytes, float]]:
        """(member, score) pairs, lowest score first."""
        return self.items_from(0)

    def __copy__(self) -> SortedSet:
        """An independent copy, for COPY."""
        duplicate = SortedSet(self.compact)
        # Highest first, so that every insertion stops at the head at once, as Redis copies.
        for node in self._list.walk(self._list.tail, reverse=True):
            duplicate.add(node.member, node.score)
        return duplicate

    def score(self, member: bytes) -> float | None:
        return self._scores.get(member)

    def _stored(self, score: float) -> float:
        # A listpack stores a whole-number score as an integer, and an
        # integer has no -0.
        return 0.0 if self.compact and score == 0 else score

    def add(self, member: bytes, score: float) -> None:
        """Add a member, or move it to a new score."""
        old = self._scores.get(member)
        if score == old:
            return  # nothing moves; -0 and 0 are equal scores, too
        if old is None and self.compact and (len(self) + 1 > LISTPACK_MAX_ENTRIES
                                             or len(member) > LISTPACK_MAX_VALUE):
            # Too big for a listpack now: Redis converts the set, and never back.
            self.compact, self._scan_order = False, ScanOrder()
            for known in self._scores:
                self._scan_order.add(known)
        score = self._stored(score)
        if old is None:
            self._list.insert(score, member)
            if self._scan_order is not None:
                self._scan_order.add(member)
        else:
            self._list.update_score(old, member, score)
        self._scores[member] = score

    def remove(self, member: bytes) -> bool:
        score = self._scores.pop(member, None)
        if score is None:
            return False
        self._list.delete(score, member)
        if self._scan_order is not None:
            self._scan_order.remove(member)
        return True

    def rank(self, member: bytes) -> int | None:
        """The member's position from 0, lowest score first; None if it is not here."""
        score = self._scores.get(member)
        return None if score is None else self._list.rank(score, member) - 1

    def item_at(self, rank: int) -> tuple[bytes, float]:
        """The member at a position from 0, and its score."""
        node = self._list.node_at(rank + 1)
        return node.member, node.score

    def items_from(self, rank: int, reverse: bool = False) -> Iterator[tuple[bytes, float]]:
        """Members from a position on, counted from the lowest score, or from the highest if reverse."""
        if not 0 <= rank < len(self):
            return iter(())
        start = self._list.node_at(len(self) - rank if reverse else rank + 1)
        return ((node.member, node.score) for node in self._list.walk(start, reverse))

    def items_in(self, range_: Range, reverse: bool = False) -> Iterator[tuple[bytes, float]]:
        """The members in a range, lowest first, or highest first if reverse."""
        start = self._list.last_in(range_) if reverse else self._list.first_in(range_)
        inside = range_.above_min if reverse else range_.below_max
        for node in self._list.walk(start, reverse):
            if not inside(node):
                return
            yield node.member, node.score

    def _ranks_in(self, range_: Range) -> tuple[int, int] | None:
        """The ranks of the first and the last member in a range; None if it holds none."""
        first = self._list.first_in(range_)
        if first is None:
            return None
        last = self._list.last_in(range_)
        return self._list.rank(first.score, first.member), self._list.rank(last.score, last.member)

    def count_in(self, range_: Range) -> int:
        """How many members a range holds, in O(log n): the ranks of its ends tell."""
        ranks = self._ranks_in(range_)
        return 0 if ranks is None else ranks[1] - ranks[0] + 1

    def remove_ranks(self, start: int, stop: int) -> int:
        """Remove the members at positions start to stop (from 0, both included)."""
        removed = self._list.delete_ranks(start + 1, stop + 1)
        for member in removed:  # out of the skiplist already: now the dict
            del self._scores[member]
            if self._scan_order is not None:
                self._scan_order.remove(member)
        return len(removed)

    def remove_in(self, range_: Range) -> int:
        ranks = self._ranks_in(range_)
        return 0 if ranks is None else self.remove_ranks(ranks[0] - 1, ranks[1] - 1)

    def pop(self, highest: bool) -> tuple[bytes, float]:
        """Remove and return the member with the lowest (or highest) score."""
        node = self._list.tail if highest else self._list.head.forward[0]
        self.remove(node.member)
        return node.member, node.score

    def scan(self, cursor: int, count: int) -> tuple[int, list[tuple[bytes, float]]]:
        """One ZSCAN call: the next cursor, and about `count` members with their scores.

        A listpack is returned whole, and the cursor is then 0, as in Redis.
        A big set is walked in the order its members arrived, with the index
        SCAN uses for the keyspace (store.py's ScanOrder), so that a member
        present for the whole scan is returned, whatever comes and goes.
        """
        if self._scan_order is None:
            return 0, list(self)
        cursor, members = self._scan_order.keys_after(cursor, count)
        return cursor, [(member, self._scores[member]) for member in members]
# --8<-- [end:sorted_set]
