"""Comparing a copy with its source (spec §1.4, §1.7, §1.8), and building the text `--fix` writes.

The expected code is the source with the replace spec applied, `# Ignore copy` blocks taken from the copy, and
(when the marker has a tail) formatted by ruff. Blank lines never matter. Differences from upstream, all of
them fixes: a copy that is a strict prefix of its source (the source gained a line or a method) is a finding at
the copy's last line, not a crash; a top-level copy keeps its own name (the header exemption renames only the
defined name, and `--fix` writes it back with the copy's name); decorators between marker and header are
allowed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from modgen.copies.blocks import Block, DefinitionEnds, block_end, definition, indent_of, reindent, split_blocks
from modgen.copies.grammar import Marker
from modgen.copies.ignore import merge_ignored
from modgen.copies.resolve import Source


DEFINED_NAME = re.compile(r"^(\s*(?:async\s+)?(?:class|def)\s+)(\w+)")


class SiteError(Exception):
    """The copy site of a marker cannot be read (no class or def under it)."""


@dataclass(eq=False)
class Copy:
    """One marker's copy site and everything needed to compare it with its source."""

    path: Path
    marker: Marker
    header: int  # 0-based index of the copy's header line (after any decorators)
    end: int  # one past the copy's last line (an `# End copy` line is not part of it)
    source: Source
    expected_blocks: list[Block] = field(default_factory=list)  # all of them, ignored ones from the copy
    compared_expected: str = ""  # the expected text compared (ignored blocks left out), before formatting
    compared_observed: list[tuple[int, str]] = field(default_factory=list)  # (0-based line, text), no blanks
    own_name: str | None = None  # the copy's defined name for a top-level copy

    @property
    def formats(self) -> bool:
        return self.marker.spec.formats

    def fix_text(self) -> str:
        """The expected code with the copy's own name, as `--fix` writes it (before formatting)."""
        return rename_header("\n".join("\n".join(b.lines) for b in self.expected_blocks), self.own_name)


def copy_site(lines: list[str], marker: Marker, ends: DefinitionEnds | None = None) -> tuple[int, int]:
    """(header, end) of the code under a marker; decorators between the two are skipped."""
    header = marker.line  # the line after the marker, 0-based
    while header < len(lines) and lines[header].lstrip().startswith("@"):
        header += 1
    if header >= len(lines) or definition(lines[header]) is None:
        raise SiteError("the marker is not followed by a class or def")
    return header, block_end(lines, header, stop_at_end_copy=True, ends=ends)


def rename_header(text: str, name: str | None) -> str:
    if name is None:
        return text
    first, _, rest = text.partition("\n")
    first = DEFINED_NAME.sub(lambda m: m.group(1) + name, first, count=1)
    return first + ("\n" + rest if rest else "")


def prepare(path: Path, lines: list[str], marker: Marker, source: Source, ends: DefinitionEnds | None = None) -> Copy:
    """Build the comparison of one marker (raises SiteError, re.error from a bad pattern). `ends`: the file's
    definition ends, for a copy the line rule would end early."""
    header, end = copy_site(lines, marker, ends)
    observed_lines = lines[header:end]
    source_lines = reindent(list(source.block), indent_of(source.block[0]), indent_of(observed_lines[0]))
    spec = marker.spec
    expected = [
        Block(spec.apply(b.name) if b.name else None, spec.apply(b.text).split("\n"), b.is_header)
        for b in split_blocks(source_lines)
    ]
    observed = split_blocks(observed_lines)
    # Where each observed block starts, to map compared lines back to file lines.
    offsets, offset = [], header
    for block in observed:
        offsets.append(offset)
        offset += len(block.lines)

    merged = merge_ignored(expected, observed)
    compared_observed = [
        (offsets[i] + k, line) for i in merged.compared for k, line in enumerate(observed[i].lines) if line.strip()
    ]

    own_name = None
    top = DEFINED_NAME.match(observed_lines[0])
    if top and not top.group(1)[0:1].isspace():
        own_name = top.group(2)
    copy = Copy(path, marker, header, end, source, merged.expected, own_name=own_name)
    copy.compared_expected = "\n".join(b.text for b in merged.expected if id(b) not in merged.ignored)
    copy.compared_observed = compared_observed
    return copy


@dataclass
class Mismatch:
    line: int  # 1-based line of the first difference in the copy's file
    diff: str


def compare(copy: Copy, expected_text: str) -> Mismatch | None:
    """Compare the (formatted when needed) expected text with the copy, blank lines ignored."""
    expected = [line for line in expected_text.split("\n") if line.strip()]
    observed = [text for _, text in copy.compared_observed]
    if expected and observed and expected[0] != observed[0] and copy.own_name is not None:
        # The copy may give a top-level object its own name: only the defined name is exempt.
        renamed = rename_header(expected[0], copy.own_name)
        source_name = DEFINED_NAME.match(expected[0])
        legacy = expected[0].replace(source_name.group(2), copy.own_name) if source_name else renamed
        if observed[0] in (renamed, legacy):
            expected = [observed[0], *expected[1:]]
    if expected == observed:
        return None
    first = next((i for i, (a, b) in enumerate(zip(expected, observed, strict=False)) if a != b), None)
    if first is None:  # one is a prefix of the other
        first = min(len(expected), len(observed))
    if first < len(observed):
        line = copy.compared_observed[first][0] + 1
    else:  # the source has more: report at the end of the copy
        line = (copy.compared_observed[-1][0] + 1) if observed else copy.header + 1
    diff = "".join(
        difflib.unified_diff(
            [line + "\n" for line in observed],
            [line + "\n" for line in expected],
            f"{copy.path}:{copy.header + 1} (copy)",
            f"{copy.marker.reference} (expected)",
            lineterm="\n",
            n=2,
        )
    )
    return Mismatch(line, diff)
