"""The replace spec of a marker: the text after the object path (`with Bert->Roberta, A->B all-casing`).

Compatible with transformers' `check_copies.py` (spec §1.6), quirks included, because existing markers rely on
them: every lowercase `with` is deleted, pieces are split on `,`, each piece is `LHS->RHS [all-casing]`, and
patterns are *regular-expression* substitutions applied left to right over the whole text. Pieces that do not
parse are kept in `ignored` so they can be reported instead of silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


PIECE = re.compile(r"^\s*(\S+)->(\S+)(\s+.*|)$")


@dataclass(frozen=True)
class Pattern:
    old: str
    new: str
    all_casing: bool = False

    def apply(self, text: str) -> str:
        text = re.sub(self.old, self.new, text)
        if self.all_casing:
            text = re.sub(self.old.lower(), self.new.lower(), text)
            text = re.sub(self.old.upper(), self.new.upper(), text)
        return text


@dataclass(frozen=True)
class ReplaceSpec:
    """The parsed tail of a marker. `raw` non-empty means the expected code is formatted before comparing."""

    raw: str = ""
    patterns: tuple[Pattern, ...] = ()
    ignored: tuple[str, ...] = ()

    @classmethod
    def parse(cls, tail: str) -> ReplaceSpec:
        tail = tail.strip()
        if not tail:
            return cls()
        patterns, ignored = [], []
        for piece in tail.replace("with", "").split(","):
            match = PIECE.match(piece)
            if match is None:
                if piece.strip():
                    ignored.append(piece.strip())
                continue
            old, new, option = match.groups()
            option = option.strip()
            if option and option != "all-casing":
                ignored.append(option)
            patterns.append(Pattern(old, new, option == "all-casing"))
        return cls(tail, tuple(patterns), tuple(ignored))

    @classmethod
    def renaming(cls, old: str, new: str, *, all_casing: bool = False) -> ReplaceSpec:
        """The spec `with OLD->NEW` (what `add_copied_from_markers` writes)."""
        if old == new:
            return cls()
        raw = f"with {old}->{new}" + (" all-casing" if all_casing else "")
        return cls.parse(raw)

    @property
    def formats(self) -> bool:
        """Upstream formats the expected code exactly when the marker has a tail."""
        return bool(self.raw)

    def apply(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.apply(text)
        return text
