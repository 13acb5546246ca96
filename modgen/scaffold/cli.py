"""`modgen like` and `modgen init`: parse the arguments, call the scaffold package, print."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from modgen.options import repo_option


@click.command()
@click.argument("parent")
@click.option("--name", "new_name", required=True, help="The new model's name, snake_case (e.g. my_model).")
@repo_option("The repository to add it to: a transformers checkout or a project made by `modgen init`.")
@click.option("--dry-run", is_flag=True, help="Print the plan and write nothing.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the plan and what was done as JSON (with --dry-run: the plan only)."
)
def like(parent: str, new_name: str, repo_dir: Path, dry_run: bool, as_json: bool) -> None:
    """Add a model NEW like PARENT (a model type or folder of transformers, or a .py file to find the closest to).

    Writes models/NEW/modular_NEW.py, flattens it, registers NEW with the auto classes, writes its docs and
    tests, runs ruff, all or nothing; then prints what is left to do.
    """
    import json

    from modgen.repo import Repository
    from modgen.scaffold.checklist import checklist
    from modgen.scaffold.plan import make_plan
    from modgen.scaffold.steps import run_plan

    repo = Repository.discover(repo_dir)
    source = Path(parent) if parent.endswith(".py") else None
    if source is not None:
        parent = closest_parent(source, repo)
    plan = make_plan(repo, parent, new_name)
    if source is not None:  # transformers-style code is modularized against PARENT, not scaffolded
        plan.context = dataclasses.replace(plan.context, source=source.resolve())
    if dry_run:
        click.echo(plan.to_json() if as_json else plan.to_text())
        return
    result = run_plan(plan, progress=lambda line: click.echo(line, err=True))
    click.echo(checklist(plan, result), err=as_json)
    if as_json:
        click.echo(json.dumps({**plan.as_dict(), "result": result.as_dict(repo.root)}, indent=2))


def closest_parent(path: Path, repo) -> str:
    """The model closest to a modeling file, as `modgen closest` finds it."""
    from modgen.errors import UsageError
    from modgen.similarity import rank

    if not path.is_file():
        raise UsageError(f"{path} does not exist", hint="give a model type such as 'llama', or a modeling file")
    matches = rank(path, repo.transformers, top=1)
    if not matches:
        raise UsageError(f"found no model of transformers close to {path}", hint="name the parent model instead")
    best = matches[0]
    click.echo(
        f"closest model to {path}: {best.model} (score {best.score:.2f}, explains {best.explained:.0%}); using it as PARENT",
        err=True,
    )
    return best.model


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--package", required=True, help="The project's Python package (snake_case): src/PACKAGE/.")
@click.option("--force", is_flag=True, help="Write into a non-empty DIRECTORY, replacing files of the same names.")
def init(directory: Path, package: str, force: bool) -> None:
    """Create a project that keeps models in transformers' style in DIRECTORY."""
    from modgen.scaffold.init import init_project

    changes = init_project(directory, package, force=force)
    root = directory.resolve()
    click.echo(f"Created project {package} in {directory}:")
    for change in changes:
        click.echo(f"  + {change.path.relative_to(root)}")
    click.echo(f"Next: cd {directory} && modgen like llama --name my_model")
