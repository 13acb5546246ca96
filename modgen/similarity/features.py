"""Structural fingerprints of the definitions of a Python file, robust to renaming.

Each top-level class or function becomes a `Unit`: a bag of hashed features read from its canonical form
(`canonical.py`), each feature namespaced by what it says:

* `api:` torch / nn / F / math / einops names used, whatever they were imported as (`F.silu`, `nn.Linear`);
* `cfg:` fields of the configuration (`config.rms_norm_eps`), `attr:` the module's own attributes;
* `call:` / `m:` functions and tensor methods called, `kw:` keyword arguments given to them, `seq:` which call
  follows which (the data flow, coarsely);
* `s:` whole statements after alpha-renaming (type-2 clones share them), `t:` AST node-kind pairs (layer
  structure, blind to every name);
* `def:` method names, `base:` base classes, `name:` the class's own name without the model prefix.

A unit also has a kind (`KINDS`: only like is compared with like), a role and a structural signature
(`structure.py`). A whole file has a vocabulary (`file_vocabulary`).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import ModgenError
from modgen.similarity.canonical import (
    canonicalize,
    dotted_chain,
    feature_id,
    fingerprint,
    prefix_keys,
    stable_hash,
    strip_prefix,
)
from modgen.similarity.structure import signatures


# Modules whose names are strong signals, and the short names their members are written with.
API_ROOTS = ("torch", "math", "einops", "numpy", "transformers")
SHORT_FORMS = (("torch.nn.functional.", "F."), ("torch.nn.", "nn."), ("numpy.", "np."), ("transformers.", "hf."))

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# What a top-level definition is. Only like is paired with like: a helper function is never an output class.
KINDS = ("module", "function", "output", "config", "class")
# The endings of base classes that make a class a torch module however a framework spells them: fairseq's
# `BaseFairseqModel`, audiocraft's `StreamingModule`, lightning's `LightningModule`, transformers' own.
MODULE_BASE_ENDINGS = ("Module", "Model")
# Bases that define a `forward` without being modules (custom autograd kernels).
NOT_MODULE_BASE_ENDINGS = ("Function",)


@dataclass
class Unit:
    """One top-level class or function of a file, as the index and the ranking see it."""

    name: str
    kind: str  # one of KINDS
    line: int
    size: int  # statements: the unit's share of the file's code
    canonical: int  # equal for two definitions identical after renaming
    features: Counter = field(default_factory=Counter)
    structure: Counter = field(default_factory=Counter)  # what it is made of and computes (structure.py)
    role: str = "other"  # what it is: norm, attention, mlp, block... (structure.py)

    @property
    def is_module(self) -> bool:
        return self.kind == "module"


def read_source(path: Path) -> str:
    """A source file's text; a clear error for a file that cannot be read or is not text."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ModgenError(f"cannot read the file: {error.strerror or error}", path=path) from error
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, data.index(b"\0"), data.index(b"\0") + 1, "NUL byte")
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModgenError(
            "not a Python file: it holds binary data, not UTF-8 text",
            path=path,
            hint="give the .py file that defines the model's torch modules, or a model name such as 'llama'",
        ) from error


def parse_file(path: Path, text: str | None = None) -> ast.Module:
    """A Python file parsed. One of another kind (README.md, a checkpoint, a notebook) is told so, even when its
    text happens to parse; a file without a suffix (a script) is Python if it parses."""
    not_python = ModgenError(
        "not a Python file",
        path=path,
        hint="give the .py file that defines the model's torch modules, or a model name such as 'llama'",
    )
    if Path(path).suffix not in (".py", ""):
        raise not_python
    text = read_source(path) if text is None else text
    try:
        return ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError) as error:
        if Path(path).suffix != ".py":
            raise not_python from error
        raise ModgenError.from_syntax_error(
            error,
            path,
            what="the file does not parse",
            hint="give a Python file that runs (python -m py_compile FILE)",
        ) from error


def file_vocabulary(text: str) -> Counter:
    """The identifiers of a file's text, comments and docstrings included, as `tok:` features.

    What a port keeps of the original code: the names of its weights (checkpoints are converted, so `c_attn`,
    `emb_layer_norm_after` survive), of its configuration fields and helpers, and the words its authors use.
    """
    return Counter(feature_id("tok", token) for token in IDENTIFIER.findall(text))


def import_aliases(module: ast.Module, module_name: str = "") -> dict[str, str]:
    """Every name a file imports -> its full dotted name (`F` -> `torch.nn.functional`).

    Relative imports resolve against `module_name` (`transformers.models.llama.modeling_llama`); outside a
    package they keep their dotted tail, which is enough to recognise `...modeling_utils.PreTrainedModel`.
    """
    aliases = {}
    package = module_name.split(".")[:-1]
    for node in _statements(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1] if package else ["transformers"]
                source = ".".join([*base, source] if source else base)
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
    return aliases


