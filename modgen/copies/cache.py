"""A content-keyed cache that makes repeated checks fast.

Keys are hashes of everything a result depends on (file contents, ruff version and configuration, modgen's
own code), so an entry can never be stale: a changed input is a different key. It lives in the repository's
`.cache/modgen/` (or `$XDG_CACHE_HOME/modgen/` when the repository cannot be written) as one pickle file,
loaded once and saved once per run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path


MAX_ENTRIES = 200_000


def cache_dir_for(root: Path) -> Path:
    folder = root / ".cache" / "modgen"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    xdg = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "modgen"
    xdg.mkdir(parents=True, exist_ok=True)
    return xdg / hashlib.sha256(str(root).encode()).hexdigest()[:16]


class Cache:
    """A dict persisted to `path` (no persistence when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: dict = {}
        self.dirty = False
        if path is not None and path.is_file():
            try:
                self.data = pickle.loads(path.read_bytes())
            except Exception:  # a corrupt or incompatible cache is only a slower run
                self.data = {}

    @classmethod
    def for_repo(cls, root: Path, name: str = "check.pickle") -> Cache:
        return cls(cache_dir_for(root) / name)

    def get(self, key: str):
        return self.data.get(key)

    def set(self, key: str, value) -> None:
        if self.data.get(key) != value:
            self.data[key] = value
            self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        if len(self.data) > MAX_ENTRIES:
            self.data = dict(list(self.data.items())[-MAX_ENTRIES // 2 :])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Atomic replace: two concurrent runs never leave a torn file.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".check-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(self.data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)
        self.dirty = False


def digest(*parts: str | bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode() if isinstance(part, str) else part)
        sha.update(b"\0")
    return sha.hexdigest()
