"""`modgen closest TARGET`: the existing models closest to a file or a model, and why."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from modgen.errors import UsageError
from modgen.repo import Repository, TransformersTree


def tree_for(repo: Path | None) -> TransformersTree:
    """The transformers tree in use: the repository's (checkout or installed), else the installed one."""
    try:
        return Repository.discover(repo or ".").transformers
    except UsageError:
        if repo is not None:
            raise
        return TransformersTree.installed()


@click.command()
@click.argument("target")
@click.option("--top", "-k", default=5, show_default=True, type=click.IntRange(min=1), help="Models to show.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, best first.")
@click.option("--exclude", multiple=True, metavar="MODEL", help="Leave a model out (repeatable).")
@click.option(
    "--against",
    multiple=True,
    metavar="MODEL",
    help="Show this model's class map, wherever it ranks, instead of the closest (repeatable).",
)
@click.option("--repo", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Repository to use.")
@click.option(
    "--jobs",
    "-j",
    default=os.cpu_count() or 1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Processes to build the index.",
)
def closest(
    target: str,
    top: int,
    as_json: bool,
    exclude: tuple[str, ...],
    against: tuple[str, ...],
    repo: Path | None,
    jobs: int,
) -> None:
    """The models closest to TARGET (a .py file or a model name), and which of their classes each of its
    classes is: the same, with small differences, different, or none."""
    from modgen.similarity.ranking import rank

    matches = rank(target, tree_for(repo), top=top, exclude=exclude, against=against, jobs=jobs)
    if as_json:
        click.echo(json.dumps([match.to_json() for match in matches], indent=2))
        return
    for match in matches:
        click.echo(
            f"{match.rank}. {click.style(match.model, bold=True)}  score {match.score:.3f}  "
            f"explains {match.explained:.0%} of {Path(target).name}'s module code"
        )
        width = max(len(c.target) for c in match.classes)
        for pair in match.classes:  # in the target's order: the map a porter follows
            if pair.match is None:
                click.echo(f"     {pair.target:<{width}} -> {'-':<40}       no counterpart")
            else:
                click.echo(f"     {pair.target:<{width}} -> {pair.match:<40} {pair.similarity:.2f}  {pair.verdict}")
