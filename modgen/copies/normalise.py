"""Formatting expected code as transformers' checker does (`ruff format`), but in one batch.

Upstream starts one `ruff format` process per marker with a replace spec (669 on 5.23.0, most of its run
time). Here every snippet of a run is formatted by ONE ruff process over a temporary folder, and results are
kept in a content-keyed cache (snippet, ruff version, ruff configuration), so a warm run formats nothing.

Indented code is wrapped in dummy classes (`class Bla:`), one per indentation level, so that ruff sees the
same line length budget as in the file; the wrappers are stripped afterwards.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from pathlib import Path

from modgen.copies.cache import Cache
from modgen.formatting import ruff_binary


WRAPPER = "class Bla:"


def wrap(text: str) -> tuple[str, int]:
    first = next((line for line in text.split("\n") if line.strip()), "")
    levels = (len(first) - len(first.lstrip())) // 4
    wrappers = [("    " * level) + WRAPPER for level in range(levels)]
    return "\n".join([*wrappers, text]) + "\n", levels


def unwrap(text: str, levels: int) -> str:
    return "\n".join(text.split("\n")[levels:]).rstrip("\n")


class Formatter:
    """`ruff format` for many snippets at once, with a persistent cache."""

    def __init__(self, config: Path, cache: Cache | None = None) -> None:
        self.config = config
        self.cache = cache or Cache(None)
        salt = ruff_version() + "\0" + config.read_text(encoding="utf-8")
        self.salt = hashlib.sha256(salt.encode()).hexdigest()
        self.calls = 0  # ruff processes started, for the benchmark

    def key(self, text: str) -> str:
        return "fmt:" + hashlib.sha256((self.salt + text).encode()).hexdigest()

    def format_many(self, texts: list[str]) -> dict[str, str | None]:
        """text -> formatted text (None when it does not parse)."""
        results: dict[str, str | None] = {}
        missing = []
        for text in dict.fromkeys(texts):
            cached = self.cache.get(self.key(text))
            if cached is not None:
                results[text] = cached or None  # "" caches "does not parse"
            else:
                missing.append(text)
        if missing:
            for text, formatted in zip(missing, self._run(missing), strict=True):
                results[text] = formatted
                self.cache.set(self.key(text), formatted or "")
        return results

    def _run(self, texts: list[str]) -> list[str | None]:
        self.calls += 1
        with tempfile.TemporaryDirectory(prefix="modgen-check-") as tmp:
            paths, levels = [], []
            for index, text in enumerate(texts):
                wrapped, level = wrap(text)
                path = Path(tmp, f"s{index}.py")
                path.write_text(wrapped, encoding="utf-8")
                paths.append(path)
                levels.append(level)
            command = [ruff_binary(), "format", "--config", str(self.config), "--no-cache", "--quiet"]
            result = subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, cwd=tmp)
            failed = set(re.findall(r"(s\d+\.py)", result.stderr)) if result.returncode else set()
            return [
                None if path.name in failed else unwrap(path.read_text(encoding="utf-8"), level)
                for path, level in zip(paths, levels, strict=True)
            ]


_RUFF_VERSION: str | None = None


def ruff_version() -> str:
    global _RUFF_VERSION
    if _RUFF_VERSION is None:
        try:
            from importlib.metadata import version

            _RUFF_VERSION = version("ruff")
        except Exception:  # ruff installed without metadata: ask the binary
            _RUFF_VERSION = subprocess.run([ruff_binary(), "--version"], capture_output=True, text=True).stdout
    return _RUFF_VERSION
