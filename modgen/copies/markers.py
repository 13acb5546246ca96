"""Writing `# Copied from` markers into generated code (the flattener calls this when markers are on).

For each top-level class or function of a generated file, look for the parent object it was copied from:
the same name with the new model's prefix replaced by the parent's (`BobMLP` -> `LlamaMLP`), or the same name
(`rotate_half`). A marker is added only when the checker itself verifies the copy (same grammar, same
comparison), so every marker written here passes `modgen check`; a modified copy gets none.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from modgen.copies.compare import Copy, SiteError, compare, prepare
from modgen.copies.grammar import Marker, format_marker, parse_marker
from modgen.copies.normalise import Formatter
from modgen.copies.replace import ReplaceSpec
from modgen.copies.resolve import Files, ResolveError, resolve
from modgen.formatting import ruff_config_for
from modgen.repo import TransformersTree


CONFIG_NAME = re.compile(r"\b([A-Z]\w*?)Config\b")
TOP_LEVEL_NAME = re.compile(r"^(?:async\s+)?(?:class|def)\s+(\w+)", re.MULTILINE)


def add_copied_from_markers(generated: str, parents: Sequence[str], tree: TransformersTree) -> str:
    """`generated` with a `# Copied from <parent>.<Name> with Old->New` line above each verbatim copy."""
    lines = generated.split("\n")
    objects = top_level_objects(generated)
    if not objects or not parents:
        return generated
    files = Files()
    parent_names = {}
    for parent in parents:
        path = tree.module_file(parent)
        if path is not None and path.name != "__init__.py":
            parent_names[parent] = TOP_LEVEL_NAME.findall(files.text(path))
    renames = prefix_pairs(generated, [n for _, n, _ in objects], files, tree, parent_names)

    candidates: list[tuple[int, Copy]] = []  # (insertion line, copy to verify)
    for insert_at, name, _ in objects:
        if insert_at > 0 and parse_marker(lines[insert_at - 1], insert_at) is not None:
            continue  # already marked
        for parent, names in parent_names.items():
            for old_prefix, new_prefix in [*renames, ("", "")]:
                if not name.startswith(new_prefix):
                    continue
                source_name = old_prefix + name[len(new_prefix) :]
                if source_name not in names:
                    continue
                for spec in specs_for(source_name, name, old_prefix, new_prefix):
                    copy = candidate(files, tree, lines, insert_at, f"{parent}.{source_name}", spec)
                    if copy is not None:
                        candidates.append((insert_at, copy))
    verified = verify(candidates, tree)
    for insert_at in sorted(verified, reverse=True):
        copy = verified[insert_at]
        lines.insert(insert_at, format_marker("", copy.marker.reference, copy.marker.spec))
    return "\n".join(lines)


def top_level_objects(text: str) -> list[tuple[int, str, int]]:
    """(0-based first line including decorators, name, 0-based header line) of each top-level def/class."""
    try:
        module = ast.parse(text)
    except SyntaxError:
        return []
    found = []
    for node in module.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            found.append((first, node.name, node.lineno - 1))
    return found


def prefix_pairs(
    generated: str, names: list[str], files: Files, tree: TransformersTree, parent_names: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """(old, new) model prefixes, most likely first: from the config classes, then from shared name endings."""
    votes: Counter[tuple[str, str]] = Counter()
    new_config = Counter(CONFIG_NAME.findall(generated))
    for parent in parent_names:
        path = tree.module_file(parent)
        old_config = Counter(CONFIG_NAME.findall(files.text(path))) if path else Counter()
        if new_config and old_config:
            votes[(old_config.most_common(1)[0][0], new_config.most_common(1)[0][0])] += 1000
    all_parent_names = {n for ns in parent_names.values() for n in ns}
    for name in names:
        for source_name in all_parent_names:
            pair = split_common_suffix(source_name, name)
            if pair is not None:
                votes[pair] += 1
    return [pair for pair, _ in votes.most_common() if pair[0] != pair[1]]


def split_common_suffix(old: str, new: str) -> tuple[str, str] | None:
    """`LlamaMLP`, `BobMLP` -> (`Llama`, `Bob`): prefixes before a common CamelCase ending."""
    k = 0
    while k < min(len(old), len(new)) and old[-1 - k] == new[-1 - k]:
        k += 1
    # Move the cut forward to a CamelCase boundary (`aMLP` is not an ending, `MLP` is).
    while k > 0 and not old[len(old) - k].isupper():
        k -= 1
    if k < 2 or k == len(old) or k == len(new):
        return None
    return old[: len(old) - k], new[: len(new) - k]


def specs_for(source_name: str, name: str, old: str, new: str) -> list[ReplaceSpec]:
    renaming = [ReplaceSpec.renaming(old, new), ReplaceSpec.renaming(old, new, all_casing=True)] if old else []
    return [*renaming, ReplaceSpec()] if source_name != name else [ReplaceSpec(), *renaming]


def candidate(
    files: Files, tree: TransformersTree, lines: list[str], insert_at: int, reference: str, spec: ReplaceSpec
) -> Copy | None:
    # A marker whose line is `insert_at` (1-based) sits right above 0-based line `insert_at`.
    marker = Marker(insert_at, "", "transformers", reference.removeprefix("transformers."), spec)
    try:
        source = resolve(files, tree.package_dir, "transformers", marker.object_path)
        return prepare(Path("<generated>"), lines, marker, source)
    except (ResolveError, SiteError, re.error):
        return None


def verify(candidates: list[tuple[int, Copy]], tree: TransformersTree) -> dict[int, Copy]:
    """The first candidate per insertion line that the checker accepts (one ruff run for all of them)."""
    formatter = Formatter(ruff_config_for(tree.package_dir.parent.parent))
    needs_format = [c for _, c in candidates if c.formats and compare(c, c.compared_expected) is not None]
    formatted = formatter.format_many([c.compared_expected for c in needs_format]) if needs_format else {}
    chosen: dict[int, Copy] = {}
    for insert_at, copy in candidates:
        if insert_at in chosen:
            continue
        expected = formatted.get(copy.compared_expected) if copy in needs_format else copy.compared_expected
        if expected is not None and compare(copy, expected) is None:
            chosen[insert_at] = copy
    return chosen
