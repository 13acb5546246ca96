"""A method of the target against the parent's method of the same name: the ways a modular class can state it.

Each form is what the flattener turns back into the target's method when merged into the parent's class:

* `full`: the method as the target has it, less what the merge takes from the parent anyway (decorators equal to
  the parent's, a docstring equal to the parent's);
* `super_kwargs`: `def forward(self, **super_kwargs): return super().forward(**super_kwargs)`: the parent's
  signature and body, with another docstring, other decorators or a few parameters changed;
* `unroll`: `super().__init__(config)` among the target's own statements: the parent's body comes in its place,
  with assignments the target changes replaced in place, `del self.x` for the ones it drops, and what it adds
  after them;
* `delete`: `def name(self): raise AttributeError(...)` for a parent method the target does not have.

Which form a method takes is decided by the class (`classes.py`), which checks each one by merging it with the
flattener's own code.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from functools import cached_property

from modgen.modularize.code import CLASS_PREFIX, Statement, block_statements, is_docstring, same_code


INDENT = "    "
BODY_INDENT = INDENT * 2


@dataclass
class Method:
    """A method as a class body statement (indented by four spaces), cut into the parts merging reads."""

    text: str
    base: str | None = None  # the first base of its class (the target's): what a real `super()` call reaches

    @cached_property
    def _parsed(self) -> tuple[list[str], ast.FunctionDef | ast.AsyncFunctionDef]:
        source = CLASS_PREFIX + self.text
        node = ast.parse(source).body[0].body[0]
        return source.splitlines(keepends=True), node

    @property
    def node(self) -> ast.FunctionDef | ast.AsyncFunctionDef:
        return self._parsed[1]

    @property
    def name(self) -> str:
        return self.node.name

    @cached_property
    def _lines(self) -> list[str]:
        return self._parsed[0]

    @cached_property
    def _first_line(self) -> int:
        """The line of the first decorator, or of `def` (1-based, in `CLASS_PREFIX + text`)."""
        return min([self.node.lineno, *(d.lineno for d in self.node.decorator_list)])

    @cached_property
    def _signature_end(self) -> int:
        """The line of the colon that ends the `def` statement."""
        source = "".join(self._lines[self.node.lineno - 1 :])
        depth = 0
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.OP:
                if token.string in "([{":
                    depth += 1
                elif token.string in ")]}":
                    depth -= 1
                elif token.string == ":" and depth == 0:
                    return self.node.lineno + token.start[0] - 1
        raise AssertionError("a def without its colon")

    @property
    def leading(self) -> str:
        """The blank and comment lines above the method."""
        return "".join(self._lines[1 : self._first_line - 1])

    @property
    def decorators(self) -> str:
        return "".join(self._lines[self._first_line - 1 : self.node.lineno - 1])

    @property
    def signature(self) -> str:
        """The `def` line(s), up to the colon's line."""
        return "".join(self._lines[self.node.lineno - 1 : self._signature_end])

    @cached_property
    def statements(self) -> list[Statement]:
        """The body's statements, the docstring included."""
        end = len(self._lines)
        return block_statements(self._lines, self.node.body, self._signature_end + 1, end)

    @property
    def docstring(self) -> Statement | None:
        first = self.statements[0]
        return first if is_docstring(first.node, first.code) else None

    @property
    def body(self) -> list[Statement]:
        """The statements after the docstring."""
        return self.statements[1:] if self.docstring is not None else self.statements

    def stated(self, statement: Statement) -> str | None:
        """A body statement as the modular file states it: a bare `super().<this method>(...)` call, which the
        flattener would replace with the parent's body, as an explicit call of the class's first base, which it
        turns back into `super()`. None when that cannot be written."""
        node = statement.node
        call = node.value if isinstance(node, (ast.Expr, ast.Return)) else None
        if not _is_super_call(call, self.name):
            return statement.text
        if self.base is None:
            return None
        pattern = re.compile(rf"super\(\)\.{re.escape(self.name)}\((\s*\))?")
        return pattern.sub(
            lambda m: f"{self.base}.{self.name}(self" + (")" if m.group(1) else ", "), statement.text, count=1
        )

    def as_stated(self) -> str | None:
        """The whole method as the modular file states a new one (its bare super calls made explicit)."""
        if not any(_is_super_call(getattr(s.node, "value", None), self.name) for s in self.body):
            return self.text
        body = [self.stated(statement) for statement in self.body]
        if None in body:
            return None
        docstring = self.docstring.text if self.docstring is not None else ""
        return self.leading + self.decorators + self.signature + docstring + "".join(body)

    def same_decorators(self, other: Method) -> bool:
        return same_code(_as_block(self.decorators), _as_block(other.decorators), in_class=False)


