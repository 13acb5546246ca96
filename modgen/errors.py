"""The errors modgen reports to its users.

Every error a user can cause is a `ModgenError`: it knows where it happened (`file:line`), what is wrong and
how to fix it, and the CLI turns it into one clear message and an exit code, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ModgenError(Exception):
    """A problem with the user's input: bad arguments, a file that does not parse, a missing model."""

    message: str
    path: Path | str | None = None
    line: int | None = None
    hint: str | None = None
    # Exit status: 2 for usage and input errors; findings of `modgen check` use 1 and are not errors.
    exit_code: int = 2

    @classmethod
    def from_syntax_error(
        cls, error: Exception, path: Path | str, *, what: str = "syntax error", hint: str | None = None
    ) -> ModgenError:
        """A file that does not parse, at the line Python's `SyntaxError` (or libcst's `ParserSyntaxError`) names."""
        message = getattr(error, "msg", None) or getattr(error, "message", None) or str(error)
        line = getattr(error, "lineno", None) or getattr(error, "raw_line", None)
        return cls(f"{what}: {message}", path=path, line=line, hint=hint or "python -m py_compile FILE shows it too")

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class UsageError(ModgenError):
    """Arguments that cannot work: an unknown model, a taken name, a folder that is not a repository."""
