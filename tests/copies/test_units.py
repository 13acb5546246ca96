"""Input/expected pairs for the small pieces: extents, block splitting, blank-line layout, ignore merging."""

from __future__ import annotations

import pytest

from modgen.copies.blocks import DefinitionEnds, block_end, header_end, split_blocks
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


def test_a_block_goes_on_past_a_less_indented_comment_as_python_reads_it():
    lines = [
        "class A:",
        "    x = 1",
        "# a comment at column 0",
        "    y = 2",
        "# the next object's comment",
        "def f():",
    ]
    assert block_end(lines, 0) == 4  # upstream's rule stops at line 2, and a fix would leave `y = 2` behind
    lines = ["class A:", "    x = 1", "  # stray", "", "class B:"]
    assert block_end(lines, 0) == 2


def test_a_block_goes_on_inside_a_docstring_whose_text_is_at_column_0():
    lines = ["def f():", '    """Doc:', "", "text at column 0", '    """', "    return 1", "", "def g():", "    pass"]
    assert block_end(lines, 0) == 2  # the line rule alone (upstream's), trailing blank lines trimmed
    assert block_end(lines, 0, ends=DefinitionEnds(lines)) == 6
    # When the file does not parse, the extent is the line rule's and the header is marked unsure.
    broken = [*lines, "def h(:"]
    ends = DefinitionEnds(broken)
    assert block_end(broken, 0, ends=ends) == 2 and ends.unsure == {0}
    assert ends.syntax_error.lineno == 10


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # A deleted line is put back with the source's spacing, taken out of the blank lines it left behind.
        (["a", "", "c"], ["a", "", "b", "c"], ["a", "", "b", "c"]),
        (["a", "", "", "c"], ["a", "", "b", "", "c"], ["a", "", "b", "", "c"]),
        # ... but not more than there are: the copy had no blank line there (its source does).
        (["a", "c"], ["a", "", "b", "c"], ["a", "b", "c"]),
        # A duplicated line is removed with its (absent) blank lines; the line after keeps its own.
        (["a", "", "b", "b", "", "c"], ["a", "b", "c"], ["a", "", "b", "", "c"]),
        # An inserted line goes, and the blank lines it took go back to the line after it.
        (["a", "", "# x", "b"], ["a", "b"], ["a", "", "b"]),
        # A removed definition is put back with the source's spacing before it, whatever the copy has left.
        (["    def f():", "        pass"], ["    def f():", "        pass", "", "    def g():", "        pass"], None),
    ],
)
def test_keep_blank_layout_shares_the_blank_lines_where_lines_come_and_go(old, new, expected):
    assert keep_blank_layout(old, new) == (new if expected is None else expected)


def test_lines_put_back_at_the_end_take_the_blank_lines_beyond_the_files_separation():
    # `return x` was deleted from the end of a function: its blank line joined the two after the function.
    old = ["def f():", "    y = 1", "", "", ""]
    new = ["def f():", "    y = 1", "    return y"]
    assert keep_blank_layout(old, new, separation=2) == ["def f():", "    y = 1", "", "    return y", "", ""]
    assert keep_blank_layout(old[:-1], new, separation=2) == ["def f():", "    y = 1", "    return y", "", ""]
