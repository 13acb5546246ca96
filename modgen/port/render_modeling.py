"""`modeling_NEW.py`, validation mode: the model class builds the original module from the config as
`self.model`, so an original checkpoint loads as it is (transformers adds the `model.` prefix on load), and
wraps its forward in transformers' conventions: keyword inputs, `labels` -> loss, a `ModelOutput`,
`return_dict`."""

from __future__ import annotations

import textwrap

from modgen.port.plan import Port


def modeling_source(port: Port, header: str) -> str:
    task, name = port.task, port.target.name
    generative = task.name == "causal-lm"
    imports = [header, "import torch", ""]
    transformers_names = ["GenerationMixin", "PreTrainedModel"] if generative else ["PreTrainedModel"]
    imports.append(f"from transformers import {', '.join(transformers_names)}")
    imports.append(f"from transformers.modeling_outputs import {task.output}")
    imports.append("")
    imports.append(f"from .configuration_{port.new_name} import {port.config_class}")
    own = sorted({name, *(n for f in port.config.fixed for m, n in f.imports if m == "")})
    imports.append(f"from {port.layout.original_module} import {', '.join(own)}")
    for fixed in port.config.fixed:
        imports.extend(f"from {module} import {n}" for module, n in fixed.imports if module)
    arguments = [f"{f.parameter}=config.{f.name}" for f in port.config.fields]
    arguments += [f"{f.parameter}={f.expression}" for f in port.config.fixed]
    bases = f"{port.pretrained_class}, GenerationMixin" if generative else port.pretrained_class
    main_input = port.inputs[0][0] if port.inputs else "input_ids"
    body = f'''

class {port.pretrained_class}(PreTrainedModel):
    config_class = {port.config_class}
    base_model_prefix = "model"
    main_input_name = "{main_input}"

    def _init_weights(self, module):
        """{name} initialises its own weights when built, and loaded weights are left alone. Only the buffers it
        computes and does not save (non-persistent) are set back, since loading leaves them empty."""
        for buffer_name, value in getattr(self, "_computed_buffers", {{}}).get(module, {{}}).items():
            with torch.no_grad():
                getattr(module, buffer_name).copy_(value)


class {port.model_class}({bases}):
{_tied(port)}    def __init__(self, config: {port.config_class}):
        super().__init__(config)
        # built on the CPU even when from_pretrained builds on the meta device: {name} computes buffers
        with torch.device("cpu"):
            self.model = {name}({", ".join(arguments)})
        self._computed_buffers = {{
            module: {{buffer: getattr(module, buffer).clone() for buffer in module._non_persistent_buffers_set}}
            for module in self.model.modules()
            if module._non_persistent_buffers_set
        }}
        self.post_init()
{_generation(port) if generative else ""}
    def forward(self, {_signature(port)}, return_dict: bool | None = None, **kwargs):
        """{_forward_doc(port)}"""
        return_dict = return_dict if return_dict is not None else self.config.return_dict
{_required(port)}        output = self.model({", ".join(n for n, _ in port.inputs)}, **kwargs)
        {task.output_field} = output{port.probe.output_path}
{_loss(port)}        if not return_dict:
{_tuple(port)}
        return {task.output}({"loss=loss, " if task.loss else ""}{task.output_field}={task.output_field})


__all__ = ["{port.pretrained_class}", "{port.model_class}"]
'''
    return "\n".join(imports) + body


def _tied(port: Port) -> str:
    if not port.ties:
        return ""
    pairs = ", ".join(f'"model.{t}": "model.{s}"' for t, s in port.probe.tied.items())
    return f"    _tied_weights_keys = {{{pairs}}}\n\n"


def _generation(port: Port) -> str:
    return f"""
    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        return False  # {port.target.name} keeps no cache: each step runs on the whole sequence

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        return {{"input_ids": input_ids}}
"""


def _signature(port: Port) -> str:
    names = [f"{n}: torch.Tensor | None = None" for n, _ in port.inputs]
    if port.task.loss:
        names.append("labels: torch.Tensor | None = None")
    return ", ".join(names)


def _forward_doc(port: Port) -> str:
    mapping = ", ".join(f"`{n}` is `{s.parameter}`" for n, s in port.inputs)
    paragraphs = [f"Runs {port.target.name}.forward ({mapping}; other keyword arguments are passed on)."]
    loss = {
        "classification": "cross-entropy of the logits against `labels` (class indices)",
        "shifted": "cross-entropy of each position's logits against the next token of `labels` (-100 is ignored)",
        "aligned": "cross-entropy of the logits against `labels`, position by position (-100 is ignored)",
    }.get(port.task.loss)
    if loss:
        paragraphs.append(f"The loss, when `labels` are given: {loss}.")
    indent = " " * 8
    wrapped = [textwrap.fill(p, 110, subsequent_indent=indent) for p in paragraphs]
    return f"\n\n{indent}".join(wrapped) + (f"\n{indent}" if len(paragraphs) > 1 else "")


def _required(port: Port) -> str:
    lines = ""
    for name, _ in port.inputs:
        lines += f'        if {name} is None:\n            raise ValueError("{port.model_class} needs `{name}`")\n'
    return lines


def _loss(port: Port) -> str:
    loss = port.task.loss
    if loss is None:
        return ""
    field = port.task.output_field
    compute = {
        "classification": f"torch.nn.functional.cross_entropy({field}, labels)",
        "shifted": f"self.loss_function({field}, labels, vocab_size={field}.shape[-1])",
        "aligned": f"torch.nn.functional.cross_entropy({field}.flatten(0, -2), labels.flatten(), ignore_index=-100)",
    }[loss]
    return f"        loss = None\n        if labels is not None:\n            loss = {compute}\n"


def _tuple(port: Port) -> str:
    field = port.task.output_field
    if port.task.loss:
        return f"            return (loss, {field}) if loss is not None else ({field},)"
    return f"            return ({field},)"
