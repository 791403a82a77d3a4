"""kam.diffing: side-by-side text differences that stay correct for normal texts and cost
bounded work (and output) for the largest texts a plan accepts, whatever their shape."""

import random

import pytest

from kam import bounds, diffing
from kam.bench.management.commands.bench_diff import shapes


def sides(diff):
    """The two texts read back from the rows, and the changed pieces of each side."""
    left = [row.left for row in diff.rows if row.left is not None]
    right = [row.right for row in diff.rows if row.right is not None]

    def text(cells):
        return "\n".join("".join(piece.text for piece in cell) for cell in cells)

    def changed(cells):
        return [piece.text for cell in cells for piece in cell if piece.changed]

    return text(left), text(right), changed(left), changed(right)


def test_identical_texts_are_one_unchanged_row():
    diff = diffing.text_diff("One\nTwo\nThree", "One\nTwo\nThree")

    assert not diff.changed
    assert diff.rows == [
        diffing.DiffRow(
            [diffing.Piece("One\nTwo\nThree", False)], [diffing.Piece("One\nTwo\nThree", False)]
        )
    ]


def test_a_changed_word_is_marked_alone_and_other_lines_are_unchanged():
    old = "Buys on total cost.\nPlant in Linz.\nQuality first."
    new = "Buys on total cost.\nPlant in Graz.\nQuality first."

    diff = diffing.text_diff(old, new)

    assert [row.changed for row in diff.rows] == [False, True, False]
    assert sides(diff) == (old, new, ["Linz."], ["Graz."])


def test_added_and_removed_lines_have_no_counterpart():
    diff = diffing.text_diff("Keep\nGone\nAlso kept", "Keep\nAlso kept\nNew at the end")

    assert [(row.left is None, row.right is None) for row in diff.rows] == [
        (False, False),
        (False, True),
        (False, False),
        (True, False),
    ]
    assert sides(diff)[2:] == (["Gone"], ["New at the end"])


def test_windows_line_ends_compare_equal_to_unix_ones():
    assert not diffing.text_diff("One\r\nTwo", "One\nTwo").changed


WORDS = [
    "the",
    "customer",
    "buys",
    "on",
    "cost",
    "of",
    "ownership",
    "market",
    "leader",
    "quality",
    "delivery",
    "plant",
]


def random_pair(seed):
    """A text of up to 40 lines and a copy with a few lines added, removed or reworded."""
    rng = random.Random(seed)
    lines = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
        for _ in range(rng.randint(0, 40))
    ]
    edited = list(lines)
    for _ in range(rng.randint(0, 6)):
        where = rng.randrange(len(edited) + 1)
        if rng.random() < 0.4 or not edited:
            edited.insert(where, " ".join(rng.choice(WORDS) for _ in range(5)))
        elif rng.random() < 0.5:
            del edited[min(where, len(edited) - 1)]
        else:
            edited[min(where, len(edited) - 1)] += f" {rng.choice(WORDS)}"
    return "\n".join(lines), "\n".join(edited)


@pytest.mark.parametrize("seed", range(200))
def test_both_texts_are_read_back_from_the_rows_and_only_changes_are_marked(seed):
    old, new = random_pair(seed)

    diff = diffing.text_diff(old, new)

    assert sides(diff)[:2] == (old, new)
    assert diff.changed == (old != new)
    for row in diff.rows:
        if not row.changed:
            assert row.left == row.right


def test_one_word_changed_in_a_maximum_size_text_is_found_exactly():
    lines = [f"Paragraph {n}: the customer buys on total cost of ownership." for n in range(800)]
    old = "\n".join(lines)[: bounds.MAX_TEXT]
    new = old.replace("Paragraph 400: the customer", "Paragraph 400: our customer")

    diff = diffing.text_diff(old, new)

    assert [row.changed for row in diff.rows] == [False, True, False]
    assert sides(diff)[2:] == (["the"], ["our"])


@pytest.mark.parametrize("shape", list(shapes(bounds.MAX_TEXT)))
def test_a_maximum_size_pathological_pair_gives_a_correct_bounded_diff(shape):
    old, new = shapes(bounds.MAX_TEXT)[shape]
    assert len(old) <= bounds.MAX_TEXT and len(new) <= bounds.MAX_TEXT

    diff = diffing.text_diff(old, new)

    assert sides(diff)[:2] == (old, new)
    # No more rows than lines, no more text than the two texts hold.
    assert len(diff.rows) <= old.count("\n") + new.count("\n") + 2
    shown = sum(len(p.text) for row in diff.rows for p in (row.left or []) + (row.right or []))
    assert shown <= len(old) + len(new)


def middle_moved():
    """30 lines, and the same with a line added before and after the middle ten."""
    lines = [f"Point {n}" for n in range(30)]
    return "\n".join(lines), "\n".join(
        [*lines[:10], "Added", *lines[10:20], "Also added", *lines[20:]]
    )


def test_within_the_budget_lines_between_changes_are_matched():
    old, new = middle_moved()

    diff = diffing.text_diff(old, new)

    assert sides(diff)[2:] == ([], ["Added", "Also added"])


def test_past_the_budget_the_lines_between_changes_are_shown_changed(monkeypatch):
    monkeypatch.setattr(diffing, "BUDGET", 0)
    old, new = middle_moved()

    diff = diffing.text_diff(old, new)

    assert sides(diff)[:2] == (old, new)
    # The common start and end cost nothing and are still found; the middle is not compared.
    assert [row.changed for row in diff.rows] == [False] + [True] * 12 + [False]


def test_a_long_rewritten_block_is_one_row_of_removed_and_added_lines():
    old = "\n".join(f"old {n}" for n in range(diffing.WORD_DIFF_LINES + 1))
    new = "\n".join(f"new {n}" for n in range(diffing.WORD_DIFF_LINES + 1))

    diff = diffing.text_diff(old, new)

    assert diff.rows == [diffing.DiffRow([diffing.Piece(old, True)], [diffing.Piece(new, True)])]


def test_a_page_of_pathological_parts_shares_one_budget_and_stays_correct():
    pairs = list(shapes(bounds.MAX_TEXT).values())
    old = [(f"Part {n}", a) for n, (a, _) in enumerate(pairs)]
    new = [(f"Part {n}", b) for n, (_, b) in enumerate(pairs)]

    parts = diffing.parts_diff(old, new)

    assert [part.label for part in parts] == [label for label, _ in new]
    for part, (a, b) in zip(parts, pairs, strict=True):
        assert sides(part.diff)[:2] == (a, b)
        assert part.changed
