"""What `modgen check` reports: one `Finding` per problem, with its place and a diff when it has one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Finding:
    # "copy" (copy differs), "dangling" (source missing), "marker" (unreadable site), "modular"; and two kinds that
    # never fail a run: "warning" (a marker that checks less than it says), "note" (a comment that reads like one)
    kind: str
    path: Path
    line: int | None
    message: str
    reference: str | None = None  # the marker's `transformers.x.y` or the modular file
    diff: str = ""
    hint: str | None = None
    fixable: bool = True

    @property
    def never_fails(self) -> bool:
        return self.kind in ("warning", "note")

    def to_json(self, root: Path) -> dict:
        data = asdict(self)
        data["path"] = relative(self.path, root)
        return data


def relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
