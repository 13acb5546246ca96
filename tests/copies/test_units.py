"""Input/expected pairs for the small pieces: extents, block splitting, blank-line layout, ignore merging."""

from __future__ import annotations

import pytest

from modgen.copies.blocks import block_end, header_end, split_blocks
from modgen.copies.ignore import merge_ignored
from modgen.copies.layout import keep_blank_layout


CLASS = """\
class A(nn.Module):
    x = 1

    # a comment about f
    @property
    def f(
        self,
        y: "str" = ")",
    ) -> int:
        return 1

    def g(self):  # trailing
        return 2
    z = 3
class B:
    pass""".splitlines()


@pytest.mark.parametrize(
    ("start", "expected"),
    [(0, 1), (5, 9), (11, 12), (14, 15)],
)
def test_header_end(start, expected):
    assert header_end(CLASS, start) == expected


def test_block_end_stops_at_the_first_less_indented_line_and_at_end_copy():
    assert block_end(CLASS, 0) == 14
    assert block_end(CLASS, 5) == 10
    lines = ["def f():", "    a = 1", "    # End copy", "    b = 2"]
    assert block_end(lines, 0) == 4
    assert block_end(lines, 0, stop_at_end_copy=True) == 2


def test_split_blocks_names_definitions_and_takes_comments_and_decorators_above_them():
    blocks = split_blocks(CLASS[:14])
    assert [(b.name, len(b.lines)) for b in blocks] == [
        ("class A", 1),
        (None, 2),
        ("def f", 7),
        (None, 1),
        ("def g", 2),
        (None, 1),
    ]
    assert blocks[2].lines[0] == "    # a comment about f"


def test_keep_blank_layout_keeps_the_copys_blank_lines_around_unchanged_lines():
    old = ["def f():", "", "    a = 1", "    b = 2", "", "    return a"]
    new = ["def f():", "    a = 1", "    b = 3", "    return a"]
    assert keep_blank_layout(old, new) == ["def f():", "", "    a = 1", "    b = 3", "", "    return a"]
    inserted = ["def f():", "    a = 1", "    c = 0", "    d = 0", "    b = 2", "    return a"]
    assert keep_blank_layout(old, inserted) == [
        "def f():",
        "",
        "    a = 1",
        "    c = 0",
        "    d = 0",
        "    b = 2",
        "",
        "    return a",
    ]
    assert keep_blank_layout(old, ["def f():", "    a = 1", "    b = 2", "    return a"]) == old


def test_merge_ignored_puts_the_copys_own_blocks_in_place():
    source = split_blocks(["class A:", "    def f(self):", "        return 1", "    def g(self):", "        return 2"])
    copy = split_blocks(
        [
            "class A:",
            "    # Ignore copy",
            "    def f(self):",
            "        return 9",
            "    # Ignore copy",
            "    def h(self):",
            "        return 3",
            "    def g(self):",
            "        return 2",
        ]
    )
    merged = merge_ignored(source, copy)
    assert [b.name for b in merged.expected] == ["class A", "def f", "def h", "def g"]
    assert merged.expected[1].lines[-1] == "        return 9"
    assert {id(merged.expected[1]), id(merged.expected[2])} == merged.ignored
    assert [copy[i].name for i in merged.compared] == ["class A", "def g"]
