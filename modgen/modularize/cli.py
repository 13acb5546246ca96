"""`modgen modularize`: the modular file of a model that already exists, verified by flattening it back."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--parent",
    "parents",
    multiple=True,
    metavar="MODEL",
    help="A model to inherit from (repeatable; class by class, the closest wins). Default: modgen closest's top 3.",
)
@click.option("--name", help="The model's name (default: from the file names, <type>_<name>.py).")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write DIR/<model folder>/modular_<name>.py."
)
@click.option("--check", is_flag=True, help="Write nothing; print the modular file(s); exit 1 if any would change.")
@click.option("--json", "as_json", is_flag=True, help="Print per class: parent chosen, lines kept, lines saved.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Processes to use.")
@click.option("--force", is_flag=True, help="Overwrite an existing modular file.")
def modularize(
    paths: tuple[Path, ...],
    parents: tuple[str, ...],
    name: str | None,
    out: Path | None,
    check: bool,
    as_json: bool,
    jobs: int,
    force: bool,
) -> None:
    """Write the modular_<model>.py of the model(s) in PATHS (model folders, or their standalone files).

    Each class inherits from the parent class that needs the fewest lines (among the parent models' classes) and
    states only what differs; a class no parent can state is kept whole, and said so. Before anything is written,
    the modular file is flattened with modgen's flattener and compared with the files it came from: only a
    modular file that gives them back (byte for byte, or by syntax tree with the text differences shown) is
    written. Exit status: 0 written, 1 some model not given back (nothing written for it) or --check found
    changes, 2 bad input.
    """
    from modgen.modularize import batch
    from modgen.modularize.inputs import make_jobs

    job_list = make_jobs(list(paths), list(parents), None, name=name, out=out)
    outcomes = batch.run(job_list, processes=jobs)
    for outcome in outcomes:
        if outcome.error is not None:
            click.echo(f"error: {outcome.error}", err=True)
        for line in outcome.lines:
            click.echo(line, err=check or as_json)
    failed = [o for o in outcomes if not o.verified]
    for outcome in failed:
        if outcome.error is None:
            click.echo(
                f"not written: flattening {outcome.job.destination.name} does not give the model back", err=True
            )
    if as_json:
        click.echo(json.dumps([o.report for o in outcomes], indent=2))
    if check:
        changed = [o for o in outcomes if o.verified and _differs(o.job.destination, o.text)]
        if not as_json:
            for outcome in changed:
                click.echo(f"--- {batch.shown_path(outcome.job.destination)}")
                click.echo(outcome.text, nl=False)
        sys.exit(1 if changed or failed else 0)
    written = batch.write(outcomes, force=force)
    for path in written:
        click.echo(f"wrote {batch.shown_path(path)}", err=as_json)
    if any(o.error is not None and o.error.exit_code == 2 for o in outcomes):
        sys.exit(2)
    if failed:
        sys.exit(3 if any(o.error is not None and o.error.exit_code == 3 for o in outcomes) else 1)


def _differs(path: Path, text: str) -> bool:
    return not (path.is_file() and path.read_text(encoding="utf-8") == text)
