"""What the modular file states: a plan per class and per function or assignment of the target.

Every class of the target gets a `ClassPlan` (the parent class it inherits from, chosen class by class among
all the parent modules as the one that needs the fewest lines, or the class whole). Then:

* a class is written in the modular file when it differs from its parent, when it is public and no written
  class pulls it in, or when the modular file's own code reads its name; otherwise the flattener pulls the
  parent's class in, renamed, where it is needed;
* a function or assignment is left to the flattener when every parent that has it has it alike, imported
  from a parent that has it alike (which makes that version the one every parent uses), or written out;
* the modular file imports every name its code reads (`imports.py`).
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
from collections import deque
from dataclasses import dataclass, field

from modgen.modular.assemble import GUARDED_FILE_TYPES
from modgen.modular.casing import Casing
from modgen.modular.mapper import ast_loaded_names, ast_names
from modgen.modular.prefixes import class_prefix
from modgen.modularize.classes import CannotInherit, ClassPlan, TargetClass, diff_class, is_identical, whole
from modgen.modularize.code import same_code
from modgen.modularize.imports import Binding, guard_order, read_bindings, submodule_imports
from modgen.modularize.parents import ParentClass, ParentModules, similarity
from modgen.modularize.prefixes import flattener_prefixes, prefix_options, vote
from modgen.modularize.respell import respell
from modgen.modularize.target import TargetModel, TopObject


BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__class__", "self", "cls"}
NO_INHERIT = "no_inherit_decorator"
MAX_COMPARED = 3  # parent classes compared with a class of the target, the most alike first
# A class whose parent class of the same name leaves more than this share of its lines to state is also compared
# with the parent classes of other names most alike.
SMALL_SHARE = 0.2


@dataclass
class Definition:
    """A function or assignment of the target, and the parent modules that hold it alike or not."""

    name: str
    kind: str
    text: str
    file_type: str
    alike: list[str]  # parent module keys holding it alike (renamed)
    unlike: list[str]  # parent module keys holding another version
    mode: str = "pulled"  # "pulled" (left to the flattener), "import" (from `alike[0]`), "define"
    # Target files hold different versions under this name: each comes from its own file's parent, pulled (one
    # modular definition, imported or written, would replace them all).
    per_file: bool = False

    @property
    def default_mode(self) -> str:
        if self.per_file:
            return "pulled"
        if not self.alike:
            return "define"
        return "pulled" if not self.unlike else "import"


@dataclass
class Plan:
    target: TargetModel
    parents: ParentModules
    prefixes: dict[str, str]  # parent module key -> snake prefix
    classes: dict[str, ClassPlan]
    class_files: dict[str, str]  # class -> file type
    definitions: dict[str, Definition]
    written: set[str] = field(default_factory=set)  # classes the modular file states
    bindings: dict[str, Binding] = field(default_factory=dict)  # what the target files import, by bound name
    # Another spelling of an import the flattener may drop as the target spells it (`respell`), and the names a
    # repair switched to it (a parent's own import of the name brings the target's spelling back: tried first).
    respelled: dict[str, Binding] = field(default_factory=dict)
    use_respelled: set[str] = field(default_factory=set)
    submodules: list[Binding] = field(default_factory=list)  # the target files' `import a.b`
    imports: list[Binding] = field(default_factory=list)  # the modular file's imports (set by `close`)
    unresolved: set[str] = field(default_factory=set)  # names the modular code reads that nothing binds
    pinned: set[str] = field(default_factory=set)  # classes written to keep the target's order
    names_cache: dict[str, set[str]] = field(default_factory=dict)
    tried: set[tuple[str, str]] = field(default_factory=set)  # (definition, mode) the repairs have tried
    alternatives: dict[str, list[ClassPlan]] = field(default_factory=dict)  # every class's candidate plans
    kept_imports: set[str] = field(default_factory=set)  # names imported for the generated files' sake
    guards: list[str] = field(default_factory=list)  # the target's `if`-protected import blocks, in order

    def objects(self) -> list[tuple[str, TopObject]]:
        """(file type, object) of every target file, in the modular file's order: configuration first."""
        order = sorted(self.target.files, key=lambda t: (t != "configuration", list(self.target.files).index(t)))
        return [(t, obj) for t in order for obj in self.target.files[t].objects]


