"""Cutting a class into statements (`class_body`) gives what libcst gives: libcst, parsing the whole class, is the
reference every case is compared with, on tricky layouts and on a sample of the wheel's model files."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import libcst.matchers as m
import pytest

from modgen.modular.class_body import BodyStatement, ClassPieces, cut_class, print_header, print_in_class
from modgen.modular.imports import loaded_names
from modgen.modular.mapper import Entry, ast_names, split_units


LAYOUTS = {
    "footers": '''
        # above the class
        @dataclass
        class A(Base):  # a comment on the header
            """Doc."""

            x: int = 1  # trailing
            y = z = 2

            # a comment above a method
            @property
            def p(self):
                return 1
                # deeper, after the body: the method's footer
            # level with the methods: the next statement's
              # between the two

            @p.setter
            def p(self, value):
                if value:
                    pass
                elif value is None:
                    return
                else:
                    raise ValueError
                        # the deepest footer
                    # the else block's
            # the class's footer
    ''',
    "blocks": """
        class B:
            a = 1; b = 2
            (c) = 3
            def one_line(self): return 1
            try:
                d = 1
            except ImportError:
                d = 2
            finally:
                pass
                # in finally
            class Inner:
                e = 1

            for i in range(2):
                pass
            else:
                f = 1
            with open(__file__) as handle:
                g = 1
            async def h(self):
                pass
    """,
    "blank lines with spaces": "class C:\n    a = 1\n        \n\n    def f(self):\n        x = 1\n        \n    \n    b = 2\n",
    "odd strings": '''
        class D:
            r"""A raw docstring with \\""" inside."""
            s = "not a docstring"
            t = "con" "catenated"
            u = ("""parenthesized""")
            def f(self):
                return f"{self.s!r:>10}" + \'\'\'x\'\'\'
    ''',
}


def libcst_pieces(source: str) -> tuple[str, list[str]]:
    node = cst.parse_module(source).body[0]
    header = print_header(node.with_changes(body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Pass()])])))
    return header, [print_in_class(statement) for statement in node.body.body]


def cut(source: str) -> ClassPieces:
    units = split_units(source, ast.parse(source), None)
    unit = units[0]
    pieces = cut_class(unit.text, unit.first_line, unit.stmts[0], None)
    assert pieces is not None
    return pieces


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_cut_matches_libcst(layout: str):
    source = textwrap.dedent(LAYOUTS[layout]).lstrip("\n")
    pieces = cut(source)
    header, statements = libcst_pieces(source)
    assert print_header(pieces.header) == header
    assert [statement.text for statement in pieces.statements] == statements


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_classification_from_ast_matches_libcst(layout: str):
    source = textwrap.dedent(LAYOUTS[layout]).lstrip("\n")
    for piece, node in zip(cut(source).statements, cst.parse_module(source).body[0].body.body, strict=True):
        reference = BodyStatement.of_node(node)
        assert (piece.kind, piece.target) == (reference.kind, reference.target)
        if piece.kind in ("method", "class"):
            assert piece.key == reference.key


def test_signature_keeps_everything_but_the_body():
    source = textwrap.dedent(LAYOUTS["footers"]).lstrip("\n")
    for piece in cut(source).statements:
        if piece.kind != "method":
            continue
        full, signature = piece.node, piece.signature
        assert signature.decorators == full.decorators or all(
            a.deep_equals(b) for a, b in zip(signature.decorators, full.decorators, strict=True)
        )
        assert signature.params.deep_equals(full.params)
        assert [line.comment and line.comment.value for line in signature.leading_lines] == [
            line.comment and line.comment.value for line in full.leading_lines
        ]
        first = full.body.body[0]
        assert signature.body.body[0].deep_equals(first) or m.matches(
            signature.body.body[0], m.SimpleStatementLine(body=[m.Pass()])
        )


def test_top_level_statements_end_where_libcst_ends_them():
    """Top-level units take the same block footers as class statements (the same rule, `statement_end`)."""
    source = (
        "import torch\n\n\ndef f():\n    if torch:\n        x = 1\n            # deepest\n  # shallower: the next's\n"
        "        \n\n# a comment of the next\nclass A:\n    a = 1\n    # the class's footer\n\n\nB = 2\n"
    )
    module = cst.parse_module(source)
    units = split_units(source, ast.parse(source), None)
    # The first statement's leading lines are the module's header to libcst: compare from the second on.
    assert [unit.text for unit in units[1:]] == [module.code_for_node(node) for node in module.body[1:]]


def test_layouts_the_cut_leaves_to_libcst():
    indented_by_two = "class E:\n  a = 1\n"
    on_the_header_line = "class F: a = 1\n"
    for source in (indented_by_two, on_the_header_line):
        unit = split_units(source, ast.parse(source), None)[0]
        assert cut_class(unit.text, unit.first_line, unit.stmts[0], None) is None
        # ... and the entry falls back to the parsed class, which prints the same.
        pieces = ClassPieces.of_entry(Entry("class", unit.stmts[0].name, unit))
        assert [s.text for s in pieces.statements] == libcst_pieces(source)[1]


def test_cut_matches_libcst_on_the_wheel(installed_tree):
    files = sorted(installed_tree.models_dir.glob("*/modeling_*.py"))[::40]
    checked = 0
    for path in files:
        source = path.read_text(encoding="utf-8")
        for unit in split_units(source, ast.parse(source), None):
            stmt = unit.stmts[0]
            if not isinstance(stmt, ast.ClassDef):
                continue
            pieces = cut_class(unit.text, unit.first_line, stmt, None)
            node = unit.node
            expected = [print_in_class(statement) for statement in node.body.body]
            if pieces is None:
                continue
            assert [piece.text for piece in pieces.statements] == expected, f"{path}: {stmt.name}"
            checked += 1
    assert checked > 100


def test_names_are_libcst_names(installed_tree):
    """`ast_names` reads what libcst's `Name` nodes hold (but `None`, `True`, `False`: constants, naming nothing)."""
    for path in sorted(installed_tree.models_dir.glob("*/modeling_*.py"))[::60]:
        source = path.read_text(encoding="utf-8")
        for unit in split_units(source, ast.parse(source), None)[:40]:
            expected = {name.value for name in m.findall(unit.node, m.Name())} - {"None", "True", "False"}
            assert set().union(*map(ast_names, unit.stmts)) == expected, f"{path}: {unit.text[:80]}"


def test_loaded_names_of_a_renamed_statement_are_those_of_its_text(installed_tree):
    """A parent's statement reads its loaded names from its ast before renaming, renamed name by name: the same
    as parsing its renamed text."""
    from modgen.modular.casing import Casing
    from modgen.modular.modular_mapper import parsed_parent
    from modgen.modular.rename import NamePatterns

    casing = Casing(installed_tree.config_mapping)
    for model in ("llama", "clip", "whisper"):
        path = installed_tree.models_dir / model / f"modeling_{model}.py"
        mapper = parsed_parent(path, NamePatterns(model, "bob", casing), "bob", absolute=False)
        for entry in [*mapper.classes.values(), *mapper.functions.values()]:
            names = entry.loaded_names()
            if names is not None:
                assert names == loaded_names(entry.code), f"{model}: {entry.name}"
