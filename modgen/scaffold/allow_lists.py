"""The repository's own checkers exempt some classes by name: `OBJECTS_TO_IGNORE` in `utils/check_docstrings.py`,
`SPECIAL_CASES_TO_ALLOW` in `utils/check_config_attributes.py`, `IGNORE_NON_TESTED` in `utils/check_repo.py`...
A new model made like an exempt parent is its renamed copy, so it needs the same exemptions: wherever a parent's
class is listed (a string element of a list, tuple or set, or a key of a dict, in a top-level assignment of a
`utils/check_*.py` script), the new class is listed right after it, with the same value and comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import libcst as cst


def checker_scripts(root: Path) -> list[Path]:
    """The repository's checker scripts (a transformers checkout has them; the sdist has none)."""
    utils = root / "utils"
    return sorted(utils.glob("check_*.py")) if utils.is_dir() else []


def _string(node: cst.BaseExpression) -> str | None:
    return node.evaluated_value if isinstance(node, cst.SimpleString) else None


def _renamed(node: cst.SimpleString, new: str) -> cst.SimpleString:
    quote = node.quote
    return node.with_changes(value=node.prefix + quote + new + quote)


class ListNewClasses(cst.CSTTransformer):
    """Add the new class after each listed parent class, in collection literals of top-level assignments."""

    def __init__(self, renamed: Mapping[str, str]) -> None:
        super().__init__()
        self.renamed = renamed
        self.added = 0

    # Function and class bodies hold no lists of exempt names.
    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False

    def _copy_after(self, elements, key):
        new_elements = []
        for index, element in enumerate(elements):
            name = key(element)
            if name in self.renamed and not any(key(e) == self.renamed[name] for e in elements):
                copy = self._with_name(element, self.renamed[name])
                if index == len(elements) - 1 and isinstance(element.comma, cst.MaybeSentinel):
                    element = element.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                new_elements += [element, copy]
                self.added += 1
            else:
                new_elements.append(element)
        return new_elements

    @staticmethod
    def _with_name(element, new: str):
        if isinstance(element, cst.DictElement):
            return element.with_changes(key=_renamed(element.key, new))
        return element.with_changes(value=_renamed(element.value, new))

    def _leave_sequence(self, original, updated):
        elements = self._copy_after(list(updated.elements), lambda e: _string(getattr(e, "value", None)))
        return updated.with_changes(elements=elements)

    leave_List = leave_Tuple = leave_Set = _leave_sequence

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
        elements = self._copy_after(list(updated.elements), lambda e: _string(getattr(e, "key", None)))
        return updated.with_changes(elements=elements)


def list_new_classes(source: str, renamed: Mapping[str, str]) -> tuple[str, int]:
    """`source` (a checker script) with each new class listed after its parent class; and how many were added."""
    transformer = ListNewClasses(renamed)
    edited = cst.parse_module(source).visit(transformer)
    return edited.code, transformer.added


def scripts_listing(root: Path, renamed: Mapping[str, str]) -> list[Path]:
    """The checker scripts of the repository that list one of the parent's classes (`renamed`'s keys)."""
    return [
        path
        for path in checker_scripts(root)
        if any(f'"{name}"' in (text := path.read_text(encoding="utf-8")) or f"'{name}'" in text for name in renamed)
    ]
