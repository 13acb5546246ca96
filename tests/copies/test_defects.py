"""Upstream's known defects (spec §4, probes of §6), each on a small case: fixed here."""

from __future__ import annotations

import ast
import subprocess

from .conftest import BERT


ROBERTA = "src/transformers/models/roberta/modeling_roberta.py"
BERT_PATH = "src/transformers/models/bert/modeling_bert.py"


def test_a_dangling_reference_is_a_finding_with_a_suggestion(tree):
    tree.write(
        ROBERTA,
        """\
        # Copied from transformers.models.bert.modeling_bert.BertIntermediat
        class RobertaIntermediate:
            pass


        # Copied from transformers.models.bert.modeling_bort.BertOutput
        class RobertaOutput:
            pass
        """,
    )
    report = tree.check()
    assert report.exit_code == 1
    assert [(f.kind, f.line) for f in report.findings] == [("dangling", 1), ("dangling", 6)]
    assert "did you mean BertIntermediate" in report.findings[0].hint
    assert "did you mean modeling_bert" in report.findings[1].hint


def test_a_source_that_gained_a_method_is_reported_and_fixed(tree):
    from .test_grammar import INTERMEDIATE_COPY

    tree.write(ROBERTA, INTERMEDIATE_COPY)
    grown = BERT.replace(
        "        return hidden_states\n\n\nclass BertOutput",
        "        return hidden_states\n\n    def extra(self):\n        return 1\n\n\nclass BertOutput",
    )
    tree.write(BERT_PATH, grown)
    report = tree.check()
    # Reported at the copy's last line (upstream crashes in check and fix).
    assert [(f.kind, f.line) for f in report.findings] == [("copy", INTERMEDIATE_COPY.count("\n"))]
    fixed = tree.check(fix=True)
    assert fixed.findings == [] and [p.name for p in fixed.fixed] == ["modeling_roberta.py"]
    assert tree.read(ROBERTA) == INTERMEDIATE_COPY.replace(
        "        return hidden_states\n", "        return hidden_states\n\n    def extra(self):\n        return 1\n"
    )
    assert tree.check().findings == []


def test_fix_keeps_the_name_of_a_top_level_copy(tree):
    copy = """\
        from torch import nn


        # Copied from transformers.models.bert.modeling_bert.BertIntermediate
        class BlipTextIntermediate(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
                self.intermediate_act_fn = nn.GELU()

            def forward(self, hidden_states):
                hidden_states = self.dense(hidden_states)
                hidden_states = self.intermediate_act_fn(hidden_states)
                return hidden_states
        """
    tree.write(ROBERTA, copy)
    assert tree.check().findings == []
    tree.write(ROBERTA, copy.replace("nn.GELU()", "nn.Tanh()"))
    assert tree.check(fix=True).findings == []
    assert "class BlipTextIntermediate(nn.Module):" in tree.read(ROBERTA)
    assert "nn.GELU()" in tree.read(ROBERTA)


def test_header_exemption_renames_only_the_defined_name(tree):
    # P12: upstream replaces every occurrence of the source name in the header, so a base class that contains
    # it gives a false mismatch.
    tree.write(
        ROBERTA,
        """\
        # Copied from transformers.models.bert.modeling_bert.Bert
        class Foo(BertBase):
            def forward(self, x):
                return x
        """,
    )
    assert tree.check().findings == []


def test_copies_of_copies_are_fixed_in_one_run_from_the_original_source(tree):
    middle = "src/transformers/models/roberta/modeling_roberta.py"
    last = "src/transformers/models/camembert/modeling_camembert.py"
    body = """\
        import torch


        # Copied from transformers.models.{src}.gelu_like
        def gelu_like(x):
            y = x * 0.5
            return y * (1.0 + torch.tanh(y))
        """
    tree.write(middle, body.format(src="bert.modeling_bert"))
    tree.write(last, body.format(src="roberta.modeling_roberta"))
    assert tree.check().findings == []
    # The original changes, and the middle copy carries a bad edit that must not spread down the chain.
    tree.write(BERT_PATH, BERT.replace("y = x * 0.5", "y = x * 0.25"))
    tree.write(middle, tree.read(middle).replace("return y *", "return 7 * y *"))
    report = tree.check(fix=True)
    assert report.findings == []
    for path in (middle, last):
        assert "y = x * 0.25\n    return y * (1.0" in tree.read(path)


def test_a_decorator_between_marker_and_def_is_allowed(tree):
    tree.write(
        ROBERTA,
        """\
        import torch


        # Copied from transformers.models.bert.modeling_bert.gelu_like
        @torch.no_grad()
        def gelu_like(x):
            y = x * 0.5
            return y * (1.0 + torch.tanh(y))
        """,
    )
    assert tree.check().findings == []


def test_async_sources_and_any_class_layout(tree):
    tree.write(
        BERT_PATH,
        BERT
        + """

class Layout:
    def method(self):
        return 1

    attribute = 2
""",
    )
    tree.write(
        ROBERTA,
        """\
        # Copied from transformers.models.bert.modeling_bert.fetch
        async def fetch(x):
            return x


        # Copied from transformers.models.bert.modeling_bert.Layout
        class Layout:
            def method(self):
                return 1

            attribute = 3
        """,
    )
    report = tree.check()
    assert [(f.kind, f.line) for f in report.findings] == [("copy", 11)]
    assert tree.check(fix=True).findings == []
    assert "attribute = 2" in tree.read(ROBERTA)


def test_a_marker_not_above_a_definition_is_a_clear_finding(tree):
    tree.write(
        ROBERTA,
        """\
        # Copied from transformers.models.bert.modeling_bert.gelu_like
        x = 1
        """,
    )
    [finding] = tree.check().findings
    assert (finding.kind, finding.line, finding.fixable) == ("marker", 1, False)


