"""Keeping a copy's own blank lines when `--fix` rewrites it.

Blank lines never matter to the check, so a copy may space its code differently from its source. When a
fix rewrites the copy, lines that did not change keep the blank lines the copy had before them: a fix
changes what was wrong and nothing else.
"""

from __future__ import annotations

import difflib


def gaps(lines: list[str]) -> tuple[list[str], list[list[str]], list[str]]:
    """(non-blank lines, the blank lines before each of them, trailing blank lines)."""
    code, before, pending = [], [], []
    for line in lines:
        if line.strip():
            code.append(line)
            before.append(pending)
            pending = []
        else:
            pending.append(line)
    return code, before, pending


def keep_blank_layout(old: list[str], new: list[str]) -> list[str]:
    """`new`, with the blank lines of `old` wherever a line and the one before it are unchanged."""
    old_code, old_before, _ = gaps(old)
    new_code, new_before, new_trailing = gaps(new)
    matched: dict[int, int] = {}  # new index -> old index
    for block in difflib.SequenceMatcher(None, old_code, new_code, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            matched[block.b + k] = block.a + k
    out = []
    for j, line in enumerate(new_code):
        i = matched.get(j)
        same_neighbour = i is not None and (j == 0 and i == 0 or j > 0 and matched.get(j - 1) == i - 1)
        out.extend(old_before[i] if same_neighbour else new_before[j])
        out.append(line)
    return out + new_trailing