def build_plan(target: TargetModel, parents: ParentModules, casing: Casing) -> Plan:
    model_cased = casing.cased(target.name)
    class_files = {
        obj.name: file_type for file_type, file in target.files.items() for obj in file.objects if obj.kind == "class"
    }
    options = prefix_options(list(class_files), parents, casing, target.name)
    candidates = {}
    for file in target.files.values():
        for obj in file.objects:
            if obj.kind == "class":
                target_class = TargetClass.of_text(obj.text)
                candidates[obj.name] = class_candidates(target_class, parents, options, casing, model_cased)
    classes, prefixes = consistent_choice(candidates, parents, casing, target.name)
    for name, chosen in classes.items():
        if chosen.parent is None:
            classes[name] = _whole_because_of_prefixes(chosen, candidates[name], prefixes, parents)
    bindings: dict[str, Binding] = {}
    respelled: dict[str, Binding] = {}
    guards: list[str] = []
    definitions = {}
    # Files whose torch imports the flattener guards itself come last: their bindings are the guarded copies.
    for file in sorted(target.files.values(), key=lambda f: f.file_type in GUARDED_FILE_TYPES):
        for name, binding in read_bindings(file.mapper.imports).items():
            bindings.setdefault(name, binding)
            if name not in respelled and (other := respell(binding, file.path)) is not None:
                respelled[name] = other
        guards += [guard for guard in guard_order(file.mapper.imports) if guard not in guards]
    for file_type, file in target.files.items():
        for obj in file.objects:
            if obj.kind not in ("function", "assignment"):
                continue
            if obj.name not in definitions:
                definitions[obj.name] = _definition(obj, file_type, parents, prefixes)
            elif not same_code(definitions[obj.name].text, obj.text, in_class=False):
                definitions[obj.name].per_file = True
    submodules = list(
        dict.fromkeys(b for file in target.files.values() for b in submodule_imports(file.mapper.imports))
    )
    plan = Plan(target, parents, prefixes, classes, class_files, definitions, bindings=bindings, guards=guards)
    plan.respelled = respelled
    plan.submodules = submodules
    plan.alternatives = {
        name: [c for c in options_ if c.parent is None or prefixes[c.parent.module.key] == c.parent.prefix]
        for name, options_ in candidates.items()
    }
    for definition in definitions.values():
        definition.mode = definition.default_mode
    plan.written = initial_written(plan)
    return plan


NO_PARENT_CLASS = "no parent class of that name"


def class_candidates(
    target: TargetClass, parents: ParentModules, options: dict[str, list[str]], casing: Casing, model_cased: str
) -> list[ClassPlan]:
    """Every way of stating `target`: inheriting from each parent module's class of that name (the module renamed
    under each of its prefixes), else from the parent classes most alike (merged under the target's name); and
    whole (last)."""
    named = [
        p
        for key, prefixes in options.items()
        for prefix in prefixes
        if (p := parents.class_of(key, prefix, target.name))
    ]
    seen = {(p.module.key, p.prefix, p.name) for p in named}
    for parent in list(named):
        for other in _under_other_prefixes(parent, target.name, parents, casing, model_cased, options):
            if (other.module.key, other.prefix, other.name) not in seen:
                seen.add((other.module.key, other.prefix, other.name))
                named.append(other)
    same = [parent for parent in named if is_identical(target, parent)]
    if same:  # `class X(Parent): pass` is as short as it gets: the other parents need no comparing
        return _compared(target, same, casing, model_cased)
    candidates = _compared(target, _most_alike(target, named), casing, model_cased)
    if candidates[0].lines > SMALL_SHARE * candidates[-1].lines:  # no parent class of its name that is close
        tried = {(p.module.key, p.renamed) for p in named}
        alike = parents.similar_classes(target.text, {key: prefixes[0] for key, prefixes in options.items()})
        others = [p for p in alike if (p.module.key, p.renamed) not in tried]
        if others:
            more = _compared(target, others, casing, model_cased)
            more[-1].reason = "; ".join(filter(None, [candidates[-1].reason, more[-1].reason]))
            candidates = [*candidates[:-1], *more]
    return candidates


