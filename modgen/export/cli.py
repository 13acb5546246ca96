"""`modgen export`: parse the arguments, call the export package, print."""

from __future__ import annotations

from pathlib import Path

import click

from modgen.options import repo_option


@click.command()
@click.argument("model")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The folder to write (new or empty).")
@repo_option("The `modgen init` project the model belongs to.")
@click.option(
    "--weights",
    type=click.Path(path_type=Path),
    help="A state dict to convert (.safetensors, .bin, .pt); without it the weights are random (seeded).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="A config.json (or a folder save_pretrained wrote) for the sizes; default: the config class's defaults.",
)
@click.option(
    "--preprocessors",
    type=click.Path(path_type=Path, file_okay=False),
    help="A folder with the tokenizer / processor files (as their save_pretrained writes them).",
)
@click.option(
    "--push-script", is_flag=True, help="Also write push_to_hub.py (uploads the folder with huggingface_hub)."
)
@click.option("--repo-id", help="The Hub repository push_to_hub.py uploads to by default (USER/NAME).")
@click.option("--seed", default=0, show_default=True, help="Seed of the random weights.")
@click.option("--license", "license_", default="apache-2.0", show_default=True, help="License in the model card.")
@click.option("--force", is_flag=True, help="Replace --out if it is not empty.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def export(
    model: str,
    out: Path,
    repo_dir: Path,
    weights: Path | None,
    config_path: Path | None,
    preprocessors: Path | None,
    push_script: bool,
    repo_id: str | None,
    seed: int,
    license_: str,
    force: bool,
    as_json: bool,
) -> None:
    """Export MODEL (a model of a `modgen init` project) as a Hub custom-code folder that loads with
    `AutoModel*.from_pretrained(OUT, trust_remote_code=True)`.

    Writes the model's code with flat imports, config.json with auto_map for every Auto class it registers, its
    preprocessors, model.safetensors and README.md (the model card); checks that the folder loads in a clean
    process before moving it into place.
    """
    import json

    from modgen.export.engine import ExportOptions, export_model
    from modgen.export.project import find_model

    source = find_model(model, repo_dir)
    options = ExportOptions(
        out=out,
        weights=weights,
        config=config_path,
        preprocessors=preprocessors,
        push_script=push_script,
        force=force,
        seed=seed,
        license=license_,
        repo_id=repo_id,
    )
    result = export_model(source, options, progress=lambda line: click.echo(line, err=True))
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(f"Exported {result.model_class} ({result.parameters:,} parameters, {result.weights}) to {out}:")
    for name in result.files:
        click.echo(f"  {name}")
    click.echo("auto_map, each loaded from the folder in a clean process:")
    loaded = dict(result.loaded)
    for auto, ref in result.auto_map.items():
        click.echo(f"  {auto}: {ref}" + ("" if auto in loaded else "  (not loaded: see below)"))
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f'Load it: {result.main_auto}.from_pretrained("{out}", trust_remote_code=True)')
