"""The `modgen` command line: it only wires the commands each capability defines.

Each capability package has a `cli` module with its click command(s); they are imported lazily so that
`modgen --help` and quick commands do not pay for torch or transformers.
"""

from __future__ import annotations

import importlib
import sys

import click

from modgen import __version__
from modgen.errors import ModgenError


# command name -> "module:attribute"
COMMANDS = {
    "closest": "modgen.similarity.cli:closest",
    "like": "modgen.scaffold.cli:like",
    "init": "modgen.scaffold.cli:init",
    "flatten": "modgen.modular.cli:flatten",
    "modularize": "modgen.modularize.cli:modularize",
    "check": "modgen.copies.cli:check",
    "export": "modgen.export.cli:export",
    "port": "modgen.port.cli:port",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ModgenError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modgen")
def main() -> None:
    """Add models to Hugging Face transformers, or to a library of your own in its style."""
