"""All-or-nothing writes to a repository.

Files are staged in a temporary folder on the same filesystem and moved in only when every step succeeded.
If moving in fails half-way, what was moved is put back, so a failure leaves the repository as it was; so does a
failing `verify` (a check of the repository as the commit leaves it, run before the commit returns).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import UsageError


@dataclass
class Change:
    path: Path  # final location, absolute
    action: str  # "create" or "modify"


@dataclass
class Transaction:
    root: Path
    overwrite: bool = False  # replace files that exist (only when the user asked for it)
    _staged: dict[Path, Path] = field(default_factory=dict)
    _staging: Path | None = None

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()

    def __enter__(self) -> Transaction:
        self.root.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=".modgen-staging-", dir=self.root))
        return self

    def __exit__(self, *exc_info) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def staged_path(self, path: Path) -> Path:
        """Where `path` (a final location) is staged; write it there, then `add` it."""
        final = self._final(path)
        return self._staging / final.relative_to(self.root)

    def write(self, path: Path, text: str, *, modify: bool = False) -> Path:
        """Stage `text` for `path`. New files must not exist unless `modify` (an edit) or `overwrite`."""
        final = self._final(path)
        if final.exists() and not (modify or self.overwrite):
            raise UsageError(f"{final} exists; modgen does not overwrite files it was not asked to")
        staged = self.staged_path(final)
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(text, encoding="utf-8")
        self._staged[final] = staged
        return staged

    def read(self, path: Path) -> str:
        """The current text of `path`: staged if written in this transaction, else on disk."""
        final = self._final(path)
        return (self._staged.get(final) or final).read_text(encoding="utf-8")

    @property
    def staged(self) -> dict[Path, Path]:
        """Final path -> staged path of every file written so far."""
        return dict(self._staged)

    @property
    def changes(self) -> list[Change]:
        return [Change(p, "modify" if p.exists() else "create") for p in sorted(self._staged)]

    def commit(self, verify: Callable[[list[Change]], None] | None = None) -> list[Change]:
        """Move every staged file into place, then run `verify` on the result; if either fails, undo what was
        moved (and re-raise)."""
        changes = self.changes
        backups: list[tuple[Path, Path | None]] = []
        backup_dir = self._staging / ".backup"
        try:
            for final, staged in sorted(self._staged.items()):
                backup = None
                if final.exists():
                    backup = backup_dir / final.relative_to(self.root)
                    backup.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(final, backup)
                backups.append((final, backup))
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, final)
            if verify is not None:
                verify(changes)
        except BaseException:
            for final, backup in reversed(backups):
                if backup is None:
                    if final.is_file():
                        final.unlink()
                else:
                    os.replace(backup, final)
            _remove_empty_dirs({final.parent for final, _ in backups}, self.root)
            raise
        self._staged.clear()
        return changes

    def _final(self, path: Path) -> Path:
        final = (self.root / path).resolve()
        if self.root not in (final, *final.parents):
            raise UsageError(f"{final} is outside {self.root}")
        return final


def _remove_empty_dirs(folders: set[Path], root: Path) -> None:
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
