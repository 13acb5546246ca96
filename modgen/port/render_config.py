"""`configuration_NEW.py`: the original constructor's arguments as the fields of a strict config, with the
defaults the pretrained weights use, and the constructor's own checks as its validation."""

from __future__ import annotations

import textwrap

from modgen.port.plan import Port


def config_source(port: Port, header: str) -> str:
    spec = port.config
    uses_any = any(f.annotation == "Any" for f in spec.fields)
    lines = [header, "from typing import Any\n" if uses_any else ""]
    lines += [
        "from huggingface_hub.dataclasses import strict",
        "from transformers.configuration_utils import PreTrainedConfig",
        "",
        "",
        "@strict",
        f"class {port.config_class}(PreTrainedConfig):",
        '    r"""',
        textwrap.fill(
            f"The configuration of [`{port.model_class}`]: the arguments {port.where()} is built with, under the "
            "same names and with the defaults of the weights it was ported with (`modgen port`).",
            115,
            initial_indent="    ",
            subsequent_indent="    ",
        ),
        '    """',
        "",
        f'    model_type = "{port.new_name}"',
        "",
    ]
    for config_field in spec.fields:
        lines.append(f"    {config_field.name}: {config_field.annotation} = {config_field.value!r}")
    if port.ties and not any(f.name == "tie_word_embeddings" for f in spec.fields):
        lines.append(f"    # {port.target.name} shares weights between modules; transformers ties them back on load")
        lines.append("    tie_word_embeddings: bool = True")
    if spec.checks:
        lines += ["", "    def validate_architecture(self):"]
        lines.append(f'        """The checks {port.target.name}.__init__ makes on its arguments."""')
        for check in spec.checks:
            where = f"{port.target.source_file.name}:{check.line}"
            message = (
                f"{check.message} (`{check.requirement}`, {where})"
                if check.message
                else f"{where}: {check.requirement}"
            )
            lines += [f"        if {check.violated}:", f"            raise ValueError({message!r})"]
    lines += ["", "", f'__all__ = ["{port.config_class}"]', ""]
    return "\n".join(lines)
