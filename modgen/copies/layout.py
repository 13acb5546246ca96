"""Keeping a copy's own blank lines when `--fix` rewrites it.

Blank lines never matter to the check, so a copy may space its code differently from its source. When a fix
rewrites the copy, lines that did not change (or were replaced one for one) keep the blank lines the copy had
before them: a fix changes what was wrong and nothing else. Where the fix removes or puts back lines, the blank
lines the copy has at that place are shared out: a removed line's go to the next line kept; a line put back
takes the source's spacing out of them (a line deleted by hand left its blank lines behind, which must not end
up twice once it is back), except a definition, which always gets the source's spacing, as ruff would.
"""

from __future__ import annotations

import difflib

from modgen.copies.blocks import definition


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


def opens_definition(line: str) -> bool:
    return definition(line) is not None or line.lstrip().startswith("@")


def keep_blank_layout(old: list[str], new: list[str], separation: int | None = None) -> list[str]:
    """`new`'s code with `old`'s blank lines, as far as the two agree line for line.

    `old` may end with the blank lines that follow the copy in its file; `separation` says how many of them the
    file's style puts there (ruff's: two before a top-level statement, one inside a class). Lines put back at the
    end of the copy take their spacing out of the others, and those beyond `separation` were the spacing of
    removed last lines: they go back before them.
    """
    old_code, old_before, old_trailing = gaps(old)
    new_code, new_before, _ = gaps(new)
    before: list[list[str]] = [[] for _ in new_code]
    trailing = list(old_trailing)
    matcher = difflib.SequenceMatcher(None, old_code, new_code, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            before[j1:j2] = old_before[i1:i2]
            continue
        # The blank lines at this place: those of the removed lines and those before the next line kept.
        at_end = i2 == len(old_code)
        pool = [blank for i in range(i1, i2) for blank in old_before[i]]
        pool += trailing if at_end else old_before[i2]
        reserve = (separation or 0) if at_end else 0
        if j1 < j2:
            want = len(new_before[j1])
            give = want if opens_definition(new_code[j1]) else min(want, max(0, len(pool) - reserve))
            before[j1:j2] = new_before[j1:j2]
            before[j1] = (pool[:give] + new_before[j1])[:give]
            pool = pool[give:]
        if at_end:
            if j1 < j2 and separation is not None and len(pool) > separation:
                before[j1] = pool[: len(pool) - separation] + before[j1]
                pool = pool[len(pool) - separation :]
            trailing = pool
        else:
            kept = new_code[j2]
            if opens_definition(kept) and len(pool) < len(new_before[j2]):
                pool = new_before[j2]
            old_before[i2] = pool  # picked up by the next (equal) opcode
    out = []
    for line, blank in zip(new_code, before, strict=True):
        out.extend(blank)
        out.append(line)
    return out + trailing