def _is_super_call(node: ast.AST | None, name: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "super"
    )


def _as_block(decorators: str) -> str:
    """Decorator lines made a statement that parses alone."""
    return "".join(line.strip() + "\n" for line in decorators.splitlines() if line.strip()) + "def _(): pass\n"


def deletion(name: str, model: str) -> str:
    """A method that removes the parent's method of that name (it needs a blank line above it)."""
    return f'\n{INDENT}def {name}(self):\n{BODY_INDENT}raise AttributeError("Not needed for {model}")\n'


def _decorators_for(target: Method, parent: Method) -> str | None:
    """The decorators the modular method states: none when the parent's are the target's, `@no_inherit_decorator`
    when the target has none and the parent some."""
    if not target.decorators.strip():
        return "" if not parent.decorators.strip() else f"{INDENT}@no_inherit_decorator\n"
    return "" if target.same_decorators(parent) else target.decorators


def _docstring_for(target: Method, parent: Method) -> str | None:
    """The docstring the modular method states ("" when the parent's is merged in); None: no form can drop the
    parent's docstring."""
    if target.docstring is None:
        return None if parent.docstring is not None else ""
    # A blank line under the docstring only stays in the modular file under the docstring itself.
    spaced = bool(target.body) and target.body[0].blank_above
    if parent.docstring is not None and same_code(target.docstring.code, parent.docstring.code) and not spaced:
        return ""
    return target.docstring.text


def full(target: Method, parent: Method) -> str | None:
    """The target's method as a modular override, or None when merging would add what the target lacks."""
    decorators = _decorators_for(target, parent)
    docstring = _docstring_for(target, parent)
    if decorators is None or docstring is None:
        return None
    if parent.node.returns is not None and target.node.returns is None:
        return None  # the parent's return annotation would be taken
    body = [target.stated(statement) for statement in target.body]
    if None in body:
        return None
    keep = ""
    if not docstring and target.body and isinstance(target.body[0].node, ast.Raise) and not decorators:
        # The flattener takes a method that only raises, right under its blank line, for a deletion.
        keep = f"{INDENT}# Overrides the parent's method (it is not removed).\n"
    return "\n" + keep + decorators + target.signature + docstring + "".join(body)


def super_kwargs(target: Method, parent: Method) -> str | None:
    """`def name(self, <changed parameters>, **super_kwargs)` calling `super().name(**super_kwargs)`, when the
    body is the parent's."""
    if len(target.body) != len(parent.body) or not all(
        mine.same(theirs) for mine, theirs in zip(target.body, parent.body, strict=True)
    ):
        return None
    decorators = _decorators_for(target, parent)
    docstring = _docstring_for(target, parent)
    if decorators is None or docstring is None:
        return None
    parameters = _changed_parameters(target.node.args, parent.node.args)
    if parameters is None:
        return None
    returns = ""
    if target.node.returns is not None:
        if parent.node.returns is None or not _same_node(target.node.returns, parent.node.returns):
            returns = f" -> {ast.unparse(target.node.returns)}"
    elif parent.node.returns is not None:
        return None
    prefix = "async def" if isinstance(target.node, ast.AsyncFunctionDef) else "def"
    signature = f"{INDENT}{prefix} {target.name}({', '.join(['self', *parameters, '**super_kwargs'])}){returns}:\n"
    call = f"{BODY_INDENT}return super().{target.name}(**super_kwargs)\n"
    return "\n" + decorators + signature + docstring + call


