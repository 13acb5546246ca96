"""Documentation of a new model: its `model_doc` page and toctree entry in transformers, a README section in a
project of one's own.

The page carries the dates line `utils/add_dates.py --check-only` looks for, and an `[[autodoc]]` block per public
class, with `- forward` only on the classes whose generated code defines `forward` (upstream's tool guesses from
the class name and gets `...PreTrainedModel` and `...ForCausalLM` wrong). The toctree entry goes into the parent's
section where `utils/check_doc_toc.py` wants it: the section sorted by lower-cased title.
"""

from __future__ import annotations

import datetime

import libcst as cst

from modgen.scaffold.context import LikeContext


DOC_LICENSE = """\
<!--Copyright {year} The HuggingFace Team. All rights reserved.

Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except in compliance with
the License. You may obtain a copy of the License at

http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software distributed under the License is distributed on
an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the License for the
specific language governing permissions and limitations under the License.

⚠️ Note that this file is in Markdown but contain specific syntax for our doc-builder (similar to MDX) that may not be
rendered properly in your Markdown viewer.

-->
"""

# What `utils/add_dates.py` writes under the licence for a model without a paper link (since mid-2026); once the
# page links its paper, `add_dates.py --models NEW` rewrites it as "published in HF papers on ... and contributed ...".
DATES_LINE = "*This model was contributed to Hugging Face Transformers on {added}.*"


def classes_defining_forward(sources: list[str]) -> set[str]:
    """Top-level classes of `sources` (generated files) whose body defines `forward`."""
    found = set()
    for source in sources:
        for node in cst.parse_module(source).body:
            if isinstance(node, cst.ClassDef) and any(
                isinstance(item, cst.FunctionDef) and item.name.value == "forward" for item in node.body.body
            ):
                found.add(node.name.value)
    return found


def autodoc_blocks(public: list[str], with_forward: set[str]) -> str:
    blocks = []
    for name in public:
        block = f"## {name}\n\n[[autodoc]] {name}"
        if name in with_forward:
            block += "\n    - forward"
        blocks.append(block)
    return "\n\n".join(blocks) + "\n"


def model_doc_page(context: LikeContext, public: list[str], with_forward: set[str], today: datetime.date) -> str:
    title = context.new_prefix
    parent_title = context.parent_prefix
    overview = f"""\
# {title}

## Overview

{title} is a model like [{parent_title}](./{context.parent.name}). TODO: the paper it comes from, its authors,
a short summary of what differs from {parent_title}, and the abstract.

This model was contributed by [TODO](https://huggingface.co/TODO).

## Usage examples

TODO: a short example with `pipeline` and with the Auto classes.

"""
    dates = DATES_LINE.format(added=today.isoformat())
    return DOC_LICENSE.format(year=today.year) + dates + "\n\n" + overview + autodoc_blocks(public, with_forward)


def add_toc_entry(toc: str, parent: str, new: str, title: str) -> str | None:
    """`_toctree.yml` with an entry for `new` in `parent`'s section, before the first entry whose title comes after
    `title` (lower-cased, as `utils/check_doc_toc.py` sorts); None if `parent` has no entry."""
    lines = toc.splitlines(keepends=True)
    found = next((i for i, line in enumerate(lines) if line.strip() == f"- local: model_doc/{parent}"), None)
    if found is None:
        return None
    indent = lines[found][: len(lines[found]) - len(lines[found].lstrip())]

    def title_at(index: int) -> str | None:
        """The title of the two-line entry starting at `index` at the parent's indentation, if there is one."""
        if (
            0 <= index < len(lines) - 1
            and lines[index].startswith(f"{indent}- local: ")
            and lines[index + 1].startswith(f"{indent}  title: ")
        ):
            return lines[index + 1].split("title: ", 1)[1].strip()
        return None

    start = found
    while title_at(start - 2) is not None:  # back to the first entry of the section
        start -= 2
    position = start
    while (other := title_at(position)) is not None and other.lower() <= title.lower():
        position += 2
    entry = [f"{indent}- local: model_doc/{new}\n", f"{indent}  title: {title}\n"]
    return "".join(lines[:position] + entry + lines[position:])


def readme_section(context: LikeContext, public: list[str]) -> str:
    """The model card section a project's README gets for a new model."""
    package = context.repo.package
    classes = "\n".join(f"- `{name}`" for name in public)
    return f"""
## {context.new_prefix}

`{context.new_name}` is a model like transformers' [{context.parent_prefix}](https://huggingface.co/docs/transformers/model_doc/{context.parent.name}),
made with `modgen like {context.parent_model_type} --name {context.new_name}`. Importing `{package}.models.{context.new_name}`
registers it with transformers' Auto classes (model type `"{context.new_name}"`).

TODO: what it changes from {context.parent_prefix}, the checkpoints, the paper.

```python
import {package}.models.{context.new_name}  # registers the model with the Auto classes
from transformers import AutoConfig

config = AutoConfig.for_model("{context.new_name}")
```

Classes:

{classes}
"""