def _under_other_prefixes(
    parent: ParentClass, name: str, parents: ParentModules, casing: Casing, model_cased: str, options: dict
) -> list[ParentClass]:
    """The parent class with its module renamed under the prefix inheriting from it asks the flattener for, and
    under the model's own name (the prefix most modules end with), merged under the target's name. The
    flattener reads a prefix off a suffix that starts with a capital only: `AlignTextIntermediate(BertIntermediate)`
    asks for `align` (the names share `tIntermediate`); and `Idefics2VisionMLP(SiglipMLP)` flattens as well with
    siglip renamed `idefics2` for the other classes."""
    voted = casing.snake(class_prefix(name, parent.name, parent.module.model, model_cased, casing)).replace("-", "_")
    found = []
    for prefix in dict.fromkeys([voted, options[parent.module.key][0]]):
        if prefix != parent.prefix and (other := parents.class_named(parent.module.key, prefix, parent.name)):
            found.append(other)
    return found


def _most_alike(target: TargetClass, parents: list[ParentClass]) -> list[ParentClass]:
    if len(parents) <= MAX_COMPARED:
        return parents
    return sorted(parents, key=lambda p: -similarity(target.text, p.text))[:MAX_COMPARED]


def _compared(target: TargetClass, parents: list[ParentClass], casing: Casing, model_cased: str) -> list[ClassPlan]:
    """The plans that state `target` as a subclass of each of `parents` shorter than whole, then whole."""
    candidates, reasons, alike = [], [], set()
    for parent in parents:
        try:
            plan = diff_class(target, parent, casing, model_cased)
        except CannotInherit as reason:
            reasons.append(f"{parent.name}: {reason}")
            continue
        if plan.identical and parent.renamed == target.name:
            alike.add((parent.module.key, parent.prefix))
        candidates.append(plan)
    kept_whole = whole(target, "; ".join(dict.fromkeys(reasons)) or NO_PARENT_CLASS)
    candidates = [c for c in candidates if c.size < kept_whole.size]
    for candidate in [*candidates, kept_whole]:
        candidate.alike = frozenset(alike)
    return [*candidates, kept_whole]


def choose_parents(candidates: dict[str, list[ClassPlan]]) -> dict[str, ClassPlan]:
    """Each class's shortest statement; between equally short ones, the parent module that states the most
    classes shortest (the model the target was built from: its functions and order are the target's)."""
    votes: dict[str, int] = {}
    for options in candidates.values():
        best = min((c.lines, c.tokens) for c in options)
        for option in options:
            if option.parent is not None and (option.lines, option.tokens) == best:
                votes[option.parent.module.key] = votes.get(option.parent.module.key, 0) + 1

    def rank(plan: ClassPlan) -> tuple:
        return (plan.lines, plan.tokens, -votes.get(plan.parent.module.key, 0) if plan.parent is not None else 0)

    return {name: min(options, key=rank) for name, options in candidates.items()}


def consistent_choice(
    candidates: dict[str, list[ClassPlan]], parents: ParentModules, casing: Casing, model: str
) -> tuple[dict[str, ClassPlan], dict[str, str]]:
    """The shortest statement of each class such that every parent module is renamed, for all the classes
    inheriting from it, under the prefix the flattener will infer from them; and those prefixes.

    Chosen class by class, then with every module held to the prefix that saves the most lines over all its
    classes (class by class, one class may take a parent under a prefix that then costs the module's other
    classes theirs): the shorter of the two."""
    first = _consistent_choice(candidates, parents, casing, model)
    held = _one_prefix_per_module(candidates)
    if all(len(held[name]) == len(options) for name, options in candidates.items()):
        return first
    second = _consistent_choice(held, parents, casing, model)
    return min((first, second), key=lambda choice: sum(plan.lines for plan in choice[0].values()))


def _one_prefix_per_module(candidates: dict[str, list[ClassPlan]]) -> dict[str, list[ClassPlan]]:
    """The candidates with each parent module held to the prefix that saves the most lines in all."""
    saved: dict[tuple[str, str], int] = {}
    for options in candidates.values():
        whole_lines = options[-1].lines
        best: dict[tuple[str, str], int] = {}
        for option in options:
            if option.parent is not None:
                pair = (option.parent.module.key, option.parent.prefix)
                best[pair] = max(best.get(pair, 0), whole_lines - option.lines)
        for pair, lines in best.items():
            saved[pair] = saved.get(pair, 0) + lines
    prefix_of: dict[str, str] = {}
    for (key, prefix), _ in sorted(saved.items(), key=lambda item: -item[1]):
        prefix_of.setdefault(key, prefix)
    return {
        name: [o for o in options if o.parent is None or prefix_of[o.parent.module.key] == o.parent.prefix]
        for name, options in candidates.items()
    }


