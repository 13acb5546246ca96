"""Registering a new model inside transformers itself (a checkout or the sdist), as 5.23 lays it out.

* `models/NEW/__init__.py`: the lazy module every model folder has (`define_import_structure`);
* `models/__init__.py`: `from .NEW import *` in the `TYPE_CHECKING` block, sorted;
* `models/auto/auto_mappings.py`, `modeling_auto.py`, `tokenization_auto.py`: a renamed copy of every entry of the
  parent, inserted where `utils/sort_auto_mappings.py` would put it (mappings are sorted by model type).

All edits go through libcst; the text around them is left byte for byte as it was.
"""

from __future__ import annotations

import bisect
import tempfile
from pathlib import Path

import libcst as cst

from modgen.formatting import ruff_config_for, run_ruff
from modgen.scaffold.context import LikeContext
from modgen.scaffold.mappings import NewEntry, entry_key, mapping_list
from modgen.transaction import Transaction


def add_entries(source: str, entries: list[NewEntry]) -> str:
    """`source` (an auto file) with each entry inserted, sorted by key, into the mapping it belongs to."""
    by_mapping: dict[str, list[NewEntry]] = {}
    for entry in entries:
        by_mapping.setdefault(entry.mapping, []).append(entry)
    module = cst.parse_module(source)
    body = list(module.body)
    for index, statement in enumerate(body):
        found = mapping_list(statement)
        if found is None or found[0] not in by_mapping:
            continue
        name, old_list = found
        new_list = old_list
        for entry in by_mapping.pop(name):
            new_list = insert_sorted(new_list, entry.key, entry.value)
        body[index] = statement.deep_replace(old_list, new_list)
    return module.with_changes(body=body).code


def insert_sorted(elements: cst.List, key: str, value: cst.BaseExpression) -> cst.List:
    """`elements` with `(key, value)` inserted before the first larger key, formatted like its neighbours."""
    items = list(elements.elements)
    keys = [entry_key(e) or "" for e in items]
    if key in keys:
        return elements  # already registered
    position = bisect.bisect_right(keys, key) if keys == sorted(keys) else _first_larger(keys, key)
    new_tuple = cst.Tuple([cst.Element(cst.SimpleString(f'"{key}"')), cst.Element(value)])
    if not items:
        return elements.with_changes(elements=[cst.Element(new_tuple)])
    middle_comma = items[0].comma if len(items) > 1 else _first_separator(elements)
    if position < len(items):
        new = items[position].with_changes(value=new_tuple, comma=middle_comma)
        items.insert(position, new)
    else:
        last = items[-1]
        items[-1] = last.with_changes(comma=middle_comma)
        items.append(last.with_changes(value=new_tuple))
    return elements.with_changes(elements=items)


def _first_separator(elements: cst.List) -> cst.Comma:
    """The comma between two elements of a one-element list, laid out as the list opens: on a new line at the
    element's indentation in a list written one element per line (comments above the element stay above it)."""
    opening = elements.lbracket.whitespace_after
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=opening.with_changes(empty_lines=[]))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _first_larger(keys: list[str], key: str) -> int:
    return next((i for i, k in enumerate(keys) if k > key), len(keys))


def add_star_import(source: str, module_name: str) -> str:
    """`models/__init__.py` with `from .NAME import *` added, sorted, in its `if TYPE_CHECKING:` block."""
    module = cst.parse_module(source)
    body = list(module.body)
    for index, statement in enumerate(body):
        if (
            isinstance(statement, cst.If)
            and isinstance(statement.test, cst.Name)
            and statement.test.value == "TYPE_CHECKING"
        ):
            lines = list(statement.body.body)
            names = [_relative_module(line) for line in lines]
            if module_name in names:
                return source
            new_line = cst.parse_statement(f"from .{module_name} import *")
            position = _first_larger([n or "" for n in names], module_name)
            lines.insert(position, new_line)
            body[index] = statement.with_changes(body=statement.body.with_changes(body=lines))
            return module.with_changes(body=body).code
    raise ValueError("no `if TYPE_CHECKING:` block")


def _relative_module(line: cst.BaseStatement) -> str | None:
    if (
        isinstance(line, cst.SimpleStatementLine)
        and isinstance(node := line.body[0], cst.ImportFrom)
        and node.relative
        and isinstance(node.module, cst.Name)
    ):
        return node.module.value
    return None


LAZY_INIT = """\
from typing import TYPE_CHECKING

from ...utils import _LazyModule
from ...utils.import_utils import define_import_structure


if TYPE_CHECKING:
{imports}
else:
    import sys

    _file = globals()["__file__"]
    sys.modules[__name__] = _LazyModule(__name__, _file, define_import_structure(_file), module_spec=__spec__)
"""


def model_init(context: LikeContext, header: str, file_types: list[str]) -> str:
    """`models/NEW/__init__.py` in 5.23's generated style: its banner (the parent's, renamed), licence, lazy module."""
    banner = _init_banner(context)
    modules = sorted(f"{file_type}_{context.new_name}" for file_type in file_types)
    imports = "\n".join(f"    from .{name} import *" for name in modules)
    return banner + header + LAZY_INIT.format(imports=imports)


def _init_banner(context: LikeContext) -> str:
    """The `utils/check_inits.py` banner of the parent's `__init__.py`, pointing at the new folder."""
    parent_init = context.parent.folder / "__init__.py"
    lines = []
    for line in parent_init.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.startswith("#") or "Copyright" in line:
            break
        lines.append(line)
    old = f"models/{context.parent.name}`"
    return "".join(lines).replace(old, f"models/{context.new_name}`")


def register(
    context: LikeContext, transaction: Transaction, entries: list[NewEntry], header: str, file_types: list[str]
) -> None:
    """Stage every registration edit of the new model in transformers itself."""
    models_dir = context.repo.models_dir
    transaction.write(context.model_dir / "__init__.py", model_init(context, header, file_types))
    init = models_dir / "__init__.py"
    edit_formatted(transaction, init, add_star_import(transaction.read(init), context.new_name), context.repo.root)
    for file in sorted({entry.file for entry in entries}):
        path = models_dir / "auto" / file
        edited = add_entries(transaction.read(path), [e for e in entries if e.file == file])
        edit_formatted(transaction, path, edited, context.repo.root)


def edit_formatted(transaction: Transaction, path: Path, edited: str, root: Path) -> None:
    """Stage an edit of a file of the repository, formatted as ruff formats it when the file was (an added entry
    whose value spans lines, an element after a last one: the edit alone keeps the file as `ruff format --check`
    found it); a file that was not stays as it was around the edit."""
    original = transaction.read(path)
    if original != edited and _formatted(original, path.name, root):
        edited = format_only(edited, path.name, root)
    transaction.write(path, edited, modify=True)


def _formatted(text: str, name: str, root: Path) -> bool:
    return format_only(text, name, root) == text


def format_only(text: str, name: str, root: Path) -> str:
    """`text` after `ruff format` (no lint fixes) with the repository's settings."""
    with tempfile.TemporaryDirectory(prefix="modgen-format-") as scratch:
        path = Path(scratch) / name
        path.write_text(text, encoding="utf-8")
        run_ruff([path], ruff_config_for(root), fix=False, cwd=Path(scratch))
        return path.read_text(encoding="utf-8")
