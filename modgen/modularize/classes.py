"""A class of the target against a class of a parent: the modular class that states only what differs.

The flattener rebuilds a class from its parent's: the parent's docstring, attributes and methods in the parent's
order, the modular class's attributes replacing the parent's in place (`x = AttributeError()` removing one), its
methods replacing the parent's (a method that only raises removing one), its new methods appended, its
decorators and bases replacing the parent's. So a target class can inherit from a parent class when its
statements come in that order; then each statement the parent does not have alike is stated, in the shortest
form the flattener turns back into it (`methods.py`). The result is checked by merging it with the flattener's
own `merge_class` and comparing with the target: a class that does not come back is kept whole.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property

from modgen.errors import ModgenError
from modgen.modular.casing import Casing
from modgen.modular.class_body import ATTRIBUTE, CLASS, DOCSTRING, METHOD, BodyStatement, ClassPieces, cut_class
from modgen.modular.merge import merge_class
from modgen.modularize import methods
from modgen.modularize.code import CLASS_PREFIX, code_lines, code_tokens, comments, normalized, same_code
from modgen.modularize.parents import ParentClass


INDENT = methods.INDENT
FORMS = ("super_kwargs", "unroll", "full")


@dataclass
class TargetClass:
    """A class of a target file: its text (a top-level statement, comments above it included) and tree."""

    name: str
    text: str
    node: ast.ClassDef

    @classmethod
    def of_text(cls, text: str) -> TargetClass:
        node = next(stmt for stmt in ast.parse(text).body if isinstance(stmt, ast.ClassDef))
        return cls(node.name, text, node)

    @property
    def pieces(self) -> ClassPieces:
        return pieces_of(self.text, self.node)


def pieces_of(text: str, node: ast.ClassDef) -> ClassPieces:
    first_line = 1
    pieces = cut_class(text, first_line, node, None)
    if pieces is None:
        import libcst as cst

        return ClassPieces.of_node(cst.parse_module(text).body[0])
    return pieces


@dataclass
class ClassPlan:
    """How the modular file states one class of the target."""

    name: str
    parent: ParentClass | None  # None: kept whole
    text: str  # the modular class, with the blank lines above it
    forms: dict[str, str] = field(default_factory=dict)  # method -> form used (full, unroll, delete, new, ...)
    reason: str = ""  # why the class is kept whole, when it is
    alike: frozenset[str] = frozenset()  # the parent modules whose class of that name is this class, renamed

    @property
    def identical(self) -> bool:
        """The parent's class as it is (`class X(Parent): pass`, nothing else)."""
        return self.parent is not None and self.text.strip() == f"class {self.name}({self.parent.name}):\n{INDENT}pass"

    @cached_property
    def lines(self) -> int:
        return code_lines(self.text)

    @cached_property
    def tokens(self) -> int:
        return code_tokens(self.text)

    @property
    def size(self) -> tuple[int, int]:
        return self.lines, self.tokens


def whole(target: TargetClass, reason: str) -> ClassPlan:
    return ClassPlan(target.name, None, "\n\n" + target.text.lstrip("\n"), reason=reason)


class CannotInherit(Exception):
    """The target class cannot be stated as a subclass of this parent class."""


def diff_class(target: TargetClass, parent: ParentClass, casing: Casing, model_cased: str) -> ClassPlan:
    """The modular class stating `target` as a subclass of `parent`; raises CannotInherit."""
    if is_identical(target, parent):
        return ClassPlan(target.name, parent, f"\n\nclass {target.name}({parent.name}):\n{INDENT}pass\n")
    mine, theirs = target.pieces, parent.pieces
    header = _header(target, parent, theirs)
    base = ast.unparse(target.node.bases[0]) if target.node.bases else None
    statements, forms, candidates = _body(mine, theirs, model_cased, base)
    # Each method in its shortest form; where the class does not come back so (the unroller's tables are the
    # class's, shared by its methods), every method in full.
    attempts = [{key: options[0] for key, options in candidates.items()}]
    in_full = {key: next((o for o in options if o[0] == "full"), options[0]) for key, options in candidates.items()}
    if in_full != attempts[0]:
        attempts.append(in_full)
    for chosen in attempts:
        text = _compose(header, statements, chosen, theirs)
        if _merges_back(text, target, parent, casing):
            return ClassPlan(target.name, parent, text, {**forms, **{key: form for key, (form, _) in chosen.items()}})
    raise CannotInherit("merging the stated differences into the parent's class does not give the class back")


def is_identical(target: TargetClass, parent: ParentClass) -> bool:
    """The parent's class, renamed, is the target's to the letter (blank lines aside)."""
    return parent.renamed == target.name and normalized(parent.text) == normalized(target.text)


# -- header ------------------------------------------------------------------------------------------------------


