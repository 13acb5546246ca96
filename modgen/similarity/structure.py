"""Structural signatures: what a module is made of and what its forward computes, blind to how it is written.

Research code and transformers write the same layer differently: `w1/w2/w3` or `gate_proj/up_proj/down_proj`,
`einsum` or `matmul` or `scaled_dot_product_attention`, attention inline or through `eager_attention_forward`,
rotary by complex multiplication or by `rotate_half`. The lexical features (`features.py`) see those
differences; this signature does not. It is read from the original definitions of a file:

* `layer:` the sub-modules `__init__` builds, by kind (`linear`, `norm`, `attention`... for the file's own
  classes, their role), and `layers:` their whole multiset;
* `op:` the operations of the computation, by what they do (`matmul` for `@`, `einsum`, `bmm`, SDPA), with the
  file's helper functions a definition calls folded in (`eager_attention_forward` is part of the attention);
* `flow:` which operation or sub-module follows which, in evaluation order (`norm>attention`, `attention>add`);
* `role:` what the definition is: norm, attention, mlp, moe, block, model, position, embedding.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter

from modgen.similarity.canonical import dotted_chain, feature_id


# What an API call does, whatever it is called (`features.short_form` names; the last part for tensor methods).
OPS = {
    "torch.matmul": "matmul",
    "torch.bmm": "matmul",
    "torch.einsum": "matmul",
    "einops.einsum": "matmul",
    "matmul": "matmul",
    "bmm": "matmul",
    "F.softmax": "softmax",
    "torch.softmax": "softmax",
    "softmax": "softmax",
    "F.silu": "act",
    "F.gelu": "act",
    "F.relu": "act",
    "F.mish": "act",
    "torch.tanh": "act",
    "F.glu": "act",
    "torch.rsqrt": "normalize",
    "rsqrt": "normalize",
    "var": "normalize",
    "var_mean": "normalize",
    "F.layer_norm": "norm",  # a norm layer's step, called as a function
    "F.rms_norm": "norm",
    "F.normalize": "normalize",
    "F.group_norm": "norm",
    "torch.cos": "trig",
    "torch.sin": "trig",
    "cos": "trig",
    "sin": "trig",
    "torch.polar": "complex",
    "torch.view_as_complex": "complex",
    "torch.view_as_real": "complex",
    "repeat_interleave": "repeat",
    "torch.repeat_interleave": "repeat",
    "expand": "repeat",
    "view": "reshape",
    "reshape": "reshape",
    "flatten": "reshape",
    "unflatten": "reshape",
    "einops.rearrange": "reshape",
    "transpose": "transpose",
    "permute": "transpose",
    "torch.cat": "concat",
    "torch.stack": "concat",
    "chunk": "split",
    "split": "split",
    "unbind": "split",
    "torch.split": "split",
    "torch.chunk": "split",
    "F.dropout": "dropout",
    "F.linear": "linear",  # a layer kept as parameters (`MixtralExperts`): a linear layer all the same
    "torch.topk": "topk",
    "topk": "topk",
    "F.one_hot": "route",
    "torch.where": "route",
    "index_add_": "route",
    "index_select": "route",
    "masked_fill": "mask",
    "torch.triu": "mask",
    "torch.tril": "mask",
    "triu": "mask",
    "torch.arange": "positions",
    "torch.outer": "positions",
    "F.conv1d": "conv",
    "F.conv2d": "conv",
    "F.pad": "pad",
    "torch.sigmoid": "sigmoid",
    "F.sigmoid": "sigmoid",
    "sigmoid": "sigmoid",
    "F.embedding": "embed",
    "torch.exp": "exp",
    "torch.log": "log",
    "mean": "mean",
    "pow": "pow",
}
# `scaled_dot_product_attention` and the attention interfaces are the whole attention core.
ATTENTION_CORE = ("matmul", "softmax", "matmul")
ATTENTION_CALLS = frozenset({"F.scaled_dot_product_attention", "flash_attn_func", "attention_interface"})

# The sub-modules torch builds, by kind.
LAYERS = {
    "Linear": "linear",
    "Conv1D": "linear",  # transformers' GPT-2 Conv1D is a transposed linear layer
    "LazyLinear": "linear",
    "Bilinear": "linear",
    "Embedding": "embedding",
    "EmbeddingBag": "embedding",
    "LayerNorm": "norm",
    "RMSNorm": "norm",
    "GroupNorm": "norm",
    "BatchNorm1d": "norm",
    "BatchNorm2d": "norm",
    "Dropout": "dropout",
    "Conv1d": "conv",
    "Conv2d": "conv",
    "ConvTranspose1d": "conv",
    "MultiheadAttention": "attention",
    "Parameter": "parameter",
    "GELU": "act",
    "SiLU": "act",
    "ReLU": "act",
    "Tanh": "act",
    "Sigmoid": "act",
    "Identity": "identity",
    "DropPath": "dropout",
}
# Shape operations say how the author lays tensors out, not what is computed: kept as ops, left out of the flow.
LAYOUT = frozenset({"reshape", "transpose", "split", "concat", "repeat", "arith"})
# The roles of helper functions that are one step of the computation of the definitions calling them.
STEPS = frozenset({"position", "norm"})
# Layers a module may hold or call as functions alike (`nn.SiLU()` or `F.silu`): events, not composition.
STATELESS = frozenset({"act", "dropout", "identity"})
ACTIVATION_TABLES = frozenset({"ACT2FN", "ACT2CLS", "get_activation"})

# Role names by the words class names use, for when the content alone does not tell.
NAME_ROLES = (
    (re.compile(r"pretrained", re.I), "base"),  # weight initialisation, not a layer
    (re.compile(r"norm", re.I), "norm"),
    (re.compile(r"attn|attention", re.I), "attention"),
    (re.compile(r"moe|sparse|router|experts", re.I), "moe"),
    (re.compile(r"mlp|feedforward|ffn|expert", re.I), "mlp"),
    (re.compile(r"rotary|rope|positional|freqs|position", re.I), "position"),
    (re.compile(r"embed", re.I), "embedding"),
    (re.compile(r"layer$|block$", re.I), "block"),
    (re.compile(r"model$|transformer$|encoder$|decoder$", re.I), "model"),
)


class _File:
    """What a signature needs to know of the file: its imports, its functions, the roles of its classes."""

    def __init__(self, module: ast.Module, resolve):
        self.resolve = resolve  # chain -> API name (`F.silu`) or None
        self.functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        self.classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
        self.readings: dict[str, tuple[str, Counter, list[str]]] = {}

    def role(self, name: str) -> str:
        """The role of a definition of the file, read first if need be (the classes a class holds tell what it
        is); "other" for one being read (a cycle)."""
        return self.read(name)[0] if name not in self.readings else self.readings[name][0]

    def read(self, name: str) -> tuple[str, Counter, list[str]]:
        if name in self.readings:
            return self.readings[name]
        self.readings[name] = ("other", Counter(), [])
        node = self.classes.get(name) or self.functions[name]
        reader = _Reader(self)
        layers = reader.read_layers(node) if isinstance(node, ast.ClassDef) else Counter()
        if isinstance(node, ast.ClassDef):
            reader.read_computation(node)
        else:
            reader.folded.add(node.name)
            reader.visit(node)
        role = self.layer_base(node) or _role(node.name, layers, Counter(reader.events))
        self.readings[name] = (role, layers, reader.events)
        return self.readings[name]

    def api(self, node: ast.AST) -> str | None:
        chain = dotted_chain(node)
        return self.resolve(chain) if chain else None

    def layer_base(self, node: ast.AST) -> str | None:
        """The kind of torch layer a class derives from (`class StdConv2d(nn.Conv2d)` is a conv), if any."""
        if not isinstance(node, ast.ClassDef):
            return None
        for base in node.bases:
            api = self.api(base)
            if api and api.startswith("nn.") and api.rsplit(".", 1)[-1] in LAYERS:
                return LAYERS[api.rsplit(".", 1)[-1]]
        return None


class _Reader:
    """Reads one definition: its layers (from assignments to `self.*`), then its events in evaluation order."""

    def __init__(self, file: _File):
        self.file = file
        self.attributes: dict[str, str] = {}  # self.x (or self.x.key of a ModuleDict) -> kind
        self.aliases: dict[str, str] = {}  # a loop variable over a ModuleList -> the kind of its layers
        self.methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}  # of the class being read
        self.factories: set[str] = set()  # the factory functions being read
        self.events: list[str] = []
        self.folded: set[str] = set()

    # -- layers -----------------------------------------------------------------------------------------------
    def kind_of_value(self, node: ast.AST) -> str | None:
        """The kind of sub-module an expression builds (`nn.Linear(...)` -> linear), None if it builds none."""
        if isinstance(node, ast.Subscript):
            chain = dotted_chain(node.value)
            return "act" if chain and chain[-1] in ACTIVATION_TABLES else None
        if not isinstance(node, ast.Call):
            return None
        chain = dotted_chain(node.func)
        if chain is None:
            return None
        name = chain[-1]
        if name in ("ModuleList", "Sequential"):
            return self.kind_of_container(node, pipeline=name == "Sequential")
        if name in ACTIVATION_TABLES:
            return "act"
        if len(chain) == 1 and name in self.file.functions:  # a factory: `conv3x3(...)`, `_make_fusion_block(...)`
            return self.kind_of_factory(name)
        if name in self.file.classes:  # its role; a subclass of a torch layer (`class Linear(nn.Linear)`) is one
            role = self.file.role(name)
            return (_kind_by_name(name) or "module") if role == "other" else role
        api = self.file.api(node.func)
        if api and api.startswith(("nn.", "hf.", "torch.")) and name in LAYERS:
            return LAYERS[name]
        if api and api.startswith("model."):
            return _role_by_name(name) or "module"
        if api is None and name[:1].isupper():  # another package's layer: `ColumnParallelLinear`, `LPLayerNorm`
            return _kind_by_name(name)
        return None

    def kind_of_factory(self, name: str) -> str | None:
        """The kind of layer a function of the file returns, if it returns one."""
        if name in self.factories:
            return None  # a recursive factory
        self.factories.add(name)
        returned = [node.value for node in ast.walk(self.file.functions[name]) if isinstance(node, ast.Return)]
        kinds = [kind for kind in (self.kind_of_value(value) for value in returned if value is not None) if kind]
        self.factories.discard(name)
        return kinds[0] if kinds else None

    def kind_of_container(self, node: ast.Call, *, pipeline: bool) -> str:
        """`nn.ModuleList([Block(...) for _ in range(n)])` holds blocks; `nn.Sequential(Linear, GELU, Linear)` is
        an MLP; another `nn.Sequential` is what its layers mostly are (a conv, its norm and activation: a conv)."""
        inner = node.args[0] if node.args else None
        if isinstance(inner, ast.Starred):
            inner = inner.value
        if isinstance(inner, ast.Call) and (dotted_chain(inner.func) or [""])[-1] == "OrderedDict" and inner.args:
            inner = ast.List(  # nn.Sequential(OrderedDict([("conv", ...), ("gn", ...)]))
                [
                    e.elts[1]
                    for e in getattr(inner.args[0], "elts", [])
                    if isinstance(e, ast.Tuple) and len(e.elts) == 2
                ]
            )
        if isinstance(inner, ast.ListComp | ast.GeneratorExp):
            kind = self.kind_of_value(inner.elt)
            return f"{kind}s" if kind else "list"
        elements = inner.elts if isinstance(inner, ast.List) else node.args if pipeline else []
        kinds = [kind for kind in map(self.kind_of_value, elements) if kind]
        if not kinds:
            return "list"
        if not pipeline:
            return f"{kinds[0]}s"
        if kinds.count("linear") >= 2 and "act" in kinds:
            return "mlp"
        held = [kind for kind in kinds if kind not in STATELESS]
        return Counter(held).most_common(1)[0][0] if held else "act"

    def read_layers(self, node: ast.ClassDef) -> Counter:
        layers: Counter = Counter()

        def hold(name: str, kind: str) -> None:
            self.attributes[name] = kind
            if kind not in STATELESS:
                layers[kind] += 1

        for child in ast.walk(node):
            if isinstance(child, ast.AnnAssign) and child.value is not None:  # self.blocks: Iterable[Block] = ...
                child = ast.Assign(targets=[child.target], value=child.value)
            if isinstance(child, ast.Assign) and len(child.targets) == 1:
                target = dotted_chain(child.targets[0])
                if not (target and target[0] == "self" and len(target) == 2):
                    continue
                entries = _dict_entries(child.value)
                if entries is not None:  # nn.ModuleDict(dict(wte=nn.Embedding(...), h=nn.ModuleList(...)))
                    for key, value in entries:
                        kind = self.kind_of_value(value)
                        if kind:
                            hold(f"{target[1]}.{key}", kind)
                    continue
                kind = self.kind_of_value(child.value)
                if kind:
                    hold(target[1], kind)
            elif isinstance(child, ast.Call):  # self.register_buffer("inv_freq", ...)
                chain = dotted_chain(child.func)
                if chain and chain[-1] == "register_buffer":
                    layers["buffer"] += 1
                elif (  # self.layers = nn.ModuleList(), then self.layers.append(Block(...)) in a loop
                    chain
                    and len(chain) == 3
                    and chain[0] == "self"
                    and chain[2] in ("append", "extend", "add_module")
                    and self.attributes.get(chain[1]) == "list"
                    and child.args
                ):
                    kind = self.kind_of_value(child.args[-1])
                    if kind:
                        layers["list"] -= 1
                        layers += Counter()  # drops the emptied "list"
                        hold(chain[1], f"{kind}s")
        return layers

    def held(self, node: ast.AST) -> str | None:
        """The kind of the sub-module an expression reads (`self.mlp`, `self.transformer.h`, `self.layers[0]`)."""
        if isinstance(node, ast.Subscript):
            kind = self.held(node.value)
            return (
                kind[:-1] if kind and kind.endswith("s") and isinstance(node.slice, ast.Constant | ast.Name) else kind
            )
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        chain = dotted_chain(node)
        if chain and chain[0] == "self" and len(chain) >= 2:
            return self.attributes.get(".".join(chain[1:]))
        return None

    # -- events -----------------------------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        """Events of an expression or statement, inner ones first (the order the computation runs in)."""
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            if not isinstance(node, ast.Lambda):
                for statement in node.body:
                    self.visit(statement)
            return
        if isinstance(node, ast.Call):
            self.visit_call(node)
            return
        if isinstance(node, ast.For):  # `for block in self.layers:`: a call of `block` is a call of a layer
            iterated = node.iter.args[0] if isinstance(node.iter, ast.Call) and node.iter.args else node.iter
            kind = self.held(iterated)
            names = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
            if kind and kind.endswith("s") and isinstance(names[-1], ast.Name):
                self.aliases[names[-1].id] = kind[:-1]
        for child in ast.iter_child_nodes(node):
            self.visit(child)
        if isinstance(node, ast.BinOp):
            op = type(node.op).__name__
            self.add({"MatMult": "matmul", "Add": "add", "Mult": "mul", "Div": "div", "Sub": "sub"}.get(op, "arith"))
        elif (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and not isinstance(node.operand, ast.Constant)
        ):
            self.add("neg")
        elif isinstance(node, ast.Name) and node.id in self.file.functions and isinstance(node.ctx, ast.Load):
            self.fold(node.id)  # `attention_interface = eager_attention_forward`: a helper used by reference

    def visit_call(self, node: ast.Call) -> None:
        for child in (*node.args, *(k.value for k in node.keywords)):
            self.visit(child)
        func = node.func
        if isinstance(func, ast.Attribute):
            self.visit(func.value)
        chain = dotted_chain(func)
        api = self.file.api(func)
        if api in ATTENTION_CALLS or (chain and chain[-1] in ATTENTION_CALLS):
            if "softmax" not in self.events:  # not when the eager helper it stands for was folded already
                for event in ATTENTION_CORE:
                    self.add(event)
            return
        kind = self.held(func)
        if kind:
            self.add(kind[:-1] if kind.endswith("s") else kind)  # a whole ModuleList called: one layer's step
            return
        if chain and len(chain) == 2 and chain[0] == "self" and chain[1] in self.methods:
            self.fold_method(chain[1])
            return
        if chain and len(chain) == 1 and chain[0] in self.file.functions:
            self.fold(chain[0])
            return
        if chain and len(chain) == 1 and chain[0] in self.file.classes:
            return
        name = api or (func.attr if isinstance(func, ast.Attribute) else None)
        if name is None:
            return
        op = OPS.get(name) or OPS.get(name.rsplit(".", 1)[-1] if api is None else "")
        if op:
            self.add(op)
        elif (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) and chain and chain[0] == "self"
        ):
            self.add(self.attributes.get(chain[1], "call") if len(chain) > 1 else "call")

    def add(self, event: str) -> None:
        if event == "matmul" and self.events and self.events[-1] == "transpose":
            self.events.pop()  # `q @ k.transpose(-1, -2)` is the einsum "bqd,bkd->bqk" of research code
        self.events.append(event)

    def read_computation(self, node: ast.ClassDef) -> None:
        """The events of a class's `forward` and of the methods it calls (`self.forward_features(x)`); of all its
        methods when it has no `forward`. `generate` or `init_weights` are not what the module computes."""
        self.methods = {
            item.name: item
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name != "__init__"
        }
        if "forward" in self.methods:
            self.fold_method("forward")
            return
        for method in self.methods.values():
            self.visit(method)

    def fold_method(self, name: str) -> None:
        if ("self", name) not in self.folded:
            self.folded.add(("self", name))
            self.visit(self.methods[name])

    def fold(self, name: str) -> None:
        """A helper function of the file the definition calls: its computation is the definition's too.

        A positional encoding or a norm is one step of the computation however it is written (`rotate_half` or
        complex numbers): it is folded in as that step, as a layer of that kind would be.
        """
        if name in self.folded:
            return
        self.folded.add(name)
        if self.file.role(name) in STEPS:
            self.add(self.file.role(name))
            return
        for statement in self.file.functions[name].body:
            self.visit(statement)


def _dict_entries(node: ast.AST) -> list[tuple[str, ast.AST]] | None:
    """The (key, value) pairs of `nn.ModuleDict({...})` or `nn.ModuleDict(dict(k=...))`, else None."""
    if not (isinstance(node, ast.Call) and (dotted_chain(node.func) or [""])[-1] == "ModuleDict" and node.args):
        return None
    inner = node.args[0]
    if isinstance(inner, ast.Dict):
        return [(k.value, v) for k, v in zip(inner.keys, inner.values, strict=True) if isinstance(k, ast.Constant)]
    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "dict":
        return [(k.arg, k.value) for k in inner.keywords if k.arg]
    return None


def _kind_by_name(name: str) -> str | None:
    """The kind of a layer class of another package, by the torch layer its name ends with or the role its
    words say (`ColumnParallelLinear` -> linear, `TransformerLayer` -> block)."""
    endings = [layer for layer in LAYERS if name.endswith(layer)]
    if endings:
        return LAYERS[max(endings, key=len)]
    return _role_by_name(name)


def _role_by_name(name: str) -> str | None:
    for pattern, role in NAME_ROLES:
        if pattern.search(name):
            return role
    return None


def _role(name: str, layers: Counter, ops: Counter) -> str:
    """What a definition is, from what it holds and computes; its name only when its content does not tell."""
    if layers["attention"] and (layers["mlp"] or layers["moe"] or layers["linears"] or layers["linear"] >= 2):
        return "block"
    if layers["conv"] >= 2 and ops["add"] and not layers["blocks"]:  # a residual unit of convolutions
        return "block"
    if layers["blocks"] or layers["modules"]:
        return "model"
    if layers["model"]:
        return "head"  # `LlamaForCausalLM`: a model and what is put on top of it
    if ops["softmax"] and ops["matmul"] >= 2:
        return "attention"
    if ops["topk"] or (ops["softmax"] and layers["mlps"]):
        return "moe"
    if max(layers["linear"], ops["linear"]) >= 2 and ops["act"] and not ops["softmax"]:
        return "mlp"
    # A norm computes one (rsqrt, var) or wraps one (`F.layer_norm`, a norm layer) and does nothing else.
    if (ops["normalize"] and not layers["linear"] and not layers["blocks"]) or (
        ops["norm"] and set(ops) <= {"norm", "normalize", "mul", "add", "sub", "div", "pow", "mean", *LAYOUT}
    ):
        return "norm"
    if (ops["trig"] or ops["complex"]) and (ops["positions"] or ops["complex"] or ops["neg"]):
        return "position"
    return _role_by_name(name) or "other"


def signatures(module: ast.Module, resolve) -> dict[str, tuple[str, Counter]]:
    """Top-level class or function name -> (its role, its structural signature as feature ids), for one file.

    `resolve(chain)` names API calls (`features._FeatureReader.resolve`). Reads the original definitions: call it
    before they are canonicalized.
    """
    return {
        name: (role, _features(role, layers, events))
        for name, (role, layers, events) in readings(module, resolve).items()
    }


def readings(module: ast.Module, resolve) -> dict[str, tuple[str, Counter, list[str]]]:
    """Top-level class or function name -> (its role, the layers it builds, its events in order)."""
    file = _File(module, resolve)
    return {
        node.name: file.read(node.name)
        for node in module.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _features(role: str, layers: Counter, events: list[str]) -> Counter:
    features: Counter = Counter()

    def add(namespace: str, text: str, count: int = 1) -> None:
        features[feature_id(namespace, sys.intern(text))] += count

    if role != "other":  # "other" says nothing: two units that build and compute nothing are not alike
        add("role", role, 2)
    for kind, count in layers.items():
        add("layer", kind, count)
    if layers:  # fused or split projections alike: one layer of a kind, or several
        add("layers", ",".join(kind + ("" if count == 1 else "+") for kind, count in sorted(layers.items())))
    for op, count in Counter(events).items():
        add("op", op, count)
    flow = [event for event in events if event not in LAYOUT]
    flow = [event for event, previous in zip(flow, [None, *flow], strict=False) if event != previous]
    for first, second in zip(flow, flow[1:], strict=False):
        add("flow", f"{first}>{second}")
    return features