def test_fix_changes_only_the_stale_lines(tree):
    from .test_grammar import INTERMEDIATE_COPY

    # Blank lines are not compared, so a copy may space its code its own way; a fix keeps that.
    spaced = INTERMEDIATE_COPY.replace("        return hidden_states\n", "\n        return hidden_states\n")
    tree.write(ROBERTA, spaced.replace("nn.GELU()", "nn.ReLU()"))
    tree.check(fix=True)
    assert tree.read(ROBERTA) == spaced
    ast.parse(tree.read(ROBERTA))


def test_changed_checks_copies_of_a_changed_source(tree):
    from .test_grammar import INTERMEDIATE_COPY

    tree.write(ROBERTA, INTERMEDIATE_COPY)
    other = "src/transformers/models/other/modeling_other.py"
    tree.write("src/transformers/models/other/helpers.py", "def helper(x):\n    return x + 1\n")
    tree.write(other, "# Copied from transformers.models.other.helpers.helper\ndef helper(x):\n    return x\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", "init", "-q"], cwd=tree.root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tree.root, check=True)
    subprocess.run(["git", "commit", "-qm", "base"], cwd=tree.root, check=True, env={**env, "PATH": "/usr/bin:/bin"})
    assert tree.check(changed=True).findings == []  # the stale `other` copy is committed and unrelated
    tree.write(BERT_PATH, BERT.replace("nn.GELU()", "nn.SiLU()"))
    report = tree.check(changed=True)
    assert [(f.path.name, f.kind) for f in report.findings] == [("modeling_roberta.py", "copy")]
    # PATH arguments select the same way (pre-commit passes the changed files).
    report = tree.check(paths=[tree.root / BERT_PATH])
    assert [(f.path.name, f.kind) for f in report.findings] == [("modeling_roberta.py", "copy")]
    assert len(tree.check().findings) == 2


def test_fix_keeps_an_extra_ignored_method_where_it_was(tree):
    from .test_grammar import INTERMEDIATE_COPY

    extra = "    # Ignore copy\n    def extra(self):\n        return 1\n\n"
    with_extra = INTERMEDIATE_COPY.replace("    def forward", extra + "    def forward")
    tree.write(ROBERTA, with_extra)
    assert tree.check().findings == []
    tree.write(ROBERTA, with_extra.replace("return hidden_states\n", "return hidden_states + 1\n"))
    assert len(tree.check().findings) == 1
    assert tree.check(fix=True).findings == []
    # P7: upstream moves the ignored method to the end of the class.
    assert tree.read(ROBERTA) == with_extra


def test_deleting_a_source_file_flags_its_copies_with_changed_paths(tree):
    from .test_grammar import INTERMEDIATE_COPY

    tree.write(ROBERTA, INTERMEDIATE_COPY)
    (tree.root / BERT_PATH).unlink()
    report = tree.check(paths=[tree.root / BERT_PATH])
    assert [(f.kind, f.path.name) for f in report.findings] == [("dangling", "modeling_roberta.py")]


def test_markers_whose_source_overlaps_their_own_copy_are_warned_about_on_every_run(tree):
    from modgen.copies.report import as_text

    alpha, beta = "src/transformers/models/alpha/modeling_alpha.py", "src/transformers/models/beta/modeling_beta.py"
    tree.write(
        alpha,
        """\
        class AlphaLayer:
            # Copied from transformers.models.alpha.modeling_alpha.AlphaLayer.f
            def f(self):
                return 1
        """,
    )
    # Copying the class renames its nested marker too, which then points into the copy it sits in.
    tree.write(
        beta,
        """\
        # Copied from transformers.models.alpha.modeling_alpha.AlphaLayer with Alpha->Beta all-casing
        class BetaLayer:
            # Copied from transformers.models.beta.modeling_beta.BetaLayer.f
            def f(self):
                return 1
        """,
    )
    report = tree.check()
    # Neither marker can ever fail (an edit changes both sides at once): upstream accepts them in silence.
    assert report.exit_code == 0
    assert [(w.path.name, w.line, w.message) for w in report.warnings] == [
        ("modeling_alpha.py", 2, "the marker points at its own code: it checks nothing, an edit here goes unseen"),
        ("modeling_beta.py", 3, "the marker's source (line 4) is inside the copy it sits in: it checks nothing"),
    ]
    text = as_text(report)
    assert f"{alpha}:2: warning: the marker points at its own code" in text
    assert f"{beta}:3: warning: the marker's source (line 4) is inside the copy it sits in" in text

    # A copy that contains its own source never matches it: a finding, and the warning says why.
    gamma = tree.write(
        "src/transformers/models/gamma/modeling_gamma.py",
        "# Copied from transformers.models.gamma.modeling_gamma.A.f\nclass A:\n    def f(self):\n        return 1\n",
    )
    report = tree.check()
    assert [(f.path, f.line) for f in report.findings] == [(gamma, 2)]
    assert (gamma, 1, "the marker's source (line 3) is inside the copy itself: edits there go unseen") in [
        (w.path, w.line, w.message) for w in report.warnings
    ]


def test_a_stale_copy_in_a_file_that_does_not_parse_there_is_reported_and_left_alone(tree):
    from .test_grammar import INTERMEDIATE_COPY

    # The closing parenthesis is gone: where the copy ends is anybody's guess, and a fix could cut it in two.
    broken = INTERMEDIATE_COPY.replace("config.intermediate_size)", "config.intermediate_size")
    tree.write(ROBERTA, broken)
    [finding] = tree.check(fix=True).findings
    assert (finding.kind, finding.fixable) == ("copy", False)
    assert "the file does not parse (line 8" in finding.hint and "fix the syntax error first" in finding.hint
    assert tree.read(ROBERTA) == broken