def _header(target: TargetClass, parent: ParentClass, theirs: ClassPieces) -> str:
    """The modular class's decorators and `class` line."""
    node = target.node
    parent_node = ast.parse(_header_source(theirs) + INDENT + "pass\n").body[0]
    if [ast.dump(k) for k in node.keywords] != [ast.dump(k) for k in parent_node.keywords]:
        raise CannotInherit("its class keywords differ from the parent's")
    mine, their = comments(_leading_comments(target.text)), comments(_leading_comments(_header_source(theirs)))
    if mine != their:
        shown = next((c for c in (*mine, *their) if (c in mine) != (c in their)), (*mine, *their)[0])
        raise CannotInherit(f"the comments above it differ from the parent's ({shown[:60]!r})")
    bases = [ast.unparse(base) for base in node.bases]
    parent_bases = [ast.unparse(base) for base in parent_node.bases]
    extras = [base for base in bases if base not in parent_bases]
    stated = ", ".join([parent.name, *extras])
    decorators = [ast.unparse(d) for d in node.decorator_list]
    parent_decorators = [ast.unparse(d) for d in parent_node.decorator_list]
    if decorators == parent_decorators:
        decorator_text = ""
    elif not decorators:
        decorator_text = "@no_inherit_decorator\n"
    else:
        decorator_text = _decorator_source(target.text, node)
    return f"{decorator_text}class {target.name}({stated}):\n"


def _header_source(pieces: ClassPieces) -> str:
    header = pieces._header
    if isinstance(header, str):
        return header
    from modgen.modular.class_body import print_header

    return print_header(header)


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def _decorator_source(text: str, node: ast.ClassDef) -> str:
    lines = text.splitlines(keepends=True)
    first = min(d.lineno for d in node.decorator_list)
    return "".join(lines[first - 1 : node.lineno - 1])


# -- body --------------------------------------------------------------------------------------------------------


def _kinds(pieces: ClassPieces) -> tuple[BodyStatement | None, dict[str, BodyStatement], dict[str, BodyStatement]]:
    docstring = None
    attributes: dict[str, BodyStatement] = {}
    found_methods: dict[str, BodyStatement] = {}
    for statement in pieces.statements:
        kind = statement.kind
        if kind == DOCSTRING:
            docstring = statement
        elif kind == ATTRIBUTE:
            if statement.target in attributes:
                raise CannotInherit(f"attribute {statement.target} is assigned twice")
            attributes[statement.target] = statement
        elif kind == METHOD:
            if statement.key in found_methods:
                raise CannotInherit(f"method {statement.key} is defined twice")
            found_methods[statement.key] = statement
        elif kind == CLASS:
            raise CannotInherit("it holds a nested class")
        elif _is_placeholder(statement):
            continue  # `pass` or `...`: what the flattener prints for an empty body, and drops otherwise
        else:
            raise CannotInherit("its body holds a statement other than a docstring, attribute or method")
    return docstring, attributes, found_methods


def _is_placeholder(statement: BodyStatement) -> bool:
    return statement.text.strip() in ("pass", "...")


