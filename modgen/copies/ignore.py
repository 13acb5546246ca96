"""`# Ignore copy` (spec §1.8): blocks of a copy that keep their own version.

A block of the copy (its header, an inner definition with the comments above it, or a run of other statements)
that contains `# Ignore copy` is not compared. If the source has a block of the same name (or, for a run of
statements, at the same position), the copy's version takes its place in the expected code; otherwise it is
an extra block, kept after the block that precedes it in the copy (upstream moves it to the end of the class).
"""

from __future__ import annotations

from dataclasses import dataclass

from modgen.copies.blocks import Block
from modgen.copies.grammar import IGNORE_COPY


@dataclass
class Merged:
    expected: list[Block]  # the source's blocks, with the copy's ignored blocks in place
    ignored: set[int]  # ids of the blocks of `expected` that are not compared
    compared: list[int]  # indices of the copy's blocks that are compared


def merge_ignored(expected: list[Block], observed: list[Block]) -> Merged:
    expected = list(expected)
    ignored: set[int] = set()
    compared: list[int] = []
    after = 0  # index in `expected` after which an extra ignored block goes
    statements_seen = 0  # runs of statements of the copy seen so far
    for index, block in enumerate(observed):
        is_statements = block.name is None and not block.blank
        match = find_named(expected, block.name)
        if IGNORE_COPY not in block.text:
            if match is not None:
                after = match
            statements_seen += is_statements
            compared.append(index)
            continue
        if block.name is not None:
            own = Block(block.name, block.lines, block.is_header)
            if match is not None:
                expected[match] = own
                after = match
            else:
                after += 1
                expected.insert(after, own)
            ignored.add(id(own))
        elif is_statements:
            runs = [i for i, b in enumerate(expected) if b.name is None and not b.blank]
            if statements_seen < len(runs):
                own = expected[runs[statements_seen]] = Block(None, block.lines)
                ignored.add(id(own))
            statements_seen += 1
    return Merged(expected, ignored, compared)


def find_named(blocks: list[Block], name: str | None) -> int | None:
    if name is None:
        return None
    return next((i for i, b in enumerate(blocks) if b.name == name), None)
