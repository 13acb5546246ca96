"""Modularizing one model: plan, write, flatten, compare, repair, until the modular file gives the target back.

The first plan states the least: classes that differ from their parent, public classes nothing pulls in,
functions no parent holds alike. Each round flattens the candidate with modgen's flattener and compares with the
target files; what comes back different is stated more explicitly (a class out of place is written where the
target has it, a class that does not merge back is kept whole, a function written out) and the next round
checks again. A modular file is only ever returned with the check of its own flattening.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from modgen.modular.convert import casing_for
from modgen.modular.mapper import ast_names
from modgen.modular.parent_mapper import modular_value_wins
from modgen.modularize.classes import TargetClass, whole
from modgen.modularize.code import code_lines
from modgen.modularize.imports import Binding
from modgen.modularize.parents import ParentModules, parent_module
from modgen.modularize.plan import Definition, Plan, build_plan, class_names, close
from modgen.modularize.target import TargetModel
from modgen.modularize.verify import Check, check, format_modular
from modgen.modularize.writer import header_variant, render
from modgen.repo import TransformersTree


MAX_ROUNDS = 12


@dataclass
class Result:
    target: TargetModel
    text: str  # the modular file
    plan: Plan
    check: Check
    rounds: int


def no_inherit_binding(target: TargetModel) -> Binding:
    inside = TransformersTree.containing(target.folder) is not None
    return Binding("...utils.generic" if inside else "transformers.utils.generic", "no_inherit_decorator")


def modularize_model(target: TargetModel, parent_paths: list[Path], tree: TransformersTree, config: Path) -> Result:
    casing = casing_for(tree)
    own = {file.path.resolve() for file in target.files.values()}
    modules = [parent_module(path, tree) for path in parent_paths if Path(path).resolve() not in own]
    absolute = TransformersTree.containing(target.folder) is None
    parents = ParentModules(modules, target.name, casing, absolute)
    plan = build_plan(target, parents, casing)
    binding = no_inherit_binding(target)
    rounds = 0
    best: tuple | None = None
    while True:
        rounds += 1
        text, result = _attempt(plan, binding, tree, config)
        if best is None or _score(result, text) > _score(best[1], best[0]):
            best = (text, result, _state(plan))
        done = result.byte_identical or (result.equivalent and not _generated(plan))
        if done or rounds >= MAX_ROUNDS or not repair(plan, result):
            break
    if not (best[1].ast_identical or best[1].equivalent):
        # Last resort: every class and function as the target has it (what cannot be expressed is copied whole).
        _restore(plan, best[2])
        for name in plan.classes:
            _keep_whole(plan, name, "nothing smaller gives the file back")
        plan.written = set(plan.classes)
        for definition in plan.definitions.values():
            definition.mode = "define"
        text, result = _attempt(plan, binding, tree, config)
        rounds += 1
        if _score(result, text) > _score(best[1], best[0]):
            best = (text, result, _state(plan))
    _restore(plan, best[2])
    return Result(target, best[0], plan, best[1], rounds)


def _attempt(plan: Plan, binding: Binding, tree: TransformersTree, config: Path) -> tuple[str, Check]:
    """Write the plan's modular file, flatten it and compare: the modular file (formatted) and the comparison."""
    close(plan, binding)
    text = header_variant(plan, format_modular(render(plan), plan.target.modular_path, config))
    return text, check(text, plan.target, tree, config)


def _score(result: Check, text: str) -> tuple:
    """Better: given back (by syntax tree, or object by object), then more files byte-identical, then
    AST-identical, then fewer lines."""
    byte = sum(f.byte_identical for f in result.files) if result.error is None else -1
    same = sum(f.ast_identical for f in result.files) if result.error is None else -1
    return (result.ast_identical or result.equivalent, byte, same, -code_lines(text))


def _generated(plan: Plan) -> bool:
    """The target came from a flattener (so the exact text can come back)."""
    return all(file.generated for file in plan.target.files.values())