def _same_node(first: ast.AST, second: ast.AST) -> bool:
    return ast.dump(first) == ast.dump(second)


def _changed_parameters(target: ast.arguments, parent: ast.arguments) -> list[str] | None:
    """The parameters a `**super_kwargs` signature states so that merging gives the target's: the plain ones that
    differ from the parent's or are new, then the target's `*args` and keyword-only ones. None when the target's
    cannot come out (another `**kwargs`, parameters in another order, positional-only ones)."""
    if target.posonlyargs or parent.posonlyargs or not target.args or not parent.args:
        return None
    if (target.kwarg is None) != (parent.kwarg is None) or (
        target.kwarg is not None and not _same_node(target.kwarg, parent.kwarg)
    ):
        return None
    if target.kwarg is None:
        return None  # `**super_kwargs` stands for the parent's `**kwargs`
    defaults = _with_defaults(target)
    parent_defaults = _with_defaults(parent)
    parent_names = [arg.arg for arg in parent.args]
    target_names = [arg.arg for arg in target.args]
    kept = [name for name in target_names if name in parent_names]
    if kept != [name for name in parent_names if name in target_names] or len(kept) != len(parent_names):
        return None  # a parameter dropped, or moved
    if any(name in parent_names for name in target_names[len(kept) :]) or target_names[: len(kept)] != kept:
        return None  # new parameters must come after the parent's
    stated = []
    for (arg, default), name in zip(defaults[1:], target_names[1:], strict=True):
        if name in parent_names:
            theirs = parent_defaults[parent_names.index(name)]
            if _same_node(arg, theirs[0]) and _same_default(default, theirs[1]):
                continue
        stated.append(_parameter(arg, default))
    if target.vararg is not None:
        stated.append("*" + _parameter(target.vararg, None))
    elif target.kwonlyargs:
        stated.append("*")
    stated += [_parameter(arg, default) for arg, default in zip(target.kwonlyargs, target.kw_defaults, strict=True)]
    return stated


def _with_defaults(arguments: ast.arguments) -> list[tuple[ast.arg, ast.expr | None]]:
    missing = len(arguments.args) - len(arguments.defaults)
    return [
        (arg, None if index < missing else arguments.defaults[index - missing])
        for index, arg in enumerate(arguments.args)
    ]


def _same_default(first: ast.expr | None, second: ast.expr | None) -> bool:
    return (first is None and second is None) or (
        first is not None and second is not None and _same_node(first, second)
    )


def _parameter(arg: ast.arg, default: ast.expr | None) -> str:
    text = arg.arg
    if arg.annotation is not None:
        text += f": {ast.unparse(arg.annotation)}"
        if default is not None:
            text += f" = {ast.unparse(default)}"
    elif default is not None:
        text += f"={ast.unparse(default)}"
    return text


# Unrolling `super().name(...)` ---------------------------------------------------------------------------------


def _assigned_target(statement: Statement) -> str | None:
    """The target of a one-target assignment (`self.x` in `self.x = ...`), as the unroller keys it."""
    if len(statement.stmts) != 1:
        return None
    node = statement.node
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        return ast.unparse(node.targets[0])
    return None


def _annotated_target(statement: Statement) -> str | None:
    node = statement.node
    if len(statement.stmts) == 1 and isinstance(node, ast.AnnAssign):
        return ast.unparse(node.target)
    return None


def unroll(target: Method, parent: Method, max_before: int = 3) -> str | None:
    """The target's method as its own statements around a `super().name(...)` call, or None when the target's
    body is not the parent's with assignments replaced, dropped or added at the end."""
    decorators = _decorators_for(target, parent)
    docstring = _docstring_for(target, parent)
    if decorators is None or docstring is None or not parent.body:
        return None
    if parent.node.returns is not None and target.node.returns is None:
        return None
    best = None
    for before in range(min(max_before, len(target.body)) + 1):
        post = _post_statements(target.body[before:], parent.body)
        if post is None:
            continue
        pieces = [target.stated(statement) for statement in target.body[:before]]
        if None in pieces:
            continue
        restated = _restated(target, parent, pieces + post)
        if restated is None:
            continue
        post = restated[len(pieces) :]
        pieces.append(f"{BODY_INDENT}{_super_call(target)}\n")
        pieces += post
        text = "\n" + decorators + target.signature + docstring + "".join(pieces)
        if best is None or len(text) < len(best):
            best = text
    return best


