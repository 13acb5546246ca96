"""`modgen check`: Copied-from markers and modular files in sync (`make repo-consistency`, `make fix-copies`)."""

from __future__ import annotations

import sys

import click

from modgen.copies import default_jobs


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Rewrite stale copies from their sources and regenerate generated files.")
@click.option("--changed", is_flag=True, help="Check only what changed since --base, and what depends on it.")
@click.option("--base", default="HEAD", show_default=True, help="The revision --changed compares with.")
@click.option(
    "--repo", "repo_dir", type=click.Path(file_okay=False), default=".", help="The repository (default: cwd)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for CI.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=default_jobs(),
    show_default=True,
    help="Processes for flattening.",
)
@click.option("--no-modular", is_flag=True, help="Skip the modular sync check.")
@click.option(
    "--notes", "show_notes", is_flag=True, help="Also list comments that read like markers but are not (never fail)."
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache in .cache/modgen/.")
def check(paths, fix, changed, base, repo_dir, as_json, jobs, no_modular, show_notes, no_cache) -> None:
    """Check `# Copied from` markers and that generated files match their modular files.

    Exit 0 when clean, 1 with findings, 2 on bad usage or input. PATHS (as pre-commit passes them) narrow the
    check to those files and what depends on them.
    """
    from modgen.copies.report import as_json as json_report
    from modgen.copies.report import as_text
    from modgen.copies.run import run_check
    from modgen.errors import UsageError
    from modgen.repo import Repository

    if base != "HEAD" and not changed:
        raise UsageError("--base only makes sense with --changed")
    repo = Repository.discover(repo_dir)
    report = run_check(
        repo,
        paths=list(paths),
        changed=changed,
        base=base,
        fix=fix,
        jobs=jobs,
        modular=not no_modular,
        use_cache=not no_cache,
    )
    click.echo(json_report(report) if as_json else as_text(report, notes=show_notes))
    sys.exit(report.exit_code)