def _consistent_choice(
    candidates: dict[str, list[ClassPlan]], parents: ParentModules, casing: Casing, model: str
) -> tuple[dict[str, ClassPlan], dict[str, str]]:
    """Class by class; where the inferred prefix is not the one a chosen class was compared under, the classes
    whose names suggest another prefix than their module's (a class inheriting from a class of another name)
    lose that candidate first; then the module's candidates under that prefix go."""
    banned: set[int] = set()
    while True:
        allowed = {name: [c for c in options if id(c) not in banned] for name, options in candidates.items()}
        chosen = choose_parents(allowed)
        prefixes = flattener_prefixes(chosen, parents, casing, model)
        wrong = [
            plan
            for plan in chosen.values()
            if plan.parent is not None and prefixes[plan.parent.module.key] != plan.parent.prefix
        ]
        if not wrong:
            return chosen, prefixes
        keys = {plan.parent.module.key for plan in wrong}
        voters = [
            plan
            for plan in chosen.values()
            if plan.parent is not None
            and plan.parent.module.key in keys
            and vote(plan, casing, model) != plan.parent.prefix
        ]
        if voters:
            banned.update(id(plan) for plan in voters)
            continue
        pairs = {(plan.parent.module.key, plan.parent.prefix) for plan in wrong}
        banned.update(
            id(c)
            for options in candidates.values()
            for c in options
            if c.parent is not None and (c.parent.module.key, c.parent.prefix) in pairs
        )


def _whole_because_of_prefixes(
    chosen: ClassPlan, options: list[ClassPlan], prefixes: dict[str, str], parents: ParentModules
) -> ClassPlan:
    """A class kept whole though a parent class states it: under another prefix than its module takes."""
    lost = [o for o in options if o.parent is not None and prefixes[o.parent.module.key] != o.parent.prefix]
    if not lost:
        return chosen
    best = min(lost, key=lambda o: o.lines).parent
    why = (
        f"{best.name} renamed {best.renamed}: {parents.modules[best.module.key].model} is renamed "
        f"{parents.casing.cased(prefixes[best.module.key])} for the classes that inherit from it"
    )
    reason = why if chosen.reason == NO_PARENT_CLASS else f"{chosen.reason}; {why}"
    return dataclasses.replace(chosen, reason=reason)


def _definition(obj: TopObject, file_type: str, parents: ParentModules, prefixes: dict[str, str]) -> Definition:
    alike, unlike = [], []
    for key, prefix in prefixes.items():
        mapper = parents.mapper(key, prefix)
        entry = (mapper.functions if obj.kind == "function" else mapper.assignments).get(obj.name)
        if entry is None:
            continue
        (alike if same_code(entry.code, obj.text, in_class=False) else unlike).append(key)
    return Definition(obj.name, obj.kind, obj.text, file_type, alike, unlike)


def initial_written(plan: Plan) -> set[str]:
    """The classes that differ from their parent, those no written class pulls in (the classes nothing else
    needs first: what they pull in is not written), and those a written class would pull in from a parent whose
    class of that name is another."""
    written = {name for name, class_plan in plan.classes.items() if not class_plan.identical}
    while True:
        pulled = _pulled(plan, written)
        wrong = {name for name, modules in pulled.items() if not modules <= plan.classes[name].alike}
        missing = [name for name in plan.classes if name not in written and name not in pulled]
        if not wrong and not missing:
            return written
        needed = set().union(*(class_names(plan, name) - {name} for name in missing))
        written |= wrong | ({name for name in missing if name not in needed} or set(missing))


def _pulled(plan: Plan, written: set[str]) -> dict[str, set[str]]:
    """The classes the written classes pull in (token-level, as the flattener, through the classes they pull in),
    each with the parent modules it would be pulled from."""
    pulled: dict[str, set[str]] = {}
    for start in written:
        parent = plan.classes[start].parent
        if parent is None:
            continue
        seen, queue = set(), deque([start])
        while queue:
            current = queue.popleft()
            for other in class_names(plan, current):
                if other in plan.classes and other not in written and other not in seen:
                    if plan.class_files[other] != plan.class_files[current]:
                        continue  # another file's class is imported, not copied
                    seen.add(other)
                    queue.append(other)
                    pulled.setdefault(other, set()).add((parent.module.key, parent.prefix))
    return pulled


