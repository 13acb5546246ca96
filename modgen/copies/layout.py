"""Keeping a copy's own blank lines when `--fix` rewrites it.

Blank lines never matter to the check, so a copy may space its code differently from its source. When a
fix rewrites the copy, lines that did not change (or were replaced one for one) keep the blank lines the copy
had before them: a fix changes what was wrong and nothing else.
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
    """`new`, with the blank lines `old` had before each line that is kept or replaced one for one."""
    old_code, old_before, _ = gaps(old)
    new_code, new_before, new_trailing = gaps(new)
    before = list(new_before)
    matcher = difflib.SequenceMatcher(None, old_code, new_code, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            before[j1:j2] = old_before[i1:i2]
    out = []
    for line, blank in zip(new_code, before, strict=True):
        out.extend(blank)
        out.append(line)
    return out + new_trailing
