"""Marker lines: `# Copied from transformers.models.bert.modeling_bert.BertSelfOutput with Bert->Roberta`.

A marker is one physical line with nothing but indentation before `#` (spec §1.2). Files under the repository's
`tests/` use the root `tests`, every other file `transformers`; the other root is not a marker there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from modgen.copies.replace import ReplaceSpec


IGNORE_COPY = "# Ignore copy"
END_COPY = "# End copy"


@cache
def marker_regex(root: str) -> re.Pattern:
    return re.compile(rf"^(\s*)#\s*Copied from\s+{re.escape(root)}\.(\S+\.\S+)\s*($|\S.*$)")


@dataclass(frozen=True)
class Marker:
    """A marker found at `line` (1-based) of a file."""

    line: int
    indent: str
    root: str  # "transformers" or "tests"
    object_path: str  # without the root: `models.bert.modeling_bert.BertSelfOutput`
    spec: ReplaceSpec

    @property
    def reference(self) -> str:
        return f"{self.root}.{self.object_path}"


def parse_marker(text: str, line: int, root: str = "transformers") -> Marker | None:
    """The marker on one line, or None."""
    if "Copied from" not in text:
        return None
    match = marker_regex(root).match(text)
    if match is None:
        return None
    indent, object_path, tail = match.groups()
    return Marker(line, indent, root, object_path, ReplaceSpec.parse(tail))


def find_markers(lines: list[str], root: str = "transformers") -> list[Marker]:
    """Every marker line of a file (nested ones too; the checker decides which ones it evaluates)."""
    return [m for number, text in enumerate(lines, 1) if (m := parse_marker(text, number, root)) is not None]


LOOKALIKE = re.compile(r"#.*\bcopied from\s+\S+\.\S+", re.IGNORECASE)


def find_lookalikes(lines: list[str], root: str = "transformers") -> list[int]:
    """1-based lines that read like a marker but are not one (lowercase, text before it, another root...)."""
    return [
        number
        for number, text in enumerate(lines, 1)
        if "opied from" in text and LOOKALIKE.search(text) and parse_marker(text, number, root) is None
    ]


def format_marker(indent: str, reference: str, spec: ReplaceSpec) -> str:
    return f"{indent}# Copied from {reference}" + (f" {spec.raw}" if spec.raw else "")