def repair(plan: Plan, result: Check) -> bool:
    """State more of what did not come back; False when there is nothing left to try."""
    before = _state(plan)
    if result.error is not None:
        # `CLIPVisionConfig is imported from a modeling file`: the import stated otherwise, if it has another way
        plan.use_respelled.update(name for name in plan.respelled if re.search(rf"\b{name}\b", result.error))
        for name, class_plan in plan.classes.items():
            if class_plan.parent is not None and name in result.error:
                _keep_whole(plan, name, f"the flattener refused it: {result.error}")
    for file in result.files:
        if file.byte_identical:
            continue
        for name in file.differing + file.missing:
            if name in plan.classes:
                inherits = plan.classes[name].parent is not None
                if inherits and (name in plan.written or plan.classes[name].identical):
                    _keep_whole(plan, name, "its merge with the parent's class does not give it back")
                plan.written.add(name)
            elif name in plan.definitions and not plan.definitions[name].per_file:
                # the version of a parent that has it alike, else written out
                definition = plan.definitions[name]
                unchanged = (definition.mode, len(plan.tried))
                if definition.mode == "import" or not (definition.alike and _try(plan, name, "import")):
                    definition.mode = "define"
                for key in _overriding_parents(plan, definition):
                    _drop_parent(plan, key, definition.name)
                if (definition.mode, len(plan.tried)) == unchanged:
                    # Stated in the modular file, a function replaces every parent's version, and what only
                    # another parent's version reads is not pulled in any more (unlimited_ocr's `repeat_kv`,
                    # which deepseek_ocr2's `eager_attention_forward` reads, where the model has CLIP's).
                    for reader in _readers_in_parents(plan, name):
                        if _try(plan, reader, "pulled"):
                            break
        if file.misplaced:
            _reorder(plan, file.name, *file.misplaced)
        plan.kept_imports.update(file.wrong_imports)
        plan.use_respelled.update(name for name in file.wrong_imports if name in plan.respelled)
    return _state(plan) != before


def _reorder(plan: Plan, file_name: str, expected: str, found: str) -> None:
    """`found` came where the target has `expected`: write a class that was left to the flattener where the
    modular file has it (the cheapest move: `expected`, else the class the target has after `expected` that needs
    it, else the class that pulls `found` in too early, else `found`); else take the functions from another
    parent (they come in the order of the parent of the class that pulls them in); else state a function more
    explicitly (imported from a parent, then written out: a function the modular file writes goes after the
    parent's functions)."""
    candidates = (
        expected,
        _unwritten_user(plan, file_name, expected),
        _unwritten_puller(plan, file_name, found),
        found,
    )
    for name in candidates:
        if name in plan.classes and name not in plan.written:
            plan.written.add(name)
            plan.pinned.add(name)
            return
    before = _previous_unwritten_class(plan, file_name, found)
    if before is not None:  # `found` is written and comes too early: what the target has before it, first
        plan.written.add(before)
        plan.pinned.add(before)
        return
    wanted = plan.definitions.get(expected)
    if (
        wanted is not None
        and not wanted.per_file
        and wanted.mode == "define"
        and wanted.alike
        and _try(plan, expected, "import")
    ):
        return  # a parent's function or constant comes where that parent has it; one written out comes after
    puller = _next_written_class(plan, file_name, expected)
    if puller is not None and expected in plan.definitions:
        current = plan.classes[puller]
        plan.tried.add((puller, current.parent.module.key if current.parent else ""))
        for option in plan.alternatives.get(puller, []):
            key = (puller, option.parent.module.key if option.parent else "")
            if option is current or key in plan.tried or option.parent is None:
                continue
            plan.tried.add(key)
            plan.classes[puller] = option
            return
    for name in (found, expected):
        definition = plan.definitions.get(name)
        if definition is None or definition.per_file:
            continue
        for mode in ("import", "define") if definition.alike else ("define",):
            if mode != definition.mode and _try(plan, name, mode):
                return


def _previous_unwritten_class(plan: Plan, file_name: str, name: str) -> str | None:
    """The nearest class before `name` in the target file that the modular file leaves to the flattener."""
    if name not in plan.written:
        return None
    names = [o.name for o in _file(plan, file_name).objects]
    if name not in names:
        return None
    return next((n for n in reversed(names[: names.index(name)]) if n in plan.classes and n not in plan.written), None)


def _unwritten_puller(plan: Plan, file_name: str, name: str) -> str | None:
    """The class left to the flattener through which the first written class (in the modular file's order) that
    needs `name` pulls it in. The flattener drops the modular file's classes from a class's own dependencies
    only, then follows the parent's dependencies through every class not placed yet (written ones too): the
    head of the shortest such chain to `name`."""
    file_type = _file(plan, file_name).file_type
    placed: set[str] = set()
    for writer in (o.name for _, o in plan.objects() if o.kind == "class" and o.name in plan.written):
        if plan.class_files[writer] != file_type:
            continue
        if plan.classes[writer].parent is None:
            placed.add(writer)
            continue
        heads = {
            other: other
            for other in sorted(_needs(plan, writer))
            if other in plan.classes and other not in plan.written and plan.class_files[other] == file_type
        }
        queue = deque(heads)
        while queue:
            current = queue.popleft()
            needs = _needs(plan, current)
            if name in needs:
                return heads[current]
            for other in sorted(needs - heads.keys() - placed):  # sorted: the same chain on every run
                if other in plan.definitions or plan.class_files.get(other) == file_type:
                    heads[other] = heads[current]
                    queue.append(other)
        placed.add(writer)
    return None