def _post_statements(target: list[Statement], parent: list[Statement]) -> list[str] | None:
    """What follows the super call so that the unroller turns `parent` into `target`: overriding assignments,
    `del` statements and appended statements; None when the target is not of that shape."""
    if parent and target and parent[-1].same(target[-1]) and "self.post_init(" in parent[-1].code:
        # The unroller keeps `self.post_init()` last: what the target adds before it goes after the call.
        return _post_statements(target[:-1], parent[:-1])
    overrides: dict[str, Statement] = {}
    deleted: list[str] = []
    kept_texts: list[str] = []
    position = 0
    for theirs in parent:
        mine = target[position] if position < len(target) else None
        key = _assigned_target(theirs)
        if mine is not None and mine.same(theirs):
            position += 1
            kept_texts.append(theirs.code)
            continue
        if key is not None and mine is not None and _assigned_target(mine) == key:
            if key in overrides or key in deleted:
                return None
            overrides[key] = mine
            position += 1
            continue
        dropped = key or _annotated_target(theirs)
        if dropped is not None and dropped not in overrides:
            if dropped not in deleted:
                deleted.append(dropped)
            continue
        return None
    appended = target[position:]
    for statement in appended:
        if isinstance(statement.node, ast.Delete) or _assigned_target(statement) in overrides:
            return None
        if _assigned_target(statement) in deleted:
            return None
    post = [statement.text for statement in overrides.values()]
    post += [f"{BODY_INDENT}del {name}\n" for name in deleted]
    post += [statement.text for statement in appended]
    return post


def _unbound_locals(target: Method, parent: Method, statements: list[str]) -> set[str] | None:
    """The parent's local names the statements read without binding them (F821 in the modular file); None when
    they assign a local name they do not read (F841), or do not parse alone."""
    try:
        # A statement that silences ruff itself (a noqa comment) is the target's business.
        trees = [ast.parse(textwrap.dedent(text)) for text in statements if "# noqa" not in text]
    except SyntaxError:
        return None
    arguments = target.node.args
    bound = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    bound |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    stored, read, plain_stores = set(), set(), []
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (stored if isinstance(node.ctx, ast.Store) else read).add(node.id)
        for stmt in tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                plain_stores += [t.id for t in targets if isinstance(t, ast.Name)]
    if not all(name in read for name in plain_stores):
        return None
    parent_arguments = parent.node.args
    parent_locals = {n.id for n in ast.walk(parent.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    parent_locals |= {a.arg for a in [*parent_arguments.args, *parent_arguments.kwonlyargs]}
    return (read & parent_locals) - bound - stored


def _restated(target: Method, parent: Method, statements: list[str]) -> list[str] | None:
    """`statements`, plus the parent's assignments of the locals they read (`hidden_size = config.hidden_size`,
    stated again as it is: an override that changes nothing), so that the modular method reads no unbound name;
    None when that is not enough."""
    for _ in range(3):
        missing = _unbound_locals(target, parent, statements)
        if missing is None:
            return None
        if not missing:
            return statements
        found = [
            statement.text
            for statement in target.body
            if _assigned_target(statement) in missing and statement.text not in statements
        ]
        if not found:
            return None
        statements = statements + found
    return None


def _super_call(method: Method) -> str:
    """`super().name(a, b, *args, c=c, **kwargs)`: the method's parameters passed on (the flattener ignores them)."""
    arguments = method.node.args
    passed = [arg.arg for arg in [*arguments.posonlyargs, *arguments.args][1:]]
    if arguments.vararg is not None:
        passed.append("*" + arguments.vararg.arg)
    passed += [f"{arg.arg}={arg.arg}" for arg in arguments.kwonlyargs]
    if arguments.kwarg is not None:
        passed.append("**" + arguments.kwarg.arg)
    return f"super().{method.name}({', '.join(passed)})"
