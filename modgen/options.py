"""Options several commands share, declared once."""

from __future__ import annotations

from pathlib import Path

import click


def repo_option(help: str):  # noqa: A002 (click's own keyword)
    """`--repo DIR` (default: the current folder): the repository or project a command works in."""
    return click.option(
        "--repo", "repo_dir", type=click.Path(path_type=Path), default=".", show_default=True, help=help
    )