def _unwritten_user(plan: Plan, file_name: str, name: str) -> str | None:
    """The first class after `name` in the target file that needs it and is left to the flattener: written where
    the target has it, it pulls `name` in right before itself, as the target has it."""
    names = [o.name for o in _file(plan, file_name).objects]
    if name not in names or name in plan.classes:
        return None
    return next(
        (n for n in names[names.index(name) + 1 :] if n in plan.classes and name in _needs(plan, n)),
        None,
    )


def _needs(plan: Plan, name: str) -> set[str]:
    """The names in a class, function or assignment of the target (token-level, as the flattener follows them)."""
    if name in plan.classes:
        return class_names(plan, name)
    definition = plan.definitions.get(name)
    return ast_names(ast.parse(definition.text.strip())) if definition is not None else set()


def _file(plan: Plan, file_name: str):
    return next(f for f in plan.target.files.values() if f.path.name == file_name)


def _next_written_class(plan: Plan, file_name: str, name: str) -> str | None:
    """The first class the modular file writes after `name` in the target file: the one that pulls it in."""
    names = [o.name for o in _file(plan, file_name).objects]
    if name not in names:
        return None
    return next((n for n in names[names.index(name) :] if n in plan.written and n in plan.classes), None)


def _try(plan: Plan, name: str, mode: str) -> bool:
    """Set a definition's mode unless tried before."""
    if (name, mode) in plan.tried:
        return False
    plan.tried.add((name, mode))
    plan.definitions[name].mode = mode
    return True


def _state(plan: Plan) -> tuple:
    """What repairs change: to tell whether a round changed anything, and to go back to the best round."""
    return (
        set(plan.written),
        dict(plan.classes),
        {name: definition.mode for name, definition in plan.definitions.items()},
        set(plan.kept_imports),
        set(plan.pinned),
        set(plan.use_respelled),
    )


def _restore(plan: Plan, state: tuple) -> None:
    written, classes, modes, kept, pinned, respelled = state
    plan.written, plan.classes, plan.kept_imports, plan.pinned = set(written), dict(classes), set(kept), set(pinned)
    plan.use_respelled = set(respelled)
    for name, mode in modes.items():
        plan.definitions[name].mode = mode
    close(plan, no_inherit_binding(plan.target))


def _readers_in_parents(plan: Plan, name: str) -> list[str]:
    """The functions the modular file states (imported or written) of which a parent's version reads `name`."""
    readers = []
    for definition in plan.definitions.values():
        if definition.kind != "function" or definition.mode == "pulled" or definition.per_file:
            continue
        for key in (*definition.alike, *definition.unlike):
            entry = plan.parents.mapper(key, plan.prefixes[key]).functions.get(definition.name)
            if entry is not None and name in ast_names(ast.parse(entry.code.strip())):
                readers.append(definition.name)
                break
    return readers


def _overriding_parents(plan: Plan, definition: Definition) -> list[str]:
    """The parent modules in use whose own constant of that name the flattener keeps over the modular file's
    (it replaces a parent's constant only for names such as `_CHECKPOINT_FOR_DOC`)."""
    if definition.kind != "assignment" or definition.mode != "define":
        return []
    if modular_value_wins(definition.name, ast.parse(definition.text.strip()).body[0].value):
        return []
    used = {c.parent.module.key for c in plan.classes.values() if c.parent is not None}
    return [key for key in definition.unlike if key in used]


def _drop_parent(plan: Plan, key: str, constant: str) -> None:
    """Inherit nothing from the parent module `key`: renamed, its `constant` would take the target's place. Its
    classes take their next best parent, else are kept whole."""
    reason = f"{plan.parents.modules[key].model} renamed puts its own {constant} in the target's place"
    for name, options in plan.alternatives.items():
        plan.alternatives[name] = [o for o in options if o.parent is None or o.parent.module.key != key]
    for name, class_plan in list(plan.classes.items()):
        if class_plan.parent is not None and class_plan.parent.module.key == key:
            others = [o for o in plan.alternatives.get(name, []) if o.parent is not None]
            if others:
                plan.classes[name] = min(others, key=lambda o: (o.lines, o.tokens))
            else:
                _keep_whole(plan, name, reason)
            plan.written.add(name)
    for definition in plan.definitions.values():
        if definition.mode == "import" and definition.alike[0] == key:  # an import makes it a parent too
            definition.mode = "define"


def _keep_whole(plan: Plan, name: str, reason: str) -> None:
    file = plan.target.files[plan.class_files[name]]
    plan.classes[name] = whole(TargetClass.of_text(file.object(name).text), reason)
