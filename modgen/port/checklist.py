"""What `modgen port` did, and what is left to the user: what could not become a config field, the numbers left
in code, what the port does not do (processors, cached generation)."""

from __future__ import annotations

from modgen.port.plan import Port
from modgen.transaction import Change


def left_to_user(port: Port) -> list[str]:
    spec, name = port.config, port.target.name
    items = []
    for fixed in spec.fixed:
        items.append(
            f"`{fixed.parameter}={fixed.expression}` is written in modeling_{port.new_name}.py, not the config: a config "
            f"holds JSON values, not classes or functions. To choose it per checkpoint, add a string field and map it"
        )
    for parameter in spec.left_to_original:
        items.append(
            f"`{parameter}` keeps {name}'s default in code (a class or function, not a JSON value); if a checkpoint "
            "needs another one, pass it in modeling code as above"
        )
    for parameter, field in spec.renamed.items():
        items.append(f"`{parameter}` is the config field `{field}`: transformers' base config has a `{parameter}`")
    items.extend(spec.notes)
    if port.literals:
        items.append(
            "numbers written in the constructors' code (hyper-parameters or facts of the architecture? make the "
            f"hyper-parameters arguments of {name}.__init__ and port again to get them as config fields):"
        )
        items.extend(f"    {line}" for line in port.literals)
    if port.task.name in ("image-classification", "audio-classification", "sequence-classification"):
        items.append("set `id2label`/`label2id` in the config so pipelines name the classes")
    items.append(
        {
            "image": "write an image processor (resize, normalise as the original's training did) for pipelines",
            "audio": "write a feature extractor (sampling rate, normalisation) for pipelines",
            "tokens": "give the model a tokenizer (AutoTokenizer) for pipelines and generate() on text",
        }.get(port.inputs[0][1].kind if port.inputs else "", "write a processor if the model needs one")
    )
    if port.task.name == "causal-lm":
        items.append(f"generate() runs {name} on the whole sequence at each step (no key/value cache)")
    if port.task.name == "seq2seq-lm":
        items.append(f"generate() is not supported: {name} has no separate encoder call transformers knows of")
    items.append("convert the original checkpoint (see MODEL_CARD.md) and fill in the model card's TODOs")
    return items


def checklist(port: Port, changes: list[Change], verified: bool) -> str:
    root = port.layout.root
    lines = [f"Ported {port.target.name} as {port.model_class} ({port.task.name}, {port.task.auto}) in {root}:"]
    for change in changes:
        lines.append(f"  {'+' if change.action == 'create' else '~'} {change.path.relative_to(root)}")
    fields = ", ".join(f.name for f in port.config.fields)
    lines.append(f"Config fields ({len(port.config.fields)}): {fields}")
    if verified:
        lines.append(f"The written tests pass ({port.layout.relative(port.layout.tests_file)}).")
    lines.append("Left to you:")
    lines.extend(boxes(left_to_user(port)))
    return "\n".join(lines)


def boxes(items: list[str]) -> list[str]:
    """A box to tick per item; indented items are details of the one above."""
    return [f"  {item}" if item.startswith(" ") else f"  [ ] {item}" for item in items]
