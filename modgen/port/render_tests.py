"""`test_modeling_NEW.py`: `templates/test_modeling_port.py` with the port's facts (the original's arguments, the
inputs, where its output is, the loss), its placeholder names replaced, and the tests its task has no use for
dropped (no loss for a feature extractor, `generate()` only for a causal LM)."""

from __future__ import annotations

import re

import libcst as cst

from modgen.port.plan import Port
from modgen.scaffold.render import drop_definitions, set_constants, templates_dir


TEMPLATE = "test_modeling_port.py"
ORIGINAL_IMPORT = "from original_package.original_module import OriginalModel"


def tests_source(port: Port) -> str:
    module = cst.parse_module((templates_dir() / TEMPLATE).read_text(encoding="utf-8"))
    module = set_constants(module, _constants(port))
    dropped = []
    if port.task.loss is None:
        dropped.append("test_loss_from_labels")
    if port.task.name != "causal-lm":
        dropped += ["test_generate_matches_greedy_original", "GENERATED_TOKENS"]
    text = drop_definitions(module, dropped).code
    text = text.replace(ORIGINAL_IMPORT, "\n".join(_original_imports(port)))
    names = {
        "PortedConfig": port.config_class,
        "PortedForTask": port.model_class,
        "AutoModelForTask": port.task.auto,
        "OriginalModel": port.target.name,
    }
    text = re.sub(r"\b(" + "|".join(names) + r")\b", lambda m: names[m.group(1)], text)
    return text.replace("ported_package.models.ported", port.layout.package)


def _constants(port: Port) -> dict[str, str]:
    arguments = [f"{f.parameter!r}: {f.value!r}" for f in port.config.fields]
    arguments += [f"{f.parameter!r}: {f.expression}" for f in port.config.fixed]
    inputs = [f"{name!r}: ({s.dtype!r}, {s.shape!r}, {s.high!r})" for name, s in port.inputs]
    path = port.probe.output_path
    return {
        "MODEL_TYPE": repr(port.new_name),
        "ORIGINAL_ARGUMENTS": "{" + ", ".join(arguments) + "}",
        "INPUTS": "{" + ", ".join(inputs) + "}",
        "OUTPUT_KEY": "None" if not path else path[1:-1],
        "LOSS": repr(port.task.loss),
    }


def _original_imports(port: Port) -> list[str]:
    module = port.layout.original_tests_module
    own = sorted({port.target.name, *(n for f in port.config.fixed for m, n in f.imports if m == "")})
    lines = [f"from {module} import {', '.join(own)}"]
    for fixed in port.config.fixed:
        lines.extend(f"from {m} import {n}" for m, n in fixed.imports if m)
    return lines
