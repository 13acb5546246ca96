"""What `modgen like` did, and what is left to the user: printed once everything is in place."""

from __future__ import annotations

from modgen.scaffold.plan import Plan
from modgen.scaffold.steps import Result


def checklist(plan: Plan, result: Result) -> str:
    context = plan.context
    root = context.repo.root
    lines = [f"Created {context.new_prefix} ({context.new_name}) like {context.parent_prefix} in {root}:"]
    for change in result.changes:
        mark = "+" if change.action == "create" else "~"
        lines.append(f"  {mark} {change.path.relative_to(root)}")
    modular = context.modular_path.relative_to(root)
    left = [
        f"edit {modular}: keep the classes that differ from {context.parent_prefix}'s, write what differs, "
        f"delete the rest; then `modgen flatten {modular}`",
        f"set the config defaults and the checkpoint in the docstring of {context.new_config_class}",
        "write a weight conversion script (convert_<original>_to_hf.py) for the original checkpoints",
        "add an integration test with a real checkpoint (expected outputs from the original implementation)",
    ]
    if context.in_transformers:
        left.insert(2, f"fill in docs/source/en/model_doc/{context.new_name}.md (paper, authors, usage, release date)")
    else:
        left.insert(2, f"fill in the {context.new_prefix} section of README.md (what differs, checkpoints, paper)")
    if "TOKENIZER_MAPPING_NAMES" in {e.mapping for e in plan.entries}:
        left.append(f"{context.new_name} reuses {context.parent_prefix}'s tokenizer; give it its own if it needs one")
    left.extend(result.notes)
    left.extend(f"test by hand what the generated tests cannot: {part}" for part in result.untested)
    lines.append("Left to you:")
    lines.extend(f"  [ ] {item}" for item in left)
    return "\n".join(lines)