def _body(mine: ClassPieces, theirs: ClassPieces, model_cased: str, base: str | None):
    """The modular statements: docstring, attributes, then methods (each with its candidate forms)."""
    my_doc, my_attributes, my_methods = _kinds(mine)
    their_doc, their_attributes, their_methods = _kinds(theirs)
    statements: dict[str, str] = {}  # key -> text (docstring, attributes, deletions, new methods)
    forms: dict[str, str] = {}
    candidates_of: dict[str, list[tuple[str, str]]] = {}
    if my_doc is not None and (their_doc is None or not same_code(my_doc.text, their_doc.text)):
        statements["<docstring>"] = my_doc.text
    elif my_doc is None and their_doc is not None:
        raise CannotInherit("the parent's class docstring would be merged in")

    # Attributes: the parent's order, replaced in place; new ones after them all.
    shared = [name for name in their_attributes if name in my_attributes]
    mine_order = list(my_attributes)
    if [name for name in mine_order if name in their_attributes] != shared:
        raise CannotInherit("its attributes come in another order than the parent's")
    if shared and any(name not in their_attributes for name in mine_order[: mine_order.index(shared[-1])]):
        raise CannotInherit("a new attribute comes before the parent's")
    first = next((st for st in mine.statements if st.kind != DOCSTRING), None)
    for name, statement in my_attributes.items():
        theirs_ = their_attributes.get(name)
        # Blank lines between attributes stay as the merged statements have them (above the first, ruff's).
        spaced = statement is first or _blank_above(statement) == _blank_above(theirs_ or statement)
        if theirs_ is not None and spaced and same_code(statement.text, theirs_.text):
            continue
        statements[f"attribute {name}"] = statement.text
    for name in their_attributes:
        if name not in my_attributes and name not in my_methods:
            statements[f"attribute {name}"] = f"{INDENT}{name} = AttributeError()\n"
            forms[name] = "delete"

    # Methods: the parent's order (those the target keeps), then the new ones.
    kept = [key for key in their_methods if key in my_methods and key not in my_attributes]
    mine_keys = list(my_methods)
    if mine_keys[: len(kept)] != kept:
        raise CannotInherit("its methods come in another order than the parent's, or new ones come first")
    for key in kept:
        target = methods.Method(my_methods[key].text, base)
        parent = methods.Method(their_methods[key].text)
        if same_code(target.text, parent.text) or same_code(
            _without_leading(target.text), _without_leading(parent.text)
        ):
            continue
        candidates = []
        for form in FORMS:
            text = getattr(methods, form)(target, parent)
            if text is not None:
                candidates.append((form, text))
        if not candidates:
            raise CannotInherit(f"no override of {key} merges back into the target's")
        candidates.sort(key=lambda item: (code_lines(item[1]), code_tokens(item[1])))
        candidates_of[key] = candidates
    for key in their_methods:
        if key not in my_methods and key not in my_attributes:
            if key.endswith("_setter"):
                raise CannotInherit(f"it drops the parent's property setter {key}")
            statements[f"delete {key}"] = methods.deletion(their_methods[key].name, model_cased)
            forms[key] = "delete"
    for key in mine_keys[len(kept) :]:
        stated = methods.Method(my_methods[key].text, base).as_stated()
        if stated is None:
            raise CannotInherit(f"its method {key} calls super().{key}() and has no base to call explicitly")
        statements[f"new {key}"] = "\n" + _without_leading(stated)
        forms[key] = "new"
    return statements, forms, candidates_of


def _blank_above(statement: BodyStatement) -> bool:
    return not statement.text.split("\n", 1)[0].strip()


def _without_leading(text: str) -> str:
    """A statement's text from its first non-blank line (its comments above it kept)."""
    lines = text.splitlines(keepends=True)
    while lines and not lines[0].strip():
        lines.pop(0)
    return "".join(lines)


def _compose(header: str, statements: dict[str, str], overrides: dict[str, tuple[str, str]], theirs) -> str:
    """The modular class's text: docstring, removed attributes, attributes, methods, then deleted methods (a method
    that only raises right under the `class` line is not a deletion: they need a statement above them).

    An attribute keeps in the generated class the blank lines the modular file has above it; ruff puts one under
    a docstring and none under the `class` line, so an attribute that needs the other comes after a statement
    whose blank lines do not matter (a removed attribute, a method)."""
    docstring = [statements["<docstring>"]] if "<docstring>" in statements else []
    removed = [t for k, t in statements.items() if k.startswith("attribute ") and t.endswith("= AttributeError()\n")]
    attributes = [t for k, t in statements.items() if k.startswith("attribute ") and t not in removed]
    stated = [text for _, text in overrides.values()] + [t for k, t in statements.items() if k.startswith("new ")]
    deletions = [t for k, t in statements.items() if k.startswith("delete ")]
    if attributes and not removed and stated and _starts_blank(attributes[0]) != bool(docstring):
        stated, attributes = stated[1:], [stated[0], *attributes]
    body = docstring + removed + attributes + stated
    if deletions and not body:
        body.append(_filler(theirs))
    body += deletions
    return "\n\n" + header + ("".join(body) or f"{INDENT}pass\n")


def _starts_blank(text: str) -> bool:
    return not text.split("\n", 1)[0].strip()


def _filler(theirs: ClassPieces) -> str:
    """A statement that changes nothing, to stand above a deletion: the parent's first attribute, else `pass`."""
    for statement in theirs.statements:
        if statement.kind == ATTRIBUTE and "\n" not in statement.text.strip():
            return INDENT + statement.text.strip() + "\n"
    return f"{INDENT}pass\n"


def _merges_back(text: str, target: TargetClass, parent: ParentClass, casing: Casing) -> bool:
    """Whether the flattener's merge of the modular class `text` into `parent` gives `target` back."""
    source = text.lstrip("\n")
    try:
        modular = pieces_of(source, ast.parse(source).body[0])
    except SyntaxError:
        return False

    def error(message: str, hint: str | None = None) -> ModgenError:
        return ModgenError(message, hint=hint)

    try:
        merged = merge_class(modular, parent.pieces, parent.renamed, parent.name, casing, error)
    except (ModgenError, LookupError, AttributeError, ValueError):
        return False
    return normalized(merged.code) == normalized(target.text) or same_code(merged.code, target.text, in_class=False)


__all__ = ["CLASS_PREFIX", "CannotInherit", "ClassPlan", "TargetClass", "diff_class", "whole"]
