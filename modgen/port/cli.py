"""`modgen port`: parse the arguments, call the port package, print."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from modgen.options import repo_option


@click.command()
@click.argument("target")
@click.option("--name", "new_name", required=True, help="The new model's name, snake_case (e.g. my_resnet).")
@click.option("--task", default=None, help="The head and Auto class (default: inferred from an example forward).")
@repo_option("The `modgen init` project to add it to (with --beside and a module TARGET: where to write).")
@click.option("--beside", is_flag=True, help="Write a package hf_NEW/ beside the original file (validation mode).")
@click.option(
    "--example",
    "examples",
    multiple=True,
    help='A constructor argument, NAME=EXPR, or an expression that builds the model: "GPT(vocab_size=512)", '
    "\"timm.create_model('resnet18')\". Repeatable.",
)
@click.option("--input", "inputs", multiple=True, help='A forward input, NAME=EXPR: "x=torch.randn(2, 3, 32, 32)".')
@click.option("--dry-run", is_flag=True, help="Print what would be written and write nothing.")
@click.option("--no-verify", is_flag=True, help="Do not run the written tests before keeping the files.")
@click.option("--json", "as_json", is_flag=True, help="Print the port and what was written as JSON.")
def port(
    target: str,
    new_name: str,
    task: str | None,
    repo_dir: Path,
    beside: bool,
    examples: tuple[str, ...],
    inputs: tuple[str, ...],
    dry_run: bool,
    no_verify: bool,
    as_json: bool,
) -> None:
    """Make TARGET (path/to/model.py:Class or package.module:Class), a plain PyTorch nn.Module, a transformers model
    NEW: a config of its constructor's arguments, a PreTrainedModel that builds it and keeps its state-dict keys,
    tests against the original, a model card, Auto registration. All or nothing; the tests run before it ends."""
    from modgen.port.checklist import boxes, checklist, left_to_user
    from modgen.port.engine import Request, make_port, write_port

    command = "modgen port " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if len(sys.argv) > 2 else ""
    request = Request(target, new_name, task, repo_dir, beside, examples, inputs, command)
    plan = make_port(request)
    say = (lambda line: click.echo(line, err=True)) if not dry_run else None
    if dry_run:
        if as_json:
            click.echo(json.dumps({**plan.as_dict(), "left_to_you": left_to_user(plan)}, indent=2))
        else:
            click.echo(
                f"Would port {plan.target.name} as {plan.model_class} ({plan.task.name}) into {plan.layout.root}:"
            )
            for path in plan.files.values():
                click.echo(f"  + {plan.layout.relative(path)}")
            click.echo("Left to you:")
            click.echo("\n".join(boxes(left_to_user(plan))))
        return
    changes = write_port(plan, verify=not no_verify, say=say)
    click.echo(checklist(plan, changes, verified=not no_verify), err=as_json)
    if as_json:
        result = [{"path": plan.layout.relative(c.path), "action": c.action} for c in changes]
        click.echo(json.dumps({**plan.as_dict(), "written": result, "left_to_you": left_to_user(plan)}, indent=2))
