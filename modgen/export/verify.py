"""The folder as its users load it: every `auto_map` entry, from a clean process (no modgen, no project).

Each Auto class of `config.json` must load its class from the folder with `trust_remote_code=True`; the main one
(the class the weights are for) with no missing, unexpected or mismatched key. Preprocessors whose files were
saved must load too. A folder that fails this is not moved into place.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from modgen.errors import ModgenError
from modgen.export.isolated import run_clean


SCRIPT = """
import json, sys, traceback
import transformers

folder, main_auto, models, preprocessors = {folder!r}, {main_auto!r}, {models!r}, {preprocessors!r}
results = []
def _short(text):
    return text if len(text) < 700 else text[:500] + " ... " + text[-150:]
def check(auto, load):
    try:
        results.append([auto, load(), None])
    except Exception as error:
        results.append([auto, None, _short("".join(traceback.format_exception_only(error)).strip())])

def load_model(auto):
    model, info = getattr(transformers, auto).from_pretrained(folder, trust_remote_code=True, output_loading_info=True)
    bad = {{k: sorted(v)[:5] for k, v in info.items() if v and k != "error_msgs"}}
    if auto == main_auto and bad:
        raise ValueError(f"weights do not match: {{bad}}")
    return type(model).__name__

check("AutoConfig", lambda: type(transformers.AutoConfig.from_pretrained(folder, trust_remote_code=True)).__name__)
for auto in models:
    check(auto, lambda: load_model(auto))
for auto in preprocessors:
    check(auto, lambda: type(getattr(transformers, auto).from_pretrained(folder, trust_remote_code=True)).__name__)
print("MODGEN-RESULTS " + json.dumps(results))
"""


def verify_folder(folder: Path, main_auto: str, models: list[str], preprocessors: list[str]) -> list[tuple[str, str]]:
    """(Auto class, class it loaded) for every entry; raises with every failure if any fails."""
    code = SCRIPT.format(folder=str(folder), main_auto=main_auto, models=models, preprocessors=preprocessors)
    with tempfile.TemporaryDirectory(prefix="modgen-verify-") as scratch:
        process = run_clean(code, cwd=Path(scratch), modules_cache=Path(scratch) / "modules")
    line = next((x for x in process.stdout.splitlines() if x.startswith("MODGEN-RESULTS ")), None)
    if line is None:
        raise ModgenError(
            "the exported folder could not be checked in a clean Python process:\n" + process.stderr[-2000:],
            exit_code=1,
        )
    results = json.loads(line.removeprefix("MODGEN-RESULTS "))
    failures = [f"{auto}: {error}" for auto, _, error in results if error]
    if failures:
        raise ModgenError(
            "the exported folder does not load in a clean process (nothing was written):\n  " + "\n  ".join(failures),
            hint="the model's code must work from a flat folder; the errors above say where it does not",
            exit_code=1,
        )
    return [(auto, loaded) for auto, loaded, _ in results]
