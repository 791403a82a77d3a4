"""Side-by-side differences of texts and of field values, for conflict pages and version compares.

The result is plain data (pieces of text flagged as changed or not); the pages render it
(plans.templatetags.plan_diff) escaping every piece, wrapping changed ones in <del>/<ins> or
<mark>. Nothing here produces HTML, so user text can never reach the page unescaped.

The work is bounded for any texts (see BUDGET below), and so is the output: never more rows
than changes and unchanged runs, never more text than the two texts hold.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import NamedTuple

# Words and the whitespace between them are separate tokens, so a changed word is highlighted
# without its neighbours and the original spacing is kept.
TOKEN = re.compile(r"\s+|[^\s]+")


class Piece(NamedTuple):
    text: str
    changed: bool


class DiffRow(NamedTuple):
    """One line of a side-by-side diff; `left`/`right` is None where that side has no line.
    A run of unchanged lines is one row, and so is a block of changed lines too long to
    compare word by word: the page shows as many rows as there are changes, not lines."""

    left: list[Piece] | None
    right: list[Piece] | None

    @property
    def changed(self) -> bool:
        sides = [side for side in (self.left, self.right) if side is not None]
        return len(sides) < 2 or any(piece.changed for side in sides for piece in side)


@dataclass(frozen=True)
class TextDiff:
    rows: list[DiffRow]

    @property
    def changed(self) -> bool:
        return any(row.changed for row in self.rows)


def normalise_text(text: str | None) -> str:
    """Browsers post CRLF line ends; store and compare LF only."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


# Bounded work. Matching two sequences exactly (difflib) costs at least the product of their
# lengths, and far more on repetitive input: two texts of 2,000 characters took 54 s, and the
# largest ones hours. So, after the common start and end are set aside, a stretch longer than
# SMALL_CELLS (length times length) is cut at the elements that occur exactly once on each side
# (patience diff); only stretches up to EXACT_CELLS are matched exactly, and one text_diff (or
# one page of them, parts_diff) spends at most BUDGET steps (about 0.05 s) in all. A stretch
# left unmatched, with nothing unique in common or once the budget is spent, is shown as
# removed and added as a whole: still a correct diff, only coarser, and never larger than the
# two texts.
SMALL_CELLS = 400
EXACT_CELLS = 10_000
BUDGET = 250_000
CALL_COST = 200  # the fixed cost of comparing two lines or two stretches, in steps
# A changed block of more lines than this is shown as removed and added lines, without word
# differences: pairing the lines of a long rewrite highlights words common to unrelated lines.
WORD_DIFF_LINES = 100


class Budget:
    """The steps of work one diff (or one page of diffs) may still spend."""

    def __init__(self, units: int) -> None:
        self.left = units

    def spend(self, units: int) -> bool:
        """Take `units` of work if that many are left (False, and nothing taken, if not)."""
        if units > self.left:
            return False
        self.left -= units
        return True


