"""Side-by-side differences of texts and of field values, for conflict pages and version compares.

The result is plain data (pieces of text flagged as changed or not); templates render it with
auto-escaping, wrapping changed pieces in <del>/<ins>. Nothing here produces HTML, so user text
can never reach the page unescaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# Words and the whitespace between them are separate tokens, so a changed word is highlighted
# without its neighbours and the original spacing is kept.
TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


@dataclass(frozen=True)
class DiffRow:
    """One line of a side-by-side diff; `left`/`right` is None where that side has no line."""

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


def _words(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    old_tokens, new_tokens = TOKEN.findall(old), TOKEN.findall(new)
    left: list[Piece] = []
    right: list[Piece] = []
    matcher = SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        if i2 > i1:
            left.append(Piece("".join(old_tokens[i1:i2]), changed))
        if j2 > j1:
            right.append(Piece("".join(new_tokens[j1:j2]), changed))
    return left, right


def text_diff(old: str | None, new: str | None) -> TextDiff:
    """Line-by-line differences of two texts; within a changed pair of lines, word by word."""
    old_lines = normalise_text(old).split("\n")
    new_lines = normalise_text(new).split("\n")
    rows: list[DiffRow] = []
    matcher = SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                DiffRow([Piece(line, False)], [Piece(line, False)]) for line in old_lines[i1:i2]
            )
            continue
        olds, news = old_lines[i1:i2], new_lines[j1:j2]
        for index in range(max(len(olds), len(news))):
            before = olds[index] if index < len(olds) else None
            after = news[index] if index < len(news) else None
            if before is not None and after is not None:
                rows.append(DiffRow(*_words(before, after)))
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
    with parts only in `old` after them."""
    old_by_label = dict(old)
    new_by_label = dict(new)
    labels = [label for label, _ in new] + [label for label, _ in old if label not in new_by_label]
    return [
        PartDiff(label, text_diff(old_by_label.get(label, ""), new_by_label.get(label, "")))
        for label in labels
    ]