def _statements(node: ast.AST):
    """Every statement under `node`, expressions skipped (imports are statements: no need to walk every name)."""
    for block in ("body", "orelse", "finalbody", "handlers"):
        for child in getattr(node, block, ()):
            yield child
            yield from _statements(child)


def short_form(dotted: str) -> str:
    for long, short in SHORT_FORMS:
        if dotted.startswith(long):
            return short + dotted[len(long) :]
    return dotted


class _FeatureReader:
    """Reads the features of one canonical unit."""

    def __init__(self, aliases: dict[str, str], keys: tuple[str, ...]):
        self.aliases = aliases
        self.keys = keys
        self.counts: Counter = Counter()  # "namespace:text" -> count; hashed once each in `features`
        self.statements = 0

    def add(self, feature: str, count: int = 1) -> None:
        self.counts[feature] += count

    @property
    def features(self) -> Counter:
        return Counter({feature_id(*feature.split(":", 1)): count for feature, count in self.counts.items()})

    def resolve(self, chain: list[str]) -> str | None:
        """The API name of a chain rooted in an imported module (`F.silu`), else None."""
        root = self.aliases.get(chain[0])
        if root is None or root.split(".")[0] not in API_ROOTS:
            return None
        dotted = ".".join([root, *chain[1:]])
        if dotted.startswith("transformers.models."):  # another model's class: its role, not its origin
            return "model." + strip_prefix(chain[-1], self.keys)
        return short_form(dotted)

    def read(self, node: ast.AST) -> None:
        if isinstance(node, ast.ClassDef):
            self.add("name:" + node.name, 2)
            for base in node.bases:
                chain = dotted_chain(base)
                if chain:
                    self.add("base:" + (self.resolve(chain) or ".".join(chain)))
        stack = [node]
        while stack:
            current = stack.pop()
            children = list(ast.iter_child_nodes(current))
            self.read_node(current, children)
            stack.extend(children)

    def read_node(self, node: ast.AST, children: list[ast.AST]) -> None:
        kind = type(node).__name__
        for child in children:
            self.add(f"t:{kind}>{type(child).__name__}")
        if isinstance(node, ast.stmt):
            self.statements += 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.add("def:" + node.name)
            self.read_sequence(node)
        elif isinstance(node, ast.stmt) and not isinstance(node, ast.ClassDef):
            self.add("s:" + str(statement_fingerprint(node)))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load | ast.Store):
            self.read_attribute(node)
        elif isinstance(node, ast.Call):
            self.read_call(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) and node.value not in (0, 1):
            self.add(f"n:{node.value!r}")
        if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Call | ast.Subscript | ast.Compare | ast.Return):
            labels = [self.label(child) for child in children if not _is_context(child)]
            self.add(f"x:{self.label(node)}({','.join(labels)})")

    def label(self, node: ast.AST) -> str:
        """A node as the shape features see it: its kind and operator, API names kept, every other name blind."""
        if isinstance(node, ast.BinOp | ast.UnaryOp | ast.BoolOp):
            return f"{type(node.op).__name__}"
        if isinstance(node, ast.Compare):
            return "Compare" + "".join(type(op).__name__ for op in node.ops)
        if isinstance(node, ast.Attribute | ast.Name):
            chain = dotted_chain(node)
            api = self.resolve(chain) if chain else None
            if api:
                return api
            if chain and chain[0] == "self":
                return "self"  # the module's own layers: named by the author
            return "." + node.attr if isinstance(node, ast.Attribute) else "_"  # tensor methods are kept
        if isinstance(node, ast.Call):
            return "call:" + self.label(node.func)
        if isinstance(node, ast.Constant):
            return repr(node.value) if isinstance(node.value, int | float) and abs(node.value) <= 2 else "const"
        return type(node).__name__

    def read_attribute(self, node: ast.Attribute) -> None:
        chain = dotted_chain(node)
        if chain is None:
            self.add("m:" + node.attr)
            return
        api = self.resolve(chain)
        if api is not None:
            self.add("api:" + api)
        elif chain[0] == "self" and len(chain) >= 2:
            if chain[1] == "config" and len(chain) >= 3:
                self.add("cfg:" + chain[2])
            elif len(chain) == 2:
                self.add("attr:" + chain[1])
        elif chain[0] == "config" and len(chain) == 2:
            self.add("cfg:" + chain[1])
        elif len(chain) == 2:
            self.add("m:" + chain[1])

    def read_call(self, node: ast.Call) -> None:
        chain = dotted_chain(node.func)
        if chain is None:
            callee = "m:" + node.func.attr if isinstance(node.func, ast.Attribute) else "?"
        else:
            api = self.resolve(chain)
            if api is not None:
                callee = api
            elif len(chain) == 1:
                callee = chain[0]  # a builtin, or a class / function of the same file
            elif chain[0] == "self":
                callee = "self." + chain[-1]
            else:
                callee = "m:" + chain[-1]
        self.add("call:" + callee)
        for keyword in node.keywords:
            if keyword.arg:
                self.add(f"kw:{callee}:{keyword.arg}")

    def read_sequence(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Which API call follows which, in source order: the shape of the computation."""
        calls = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                chain = dotted_chain(node.func)
                api = self.resolve(chain) if chain else None
                name = api or (node.func.attr if isinstance(node.func, ast.Attribute) else None)
                if name:
                    calls.append((node.lineno, node.col_offset, name))
        ordered = [name for *_, name in sorted(calls)]
        for first, second in zip(ordered, ordered[1:], strict=False):
            self.add(f"seq:{first}>{second}")


def _is_context(node: ast.AST) -> bool:
    return isinstance(node, ast.expr_context | ast.operator | ast.unaryop | ast.cmpop | ast.boolop | ast.keyword)


def statement_fingerprint(node: ast.stmt) -> int:
    """A statement alone: compound statements by their header only (their bodies are statements too)."""
    if isinstance(node, ast.If | ast.While):
        return fingerprint(ast.Expr(node.test))
    if isinstance(node, ast.For | ast.AsyncFor):
        return fingerprint(ast.Tuple([node.target, node.iter], ast.Load()))
    if isinstance(node, ast.With | ast.AsyncWith):
        return fingerprint(ast.Tuple([item.context_expr for item in node.items], ast.Load()))
    if isinstance(node, ast.Try):
        return stable_hash("try")
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return stable_hash("def " + node.name)
    return fingerprint(node)


def unit_kinds(module: ast.Module, aliases: dict[str, str]) -> dict[str, str]:
    """Each top-level definition of a file -> what it is (`KINDS`).

    A class is a module when a base is a torch layer (`nn.Module`, `nn.Conv2d`), a module of the same file, a
    transformers model class, or a framework's module base (a name ending in `Module` or `Model`), or when it
    defines `forward` (timm's `VisionTransformer` subclasses do, whatever their base is). An output is a class
    holding a model's results (`ModelOutput` and its dataclasses); a config holds its hyper-parameters.
    """
    classes = {node.name: node for node in module.body if isinstance(node, ast.ClassDef)}
    kinds = {node.name: "function" for node in module.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    modules: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, node in classes.items():
            if name not in modules and _is_module(node, aliases, modules):
                modules.add(name)
                changed = True
    for name, node in classes.items():
        bases = [chain[-1] for chain in map(dotted_chain, node.bases) if chain]
        if any("Output" in base for base in bases) or (name.endswith(("Output", "Outputs")) and _is_dataclass(node)):
            kinds[name] = "output"  # before modules: `ModelOutput` comes from transformers' modeling_outputs
        elif name in modules:
            kinds[name] = "module"
        elif name.endswith(("Config", "Args", "Arguments")) or any(base.endswith("Config") for base in bases):
            kinds[name] = "config"
        else:
            kinds[name] = "class"
    return kinds


def _is_module(node: ast.ClassDef, aliases: dict[str, str], modules: set[str]) -> bool:
    chains = [chain for chain in map(dotted_chain, node.bases) if chain]
    if any(chain[-1].endswith(NOT_MODULE_BASE_ENDINGS) for chain in chains):
        return False
    for chain in chains:
        full = short_form(".".join([aliases.get(chain[0], chain[0]), *chain[1:]]))
        if (
            chain[-1] in modules
            or chain[-1].endswith(MODULE_BASE_ENDINGS)
            or (full.startswith("nn.") and chain[-1][:1].isupper())
            or full.startswith(("transformers.models.", "hf.modeling_utils.", "hf.modeling_layers."))
        ):
            return True
    return any(isinstance(item, ast.FunctionDef) and item.name == "forward" for item in node.body)


def _is_dataclass(node: ast.ClassDef) -> bool:
    return any(
        (dotted_chain(d.func if isinstance(d, ast.Call) else d) or [""])[-1] == "dataclass"
        for d in node.decorator_list
    )


def file_units(
    path: Path, text: str | None = None, module_name: str = "", module: ast.Module | None = None
) -> list[Unit]:
    """The units of a file: its top-level classes and functions. `module`: the file already parsed (its nodes
    are changed in place)."""
    module = module or parse_file(path, text)
    aliases = import_aliases(module, module_name)
    class_names = [node.name for node in module.body if isinstance(node, ast.ClassDef)]
    keys = prefix_keys(Path(path).stem, class_names)
    kinds = unit_kinds(module, aliases)
    imported = frozenset(aliases)
    structures = signatures(module, _FeatureReader(aliases, keys).resolve)  # before canonicalize changes the nodes
    units = []
    for node in module.body:
        if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        name, line, kind = node.name, node.lineno, kinds[node.name]
        canonical = canonicalize(node, keys, imported)
        reader = _FeatureReader(aliases, keys)
        reader.read(canonical)
        unit = Unit(name, kind, line, max(reader.statements, 1), fingerprint(canonical), reader.features)
        unit.role, unit.structure = structures[name]
        units.append(unit)
    return units
