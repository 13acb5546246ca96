"""Renaming a parent module from its model's name to the new model's: identifiers, strings and comments.

`llama` -> `bob`, `LLAMA` -> `BOB`, `Llama` -> `Bob` (cased as transformers spells the names), matched anywhere a
name is not preceded by a letter or digit: `self.llama`, `LlamaMLP`, `_LLAMA_DOC`, `"llama"`, `# Llama's`.
"""

from __future__ import annotations

import io
import re
import tokenize
from functools import lru_cache

import libcst as cst

from modgen.modular.casing import FILE_TYPE_PATTERN, Casing


# Package names that contain a model's name but are other projects' (mamba's kernels): never renamed.
NAMES_TO_NEVER_REPLACE = frozenset(
    {
        "mamba_ssm",
        "mamba_chunk_scan_combined",
        "mamba_split_conv1d_scan_combined",
        "mamba_inner_fn",
        "is_mamba_ssm_available",
        "is_mamba_2_ssm_available",
        "is_mambapy_available",
        "mambapy",
        "use_mambapy",
        "mamba_selective_state_update",
        "mamba_selective_scan",
        "mamba2_split_conv1d_scan_combined",
        "mamba2_selective_state_update",
        "mamba2_chunk_scan",
    }
)


class NamePatterns:
    """The `old -> new` spelling table of one rename, and the replacement it drives."""

    def __init__(self, old: str, new: str, casing: Casing):
        old, new = old.replace("-", "_"), new.replace("-", "_")
        self.old, self.new = old, new
        self.cased_old, self.cased_new = casing.cased(old), casing.cased(new)
        # When the cased old name is all upper case (`CLIP`, `GPT2`), it overwrites the `OLD` entry: two entries.
        self.table = {old: new, old.upper(): new.upper(), self.cased_old: self.cased_new}
        self.regex = _compile(tuple(self.table))
        self._cache: dict[str, str] = {}
        # Names the parent imports from modules that are not renamed with it (`OPENAI_CLIP_MEAN`): kept as they are.
        self.keep: frozenset[str] = frozenset()

    def replace(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            if text in NAMES_TO_NEVER_REPLACE or text.strip('"') in NAMES_TO_NEVER_REPLACE or text in self.keep:
                cached = text
            else:
                cached = self.regex.sub(self.replacement, text)
            self._cache[text] = cached
        return cached

    @property
    def protected_names(self) -> frozenset[str]:
        """Names `replace` leaves alone though they hold the model's name."""
        return NAMES_TO_NEVER_REPLACE | self.keep

    def replacement(self, match: re.Match) -> str:
        """The new spelling of one match of `regex`."""
        spelling, next_char = match.group(1), match.group(2)
        new = self.table.get(spelling, self.cased_new)
        # Two entries: `CLIP_START` -> `BOB_START` (upper case then no letter), `CLIPMLP` -> `BobMLP`.
        if len(self.table) == 2 and spelling.isupper() and not next_char.isalpha():
            new = self.table[spelling.lower()].upper()
        return new + next_char


@lru_cache(maxsize=256)
def _compile(keys: tuple[str, ...]) -> re.Pattern:
    # The match takes the next character too, so `LlamaLlama` only has its first `Llama` renamed, as upstream.
    alternatives = "|".join(re.escape(key) for key in keys)
    return re.compile(rf"(?<![a-z0-9])({alternatives})(.|$)", re.IGNORECASE | re.DOTALL)


class RenameTransformer(cst.CSTTransformer):
    """Rename a model everywhere in a module (or only in its strings and comments, `only_doc`)."""

    def __init__(self, patterns: NamePatterns, original_new_name: str = "", only_doc: bool = False):
        super().__init__()
        self.patterns = patterns
        self.original_new_name = original_new_name or patterns.new
        self.only_doc = only_doc

    def leave_SimpleString(self, original_node, updated_node):
        return updated_node.with_changes(value=self.patterns.replace(updated_node.value))

    def leave_Comment(self, original_node, updated_node):
        # Copied-from markers of the parent no longer hold once renamed and merged.
        if "# Copied from" in updated_node.value:
            return cst.RemoveFromParent()
        return updated_node.with_changes(value=self.patterns.replace(updated_node.value))

    def leave_Name(self, original_node, updated_node):
        if self.only_doc:
            return updated_node
        return updated_node.with_changes(value=self.patterns.replace(updated_node.value))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        # Absolute imports name other packages (`from mamba_ssm import ...`): never renamed.
        return bool(node.relative)

    def leave_ImportFrom(self, original_node, updated_node):
        # Sibling imports keep pointing at the model's real files when the prefix differs from the model name:
        # `.configuration_aria_text` -> `.configuration_aria`.
        new = self.patterns.new
        if self.original_new_name != new and isinstance(updated_node.module, cst.Name):
            module = re.sub(
                rf"({FILE_TYPE_PATTERN})_{new}", rf"\1_{self.original_new_name}", updated_node.module.value
            )
            updated_node = updated_node.with_changes(module=updated_node.module.with_changes(value=module))
        return updated_node


def rename_module(module: cst.Module, patterns: NamePatterns, original_new_name: str) -> cst.Module:
    return module.visit(RenameTransformer(patterns, original_new_name))


def rename_docs(node: cst.CSTNode, patterns: NamePatterns) -> cst.CSTNode:
    """Rename in strings and comments only (a class merged under a name with another suffix)."""
    return cst.Module(body=[node]).visit(RenameTransformer(patterns, only_doc=True)).body[0]


_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python >= 3.12 splits f-strings into tokens
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _rename_fstring(text: str, patterns: NamePatterns) -> str:
    """Names inside `{}` are renamed, the literal text is not (as upstream)."""
    expression = cst.parse_expression(text)
    return cst.Module([]).code_for_node(expression.visit(RenameTransformer(patterns)))


def _is_fstring(text: str) -> bool:
    prefix = text[: len(text) - len(text.lstrip("rRbBfFuU"))]
    return "f" in prefix.lower()


# The tokens renaming treats apart from the code: strings (any prefix, any quotes) and comments.
_STRING_OR_COMMENT = re.compile(
    r"(?:(?<!\w)[rRbBuUfF]{1,2})?"  # a prefix, not the end of a name
    r"(?:'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"  # '''...'''
    r'|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}'  # """..."""
    r"|'(?:[^'\\\n]|\\.)*'"  # '...'
    r'|"(?:[^"\\\n]|\\.)*")'  # "..."
    r"|\#[^\r\n]*",  # a comment
    re.DOTALL,
)
_ABSOLUTE_FROM = re.compile(r"^[ \t]*from[ \t]+[A-Za-z_]", re.MULTILINE)


def rename_source(source: str, patterns: NamePatterns, original_new_name: str) -> str:
    """`rename_module` on source text: the same renames, without building a tree.

    Names, strings and comments are renamed; absolute `from X import ...` statements are left alone; a comment
    holding `# Copied from` is emptied.
    """
    renamed = _rename_by_scanning(source, patterns)
    if renamed is None:
        renamed = _rename_by_tokens(source, patterns)
    if original_new_name != patterns.new:
        # Sibling imports keep pointing at the model's real files: `.configuration_aria_text` -> `.configuration_aria`.
        renamed = re.sub(
            rf"(from\s+\.+)({FILE_TYPE_PATTERN})_{re.escape(patterns.new)}(?=\w*\s+import\b)",
            rf"\1\2_{original_new_name}",
            renamed,
        )
    return renamed


def _rename_by_scanning(source: str, patterns: NamePatterns) -> str | None:
    """Renaming with regular expressions only. The code between strings and comments is renamed in one go: a match
    of `patterns.regex` starts where no letter or digit precedes and reads one character past the name, so it
    never spans two names, and renaming each name alone gives the same. None when the source needs the tokenizer:
    an absolute `from` import (left alone), a name never renamed, a string the expression does not read."""
    if _ABSOLUTE_FROM.search(source) or any(name in source for name in patterns.protected_names):
        return None
    pieces, last = [], 0
    for match in _STRING_OR_COMMENT.finditer(source):
        code = source[last : match.start()]
        if "'" in code or '"' in code:
            return None
        token = match.group()
        if token[0] == "#":
            new = "" if "# Copied from" in token else patterns.replace(token)
        else:
            new = _rename_fstring(token, patterns) if _is_fstring(token) else patterns.replace(token)
        pieces += [patterns.regex.sub(patterns.replacement, code), new]
        last = match.end()
    code = source[last:]
    if "'" in code or '"' in code:
        return None
    pieces.append(patterns.regex.sub(patterns.replacement, code))
    return "".join(pieces)


def _rename_by_tokens(source: str, patterns: NamePatterns) -> str:
    """Renaming token by token (Python's tokenizer, slow but sure)."""
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    statement_start = True
    after_from = skip_statement = False
    fstring_depth, fstring_begin = 0, None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        kind, text = token.type, token.string
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        if _FSTRING_START is not None and kind == _FSTRING_START:
            if fstring_depth == 0:
                fstring_begin = start
            fstring_depth += 1
            continue
        if fstring_depth:
            if kind == _FSTRING_END:
                fstring_depth -= 1
                if fstring_depth == 0:
                    original = source[fstring_begin:end]
                    edits.append((fstring_begin, end, _rename_fstring(original, patterns)))
            continue
        if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
            statement_start, after_from, skip_statement = True, False, False
            continue
        if kind in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING):
            continue
        if kind == tokenize.COMMENT:
            new = "" if "# Copied from" in text else patterns.replace(text)
        else:
            if statement_start:
                statement_start = False
                after_from = kind == tokenize.NAME and text == "from"
            elif after_from:
                after_from = False
                skip_statement = kind == tokenize.NAME  # `from package import ...`: absolute, left alone
            if skip_statement:
                continue
            if kind == tokenize.NAME:
                new = patterns.replace(text)
            elif kind == tokenize.STRING:
                new = _rename_fstring(text, patterns) if _is_fstring(text) else patterns.replace(text)
            else:
                continue
        if new != text:
            edits.append((start, end, new))
    pieces, last = [], 0
    for start, end, new in edits:
        pieces += [source[last:start], new]
        last = end
    pieces.append(source[last:])
    return "".join(pieces)
