"""Running `modgen port`: understand the original (import, arguments, config, a forward), write every file in one
`Transaction`, format them with ruff, then run the written tests as the user would (pytest in a new process);
a port whose tests fail is taken back out, and nothing is left half-written."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from modgen.errors import ModgenError, UsageError
from modgen.formatting import format_sources, ruff_config_for
from modgen.naming import is_valid_model_name
from modgen.port import card
from modgen.port.example import constructor_arguments
from modgen.port.layout import beside_layout, project_layout
from modgen.port.literals import hyper_parameter_literals
from modgen.port.plan import Port
from modgen.port.probe import probe
from modgen.port.render_config import config_source
from modgen.port.render_modeling import modeling_source
from modgen.port.render_tests import tests_source
from modgen.port.signature import config_spec
from modgen.port.target import load_target
from modgen.port.tasks import TASKS
from modgen.scaffold.modular_writer import LICENSE
from modgen.scaffold.register_project import ProjectInit, render_init
from modgen.transaction import Change, Transaction


@dataclass
class Request:
    target: str
    new_name: str
    task: str | None = None
    repo_dir: Path = Path(".")
    beside: bool = False
    examples: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    command: str = ""


def make_port(request: Request) -> Port:
    """Everything about the port, found without writing anything."""
    if not is_valid_model_name(request.new_name):
        raise UsageError(
            f"invalid model name {request.new_name!r}: a name is snake_case and a valid module name",
            hint="e.g. --name my_resnet",
        )
    if request.task is not None and request.task not in TASKS:
        raise UsageError(f"unknown task {request.task!r}", hint=f"one of: {', '.join(TASKS)}")
    target = load_target(request.target)
    layout_of = beside_layout if request.beside else project_layout
    layout = layout_of(request.repo_dir, request.new_name, target)
    arguments = constructor_arguments(target, request.examples)
    spec = config_spec(target, arguments)
    found = probe(target, arguments, request.inputs, request.task)
    literals = hyper_parameter_literals(found.model, target.cls)
    return Port(target, request.new_name, TASKS[found.task], spec, found, layout, literals, request.command)


def sources(port: Port) -> dict[Path, str]:
    """Every file of the port, formatted as the repository formats its code."""
    layout, files = port.layout, port.files
    header = ""
    if layout.kind == "project":
        owner = f"The {layout.package.split('.')[0]} Authors"
        header = LICENSE.format(year=datetime.date.today().year, owner=owner)
    python = {
        files["config"]: config_source(port, header),
        files["modeling"]: modeling_source(port, header),
        files["init"]: init_source(port, header),
        files["tests"]: tests_source(port),
    }
    formatted = format_sources({str(p): t for p, t in python.items()}, ruff_config_for(layout.root))
    written = {path: formatted[str(path)] for path in python}
    written[files["card"]] = card.model_card(port)
    if "original" in files:
        written[files["original"]] = port.target.file.read_text(encoding="utf-8")
    for extra in layout.extra:
        written[extra] = ""
    return written


def init_source(port: Port, header: str) -> str:
    """The model package's `__init__.py`: its classes, registered with the Auto classes (scaffold's code path)."""
    init = ProjectInit()
    init.add((), imports=[f"from .configuration_{port.new_name} import {port.config_class}"])
    init.add((), imports=[f"from .modeling_{port.new_name} import {port.pretrained_class}, {port.model_class}"])
    init.add((), calls=[f'AutoConfig.register("{port.new_name}", {port.config_class}, exist_ok=True)'])
    init.add((), calls=[f"{port.task.auto}.register({port.config_class}, {port.model_class}, exist_ok=True)"])
    init.autos.add(port.task.auto)
    return render_init(init, header)


def write_port(port: Port, *, verify: bool = True, say: Callable[[str], None] = lambda _: None) -> list[Change]:
    layout = port.layout
    readme = layout.readme
    with Transaction(layout.root) as transaction:
        for path, text in sources(port).items():
            transaction.write(path, text)
        if readme is not None:
            current = readme.read_text(encoding="utf-8") if readme.is_file() else ""
            text = current.rstrip("\n") + "\n" + card.readme_section(port)
            transaction.write(readme, text, modify=readme.is_file())
        check = (lambda _: run_tests(port, say)) if verify else None
        return transaction.commit(verify=check)


def run_tests(port: Port, say: Callable[[str], None]) -> None:
    """The written tests, run as the user runs them: pytest in a new process, from the repository's root."""
    tests = port.layout.tests_file
    say(f"running the written tests: python -m pytest {port.layout.relative(tests)}")
    environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # a failed port leaves no __pycache__ behind
    path = [str(p) for p in port.layout.pythonpath]
    environment["PYTHONPATH"] = os.pathsep.join([*path, environment.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)]
    result = subprocess.run(command, cwd=port.layout.root, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
        raise ModgenError(
            f"the tests written for {port.new_name} fail, so nothing was written:\n{tail}",
            hint="--no-verify writes the port anyway, to debug it",
            exit_code=1,
        )
    say("      " + (result.stdout.strip().splitlines() or ["passed"])[-1])