def class_names(plan: Plan, name: str) -> set[str]:
    if name not in plan.names_cache:
        obj = plan.target.files[plan.class_files[name]].object(name)
        plan.names_cache[name] = ast_names(ast.parse(obj.text))
    return plan.names_cache[name]


# The modular file's own names ----------------------------------------------------------------------------------


def written_code(plan: Plan) -> list[str]:
    texts = []
    for _, obj in plan.objects():
        if obj.kind == "class" and obj.name in plan.written:
            texts.append(plan.classes[obj.name].text)
        elif (
            obj.kind in ("function", "assignment")
            and plan.definitions[obj.name].mode == "define"
            or obj.kind == "getattr"
        ):
            texts.append(obj.text)
    return texts


def close(plan: Plan, no_inherit: Binding) -> None:
    """Write or import everything the modular file's code reads; set `plan.imports`."""
    while True:
        defined = set(plan.written) | {n for n, d in plan.definitions.items() if d.mode == "define"}
        imports: dict[str, Binding] = {}
        added = False
        for text in written_code(plan):
            for name in sorted(ast_loaded_names(ast.parse(text.lstrip("\n")))):
                if name in defined or name in imports:
                    continue
                if name in plan.classes:
                    plan.written.add(name)
                    added = True
                elif name in plan.definitions and plan.definitions[name].per_file:
                    continue
                elif name in plan.definitions:
                    definition = plan.definitions[name]
                    # A constant is written out (`logger` is each module's own) unless a repair chose to import it.
                    if definition.alike and (definition.kind == "function" or definition.mode == "import"):
                        module = plan.parents.import_module(definition.alike[0], plan.target.modular_path, None)
                        imports[name] = Binding(module, name)
                    else:
                        definition.mode = "define"
                        added = True
                elif name == NO_INHERIT:
                    imports[name] = no_inherit
                elif name in plan.bindings:
                    imports[name] = plan.respelled[name] if name in plan.use_respelled else plan.bindings[name]
        for class_plan in (plan.classes[n] for n in plan.written):
            if class_plan.parent is not None:
                parent = class_plan.parent
                module = plan.parents.import_module(parent.module.key, plan.target.modular_path, None)
                imports.setdefault(parent.name, Binding(module, parent.name))
        if not added:
            break
    for name, definition in sorted(plan.definitions.items()):
        # A repair chose to import it though the modular file's code does not read it: that version then replaces
        # every parent's (left alone, a parent's version each: as the target has them, more often than not).
        if definition.mode == "import" and (name, "import") in plan.tried and name not in imports:
            module = plan.parents.import_module(definition.alike[0], plan.target.modular_path, None)
            imports[name] = Binding(module, name, kept=True)
    code = "".join(written_code(plan))
    for binding in plan.submodules:
        if any(b.module is None and b.bound == binding.bound for b in imports.values()):
            imports[binding.name] = dataclasses.replace(binding, kept=f"{binding.name}." not in code)
    for name in sorted(plan.kept_imports):
        if name not in imports and name in plan.bindings and name not in defined:
            imports[name] = dataclasses.replace(plan.bindings[name], kept=True)
    for binding in list(imports.values()):
        if binding.guard:  # `if is_torch_available():` reads its own name
            for name in ast_loaded_names(ast.parse(binding.guard)):
                if name in plan.bindings and name not in imports:
                    imports[name] = plan.bindings[name]
    plan.imports = list(imports.values())
    trees = [ast.parse(text.lstrip("\n")) for text in written_code(plan)]
    read = set().union(*(ast_loaded_names(tree) for tree in trees))
    local = set().union(*(_bound_names(tree) for tree in trees))
    plan.unresolved = read - local - defined - imports.keys() - BUILTINS - plan.classes.keys()


def _bound_names(tree: ast.AST) -> set[str]:
    """Names the code binds itself: parameters, assigned names, loop and comprehension variables, nested
    definitions (a read of one of them is no global the modular file must import)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound
