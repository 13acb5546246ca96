"""`MODEL_CARD.md` (the Hub's README of the model: front matter, description, usage with the real class names,
how it was converted, a citation to fill in) and the section a project's README gets."""

from __future__ import annotations

import importlib.metadata

from modgen.port.plan import Port


def license_of(port: Port) -> str:
    """The license of the original's distribution when it is an installed package (timm: apache-2.0), else
    `other`: modgen cannot know the license of a file."""
    if port.target.file is not None:
        return "other"
    top = port.target.module_name.split(".")[0]
    for distribution in importlib.metadata.packages_distributions().get(top, []):
        metadata = importlib.metadata.metadata(distribution)
        text = (metadata.get("License-Expression") or metadata.get("License") or "").strip().lower()
        classifiers = " ".join(metadata.get_all("Classifier") or []).lower()
        if "apache" in text or "apache software license" in classifiers:
            return "apache-2.0"
        if text in ("mit", "mit license") or "mit license" in classifiers:
            return "mit"
        if text.startswith("bsd") or "bsd license" in classifiers:
            return "bsd-3-clause"
    return "other"


def model_card(port: Port) -> str:
    task, package = port.task, port.layout.package
    license_name = license_of(port)
    fields = "\n".join(f"| `{f.name}` | `{f.value!r}` | {f.origin} |" for f in port.config.fields) or "| | | |"
    fixed = "".join(f"\n- `{f.parameter}={f.expression}` is written in the modeling code" for f in port.config.fixed)
    kept = "".join(
        f"\n- `{name}` keeps the original's default (not a JSON value)" for name in port.config.left_to_original
    )
    checks = "".join(f"\n- `{c.requirement}` (line {c.line}) is checked by the config" for c in port.config.checks)
    license_note = "" if license_name != "other" else "\nTODO: state the license of the original code and weights.\n"
    inputs = "\n".join(f"{name} = {_example(s)}" for name, s in port.inputs)
    return f"""---
library_name: transformers
pipeline_tag: {task.pipeline_tag}
license: {license_name}
tags:
- modgen-port
---

# {port.prefix}

{port.prefix} is {port.where()} ported to transformers with `modgen port`: `{port.model_class}` builds the original
module from `{port.config_class}` and runs it unchanged, so it gives the original's outputs on the original's
weights.

TODO: what the model is, what it was trained on, its checkpoints.
{license_note}
## Usage

```python
import torch
import {package}  # registers {port.prefix} with transformers' Auto classes
from transformers import {task.auto}

model = {task.auto}.from_pretrained("path/to/checkpoint")  # a folder with config.json and the weights
{inputs}
outputs = model({", ".join(f"{name}={name}" for name, _ in port.inputs)})
{task.output_field} = outputs.{task.output_field}
```

The classes are `{port.config_class}`, `{port.pretrained_class}` and `{port.model_class}` (registered with
`AutoConfig` under `"{port.new_name}"` and with `{task.auto}`).

## How it was converted

`{port.command}`

- The config's fields are the arguments of `{port.target.name}.__init__`, with the defaults of the ported weights:

| field | default | from |
| --- | --- | --- |
{fields}
{fixed}{kept}{checks}
- An original checkpoint loads as it is: its keys are the original module's, which `{port.model_class}` holds
  as `model` (transformers adds the `model.` prefix on load). To convert one:
  `{port.model_class}.from_pretrained(folder)` where the folder holds this config's `config.json` and the original
  `pytorch_model.bin`; then `save_pretrained`.
- The generated tests check the same outputs as the original (atol 1e-5, one example and a batch), the original
  state dict loading with no missing or unexpected key, save/load, and the Auto classes.

## Citation

```bibtex
TODO: the paper or repository of the original model
```
"""


def _example(spec) -> str:
    shape = ", ".join(str(n) for n in (1, *spec.shape))
    if spec.dtype == "long":
        return f"torch.randint(0, {spec.high}, ({shape}))  # token ids"
    return f"torch.randn({shape})  # TODO: a real, preprocessed input"


def readme_section(port: Port) -> str:
    return f"""
## {port.prefix}

`{port.new_name}` is {port.where()} ported with `modgen port` (task `{port.task.name}`). Importing
`{port.layout.package}` registers it with transformers' Auto classes (model type `"{port.new_name}"`,
`{port.task.auto}`). Its model card is `{port.layout.relative(port.files["card"])}`.

Classes:

- `{port.config_class}`
- `{port.pretrained_class}`
- `{port.model_class}`
"""