def _unique_anchors(
    a: Sequence[Hashable], b: Sequence[Hashable], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Pairs (i, j) with a[i] == b[j], each element occurring once in a[alo:ahi] and once in
    b[blo:bhi], the longest chain of them increasing in both i and j."""
    in_a = Counter(a[alo:ahi])
    in_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if in_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if in_a[a[i]] == 1 and a[i] in where_b]
    # The longest chain increasing in j (patience sorting), O(k log k).
    tail_js: list[int] = []  # tail_js[n]: the smallest j ending a chain of length n + 1
    tails: list[int] = []  # the index in `pairs` of that chain's end
    before: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tail_js, j)
        if length:
            before[index] = tails[length - 1]
        if length == len(tails):
            tail_js.append(j)
            tails.append(index)
        else:
            tail_js[length] = j
            tails[length] = index
    chain: list[tuple[int, int]] = []
    index = tails[-1] if tails else -1
    while index >= 0:
        chain.append(pairs[index])
        index = before[index]
    return chain[::-1]


def _exact_cost(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """About how many steps difflib takes to match a and b: setting it up, then passes that
    each visit every pair of equal elements, about log2 of the shorter length of them."""
    in_b = Counter(b)
    pairs = sum(count * in_b[element] for element, count in Counter(a).items())
    return CALL_COST + len(a) * len(b) + pairs * min(len(a), len(b)).bit_length()


def _matching_blocks(
    a: Sequence[Hashable], b: Sequence[Hashable], budget: Budget
) -> list[tuple[int, int, int]]:
    """Blocks (i, j, size) with a[i:i + size] == b[j:j + size], increasing in i and in j."""
    blocks: list[tuple[int, int, int]] = []
    stretches = [(0, len(a), 0, len(b))]
    while stretches:
        alo, ahi, blo, bhi = stretches.pop()
        # The common start and end cost one step per element, each element stepped over once.
        size = 0
        while alo + size < ahi and blo + size < bhi and a[alo + size] == b[blo + size]:
            size += 1
        if size:
            blocks.append((alo, blo, size))
            alo, blo = alo + size, blo + size
        size = 0
        while ahi - size > alo and bhi - size > blo and a[ahi - size - 1] == b[bhi - size - 1]:
            size += 1
        if size:
            ahi, bhi = ahi - size, bhi - size
            blocks.append((ahi, bhi, size))
        if alo == ahi or blo == bhi:
            continue
        if ahi - alo == 1 or bhi - blo == 1:
            # One element against many: where it occurs first, if at all, in one pass.
            if ahi - alo == 1:
                j = next((j for j in range(blo, bhi) if b[j] == a[alo]), None)
                if j is not None:
                    blocks.append((alo, j, 1))
            else:
                i = next((i for i in range(alo, ahi) if a[i] == b[blo]), None)
                if i is not None:
                    blocks.append((i, blo, 1))
            continue
        cells = (ahi - alo) * (bhi - blo)
        if cells > SMALL_CELLS and budget.spend((ahi - alo) + (bhi - blo)):
            anchors = _unique_anchors(a, b, alo, ahi, blo, bhi)
            if anchors:
                i_from, j_from = alo, blo
                for i, j in anchors:
                    blocks.append((i, j, 1))
                    stretches.append((i_from, i, j_from, j))
                    i_from, j_from = i + 1, j + 1
                stretches.append((i_from, ahi, j_from, bhi))
                continue
        if cells <= EXACT_CELLS and budget.spend(_exact_cost(a[alo:ahi], b[blo:bhi])):
            matcher = SequenceMatcher(a=a[alo:ahi], b=b[blo:bhi], autojunk=False)
            blocks.extend((alo + i, blo + j, n) for i, j, n in matcher.get_matching_blocks() if n)
    merged: list[tuple[int, int, int]] = []
    for i, j, size in sorted(blocks):
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    return merged


def _stretches(
    a: Sequence[Hashable], b: Sequence[Hashable], budget: Budget
) -> Iterator[tuple[bool, int, int, int, int]]:
    """(equal, i1, i2, j1, j2) covering a and b in order, like SequenceMatcher.get_opcodes."""
    i = j = 0
    for bi, bj, size in [*_matching_blocks(a, b, budget), (len(a), len(b), 0)]:
        if i < bi or j < bj:
            yield False, i, bi, j, bj
        if size:
            yield True, bi, bi + size, bj, bj + size
        i, j = bi + size, bj + size


def _words(old: str, new: str, budget: Budget) -> tuple[list[Piece], list[Piece]]:
    # Splitting into words costs a step per character; past the budget, the lines are whole.
    if not budget.spend(CALL_COST + len(old) + len(new)):
        return [Piece(old, old != new)], [Piece(new, old != new)]
    old_tokens, new_tokens = TOKEN.findall(old), TOKEN.findall(new)
    if len(old_tokens) <= 1 and len(new_tokens) <= 1:  # a word against a word: nothing to align
        return [Piece(old, old != new)], [Piece(new, old != new)]
    left: list[Piece] = []
    right: list[Piece] = []
    for equal, i1, i2, j1, j2 in _stretches(old_tokens, new_tokens, budget):
        if i2 > i1:
            left.append(Piece("".join(old_tokens[i1:i2]), not equal))
        if j2 > j1:
            right.append(Piece("".join(new_tokens[j1:j2]), not equal))
    return left, right


def text_diff(old: str | None, new: str | None, *, budget: Budget | None = None) -> TextDiff:
    """Line-by-line differences of two texts; within a changed pair of lines, word by word.

    The work is bounded (BUDGET, or what is left of a `budget` shared with other diffs of the
    same page) whatever the texts: past it, changed lines are shown whole."""
    old_lines = normalise_text(old).split("\n")
    new_lines = normalise_text(new).split("\n")
    budget = Budget(BUDGET) if budget is None else budget
    rows: list[DiffRow] = []
    for equal, i1, i2, j1, j2 in _stretches(old_lines, new_lines, budget):
        if equal:  # one row for the run: the cells keep its line ends (white-space: pre-wrap)
            text = "\n".join(old_lines[i1:i2])
            rows.append(DiffRow([Piece(text, False)], [Piece(text, False)]))
            continue
        olds, news = old_lines[i1:i2], new_lines[j1:j2]
        if max(len(olds), len(news)) > WORD_DIFF_LINES:
            rows.append(
                DiffRow(
                    [Piece("\n".join(olds), True)] if olds else None,
                    [Piece("\n".join(news), True)] if news else None,
                )
            )
            continue
        for index in range(max(len(olds), len(news))):
            before = olds[index] if index < len(olds) else None
            after = news[index] if index < len(news) else None
            if before is not None and after is not None:
                rows.append(DiffRow(*_words(before, after, budget)))
            else:
                rows.append(
                    DiffRow(
                        [Piece(before, True)] if before is not None else None,
                        [Piece(after, True)] if after is not None else None,
                    )
                )
    return TextDiff(rows)


@dataclass(frozen=True)
class FieldDiff:
    """One field of a record, as the user typed it and as it is now stored."""

    label: str
    mine: str
    current: str

    @property
    def changed(self) -> bool:
        return self.mine != self.current


def field_diffs(
    labels: dict[str, str], mine: dict[str, str], current: dict[str, str]
) -> list[FieldDiff]:
    """The fields in `labels` order, each with the user's and the stored text."""
    return [
        FieldDiff(label, mine.get(name, ""), current.get(name, ""))
        for name, label in labels.items()
    ]


@dataclass(frozen=True)
class PartDiff:
    """A named part of a plan (a section, the actions, ...) in two versions."""

    label: str
    diff: TextDiff

    @property
    def changed(self) -> bool:
        return self.diff.changed


def parts_diff(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> list[PartDiff]:
    """Compare two lists of (label, text) parts; parts are matched by label, in `new`'s order
    with parts only in `old` after them. All parts share one BUDGET, so a comparison of a plan
    whose every section is long costs no more work than one long section."""
    old_by_label = dict(old)
    new_by_label = dict(new)
    labels = [label for label, _ in new] + [label for label, _ in old if label not in new_by_label]
    budget = Budget(BUDGET)
    return [
        PartDiff(
            label,
            text_diff(old_by_label.get(label, ""), new_by_label.get(label, ""), budget=budget),
        )
        for label in labels
    ]
