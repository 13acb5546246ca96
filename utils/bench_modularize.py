"""Benchmark `modgen modularize` on the transformers 5.23.0 wheel: round trips, sizes, legacy models, time.

One run, on a scratch copy of the wheel's package laid out as a repository, with every modular file deleted:

1. round trip with the true parents: for each of the 326 models with a modular file, modularize its generated
   files against the parent modules its real modular file imports from (the whole corpus in a fresh process,
   `--jobs 2`, timed beside `modgen flatten --jobs 2` of the real modular files); then flatten what was written
   with the CLI (`--no-markers`) and compare every generated file with the wheel's: byte-identical (banner path
   aside) and AST-identical, per file (667) and per model (326); every miss with its cause;
2. the same with the parents `modgen closest` ranks first (top 3; the model and the models built from it left
   out of the ranking);
3. size: non-blank, non-comment lines and tokens of modgen's modular files against the human-written ones, in
   all and per model, the 10 models where modgen's is largest relative to the human's, and why;
4. legacy models: the modeling files without a modular file that carry `# Copied from transformers.models...`
   markers, against the models their markers name: round trip (AST-identical but for the module docstring,
   and object by object: every object a modular file can carry), size against the modeling file, and what
   became of each object under a marker; then the same with the parents `modgen closest` ranks first, as a
   user who names none gets them.

Reports go to .cache/bench-modularize/ (misses.txt, closest.txt, sizes.tsv, legacy[-closest][-objects].tsv); the
figures are printed last, the time as a ratio to `modgen flatten` of the same files in the same run. While working
on modularize: `--sample N` takes every n-th model; `--legacy` runs part 4 alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from modgen.copies.grammar import find_markers
from modgen.modular.batch import banner_source, read_modular_file
from modgen.modularize.code import code_lines, code_tokens
from modgen.modularize.target import parse_target
from modgen.modularize.verify import compare
from modgen.repo import TransformersTree


ROOT = Path(__file__).resolve().parents[1]
REPORT_DIR = ROOT / ".cache" / "bench-modularize"
JOBS = 2
CLOSEST_TOP = 3
DETAILS = ("differing", "missing", "extra", "out_of_order", "imported_elsewhere")


# The corpus ------------------------------------------------------------------------------------------------------


def generated_files(tree: TransformersTree) -> dict[Path, list[str]]:
    """Modular file -> the files generated from it (relative to the package), as their banners say."""
    generated: dict[Path, list[str]] = {}
    for path in sorted(tree.models_dir.glob("*/*.py")):
        source = banner_source(path.read_text(encoding="utf-8"))
        if source is not None:
            generated.setdefault(path.parent / Path(source).name, []).append(str(path.relative_to(tree.package_dir)))
    return generated


def corpus(tree: TransformersTree) -> list[dict]:
    """Per modular file of the wheel: its model, the files generated from it, the parent modules it imports."""
    generated = generated_files(tree)
    models = []
    for modular in sorted(tree.models_dir.glob("*/modular_*.py")):
        parents = {str(p.path.relative_to(tree.package_dir)) for p in read_modular_file(modular, tree).parents}
        models.append(
            {
                "model": modular.stem.removeprefix("modular_"),
                "modular": str(modular.relative_to(tree.package_dir)),
                "files": generated.get(modular, []),
                "parents": sorted(parents - set(generated.get(modular, []))),
            }
        )
    return models


def legacy_corpus(tree: TransformersTree) -> list[dict]:
    """The modeling files of folders without a modular file that carry markers naming other models' files. A
    marker may name a modular file (`models.swin.modular_swin.SwinDropPath`): that model's generated files are
    the parents (the scratch copy has no modular file)."""
    generated = generated_files(tree)
    models = []
    for folder in sorted(p for p in tree.models_dir.iterdir() if p.is_dir()):
        if any(folder.glob("modular_*.py")):
            continue
        for path in sorted(folder.glob("modeling_*.py")):
            text = path.read_text(encoding="utf-8")
            markers = [m for m in find_markers(text.splitlines()) if m.object_path.startswith("models.")]
            parents = set()
            for marker in markers:
                parts = marker.object_path.split(".")
                module = tree.models_dir / parts[1] / f"{parts[2]}.py"
                if len(parts) > 3 and module.is_file() and module != path:
                    parents.update(generated.get(module, [str(module.relative_to(tree.package_dir))]))
            if markers:
                objects = sorted({_marked_object(text, marker.line) for marker in markers} - {None})
                models.append(
                    {
                        "model": path.stem.removeprefix("modeling_"),
                        "files": [str(path.relative_to(tree.package_dir))],
                        "parents": sorted(parents),
                        "marked": objects,
                    }
                )
    return models


def _marked_object(text: str, line: int) -> str | None:
    """The class, function or method under the marker at `line` (`Class.method` for a method)."""
    lines = text.splitlines()
    for following in lines[line:]:
        stripped = following.strip()
        if stripped.startswith(("class ", "def ", "async def ")):
            name = stripped.split()[1 if not stripped.startswith("async") else 2].split("(")[0].split(":")[0]
            if following.startswith((" ", "\t")):
                owner = next(
                    (
                        candidate.split()[1].split("(")[0].split(":")[0]
                        for candidate in reversed(lines[:line])
                        if candidate.startswith("class ")
                    ),
                    None,
                )
                return f"{owner}.{name}" if owner else name
            return name
        if stripped and not stripped.startswith(("#", "@")):
            return None
    return None


# Running modularize in a fresh process -----------------------------------------------------------------------------


def run_worker(scratch: Path, models: list[dict], label: str) -> tuple[float, list[dict]]:
    """`modularize` over `models` on JOBS processes in a new Python process: (seconds, per-model results)."""
    spec = scratch.parent / f"{label}.jobs.json"
    results = scratch.parent / f"{label}.results.json"
    spec.write_text(json.dumps({"package": str(scratch), "models": models}), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--worker", str(spec), str(results)], check=True)
    return time.perf_counter() - start, json.loads(results.read_text(encoding="utf-8"))


def worker(spec_path: str, results_path: str) -> None:
    """What `run_worker` runs: the same code path as `modgen modularize --jobs 2` (inputs, batch run, write)."""
    from modgen.modularize import batch
    from modgen.modularize.inputs import Job

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    package = Path(spec["package"])
    jobs = []
    for model in spec["models"]:
        files = [package / f for f in model["files"]]
        destination = files[0].parent / f"modular_{model['model']}.py"
        parents = [package / p for p in model["parents"]]
        jobs.append(Job(model["model"], files, parents, destination, model.get("models", [])))
    outcomes = batch.run(jobs, processes=JOBS)
    batch.write(outcomes, force=True)
    Path(results_path).write_text(
        json.dumps([{"verified": o.verified, "report": o.report} for o in outcomes]), encoding="utf-8"
    )


def flatten_cli(paths: list[Path], out: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "modgen", "flatten", *map(str, paths), "--out", str(out), "--no-markers"]
        + ["--jobs", str(JOBS), "--keep-going"],
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - start, result


# Checking what was written ---------------------------------------------------------------------------------------


def round_trip(models: list[dict], scratch: Path, original: Path, out: Path, label: str) -> dict:
    """Flatten the modular files written into `scratch` with the CLI and compare with the wheel's files."""
    written = [scratch / Path(m["files"][0]).parent / f"modular_{m['model']}.py" for m in models]
    present = [(model, path) for model, path in zip(models, written, strict=True) if path.is_file()]
    seconds, result = 0.0, None
    for batch in independent_batches(present):
        elapsed, result = flatten_cli(batch, out)
        seconds += elapsed
    per_model = []
    for model, modular in zip(models, written, strict=True):
        files = []
        for relative in model["files"]:
            expected_path = original / relative
            target = parse_target(expected_path, expected_path.read_text(encoding="utf-8"))
            produced_path = out / Path(relative).parent.name / Path(relative).name
            produced = produced_path.read_text(encoding="utf-8") if produced_path.is_file() else None
            files.append(compare(target, produced))
        per_model.append({"model": model["model"], "written": modular.is_file(), "files": files})
    return {"label": label, "models": per_model, "flatten_seconds": seconds, "flatten": result}


def independent_batches(written: list[tuple[dict, Path]]) -> list[list[Path]]:
    """The modular files in batches where none inherits from another's model: `modgen flatten` orders a batch
    by its dependencies and refuses a cycle (two models whose parents, chosen by closest, are each other)."""
    batches: list[tuple[set[str], set[str], list[Path]]] = []  # (member folders, their parents' folders, files)
    for model, path in written:
        folder = path.parent.name
        parents = {Path(parent).parent.name for parent in model["parents"]} - {folder}
        for members, needed, paths in batches:
            if folder not in needed and not parents & members:
                members.add(folder)
                needed |= parents
                paths.append(path)
                break
        else:
            batches.append(({folder}, set(parents), [path]))
    return [paths for _, _, paths in batches]


def cause(entry: dict, report: dict) -> str:
    """Why a model did not come back byte for byte: the first thing that differs, and the classes kept whole."""
    if not entry["written"]:
        if report.get("error"):
            return f"not written: {report['error']}"
        where = []
        for file in report.get("files", []):
            details = [f"{key} {', '.join(file[key][:3])}" for key in DETAILS if file.get(key)]
            if file["round_trip"] != "identical":
                where.append(f"{file['file']}: {file['round_trip']} ({'; '.join(details) or 'layout'})")
        return "not written, its flattening differs: " + " | ".join(where)
    parts = []
    for check in entry["files"]:
        if check.byte_identical:
            continue
        what = "same AST, text differs" if check.ast_identical else "differs"
        details = [
            f"{kind} {', '.join(names[:3])}"
            for kind, names in (
                ("objects", check.differing),
                ("missing", check.missing),
                ("extra", check.extra),
                ("out of order", check.misplaced),
                ("imports", check.wrong_imports),
            )
            if names
        ]
        first = next((line for line in check.diff.splitlines()[3:] if line[:1] in "+-" and line[1:].strip()), "")
        parts.append(f"{check.name}: {what} ({'; '.join(details) or 'layout'}) first: {first[:100]!r}")
    return " | ".join(parts)


def summarize(run: dict, results: list[dict], misses_file: Path) -> dict:
    models = run["models"]
    files = [f for m in models for f in m["files"]]
    byte_models = [m for m in models if m["written"] and all(f.byte_identical for f in m["files"])]
    ast_models = [m for m in models if m["written"] and all(f.ast_identical for f in m["files"])]
    lines = []
    for entry, result in zip(models, results, strict=True):
        if entry not in byte_models:
            status = "AST-identical" if entry in ast_models else "MISS"
            lines.append(f"{entry['model']}\t{status}\t{cause(entry, result['report'])}\n")
    misses_file.write_text("".join(lines), encoding="utf-8")
    return {
        "models": len(models),
        "byte_models": len(byte_models),
        "ast_models": len(ast_models),
        "files": len(files),
        "byte_files": sum(f.byte_identical for f in files),
        "ast_files": sum(f.ast_identical for f in files),
    }


# Sizes -----------------------------------------------------------------------------------------------------------


def sizes(models: list[dict], results: list[dict], scratch: Path, original: Path, path: Path) -> dict:
    """modgen's modular file against the human-written one, per model; the 10 largest ratios with their causes."""
    rows = []
    for model, result in zip(models, results, strict=True):
        human = (original / model["modular"]).read_text(encoding="utf-8")
        report = result["report"]
        whole = [c for c in report.get("classes", []) if c.get("parent") is None and c.get("stated")]
        why = "; ".join(f"{c['class']} ({c.get('kept_whole_because', '')[:60]})" for c in whole[:3])
        rows.append(
            {
                "model": model["model"],
                "written": result["verified"],
                # The modular file modularize made (written or, when it does not flatten back, not).
                "lines": report.get("lines"),
                "tokens": report.get("tokens"),
                "human_lines": code_lines(human),
                "human_tokens": code_tokens(human),
                "whole": len(whole),
                "why": why or "more classes or methods stated than the human file",
            }
        )
    measured = [r for r in rows if r["lines"] is not None]
    path.write_text(
        "model\tlines\thuman_lines\ttokens\thuman_tokens\tratio\tclasses_kept_whole\n"
        + "".join(
            f"{r['model']}\t{r['lines']}\t{r['human_lines']}\t{r['tokens']}\t{r['human_tokens']}\t"
            f"{r['lines'] / r['human_lines']:.2f}\t{r['whole']}\n"
            for r in measured
        ),
        encoding="utf-8",
    )
    worst = sorted(measured, key=lambda r: -r["lines"] / max(r["human_lines"], 1))[:10]
    written = [r for r in measured if r["written"]]
    return {
        "written_lines": sum(r["lines"] for r in written),
        "written_human_lines": sum(r["human_lines"] for r in written),
        "lines": sum(r["lines"] for r in measured),
        "human_lines": sum(r["human_lines"] for r in measured),
        "human_lines_all": sum(r["human_lines"] for r in rows),
        "tokens": sum(r["tokens"] for r in measured),
        "human_tokens": sum(r["human_tokens"] for r in measured),
        "measured": len(measured),
        "smaller": sum(r["lines"] < r["human_lines"] for r in measured),
        "worst": worst,
    }


# Parents by closest ----------------------------------------------------------------------------------------------


def closest_parents(models: list[dict], tree: TransformersTree, scratch_tree: TransformersTree) -> list[dict]:
    """The models with their parents chosen by `modgen closest` (top 3, the model and its descendants left out);
    models without a modeling file cannot be ranked and are left out (listed)."""
    from modgen.modularize.inputs import parent_files
    from modgen.modularize.target import read_target
    from modgen.similarity import rank
    from modgen.similarity.index import build_index
    from modgen.similarity.prior import descendants, modular_graph

    index = build_index(tree, jobs=JOBS)
    graph = modular_graph(tree)
    ranked = []
    for model in models:
        modeling = [f for f in model["files"] if Path(f).name.startswith("modeling_")]
        if not modeling:
            ranked.append({**model, "parents": None, "models": []})
            continue
        folder = Path(model["files"][0]).parent.name
        exclude = sorted({folder} | descendants(graph, {folder}))
        target_path = scratch_tree.package_dir / modeling[0]
        matches = rank(target_path, tree, top=CLOSEST_TOP, exclude=exclude, index=index)
        target = read_target([scratch_tree.package_dir / f for f in model["files"]], name=model["model"])
        parents = [
            str(p.relative_to(scratch_tree.package_dir))
            for match in matches
            for p in parent_files(match.model, scratch_tree, target)
        ]
        ranked.append({**model, "parents": parents, "models": [m.model for m in matches]})
    return ranked


# Legacy models ---------------------------------------------------------------------------------------------------


def legacy(models: list[dict], results: list[dict], run: dict, original: Path, path: Path) -> dict:
    """Round trip (strict: AST-identical but for the module docstring; object by object), size against the
    modeling file, and what became of each object under a `# Copied from` marker."""
    strict = equivalent = 0
    marked = Counter()
    rows, objects = [], []
    for model, result, entry in zip(models, results, run["models"], strict=True):
        check = entry["files"][0]
        strict += entry["written"] and check.ast_identical
        equivalent += entry["written"] and check.equivalent
        text = (original / model["files"][0]).read_text(encoding="utf-8")
        report = result["report"]
        classes = {c["class"]: c for c in report.get("classes", [])}
        reasons = []
        for name in model["marked"]:
            owner, _, method = name.partition(".")
            plan = classes.get(owner)
            function = report.get("functions", {}).get(name)
            if function is not None:
                fate = "inherited" if function["mode"] != "define" else "function written out"
                reason = function.get("why") or ""
            elif plan is None:
                fate, reason = "not found", "not in modularize's report"
            elif plan.get("parent") is None:
                fate, reason = "kept whole", plan.get("kept_whole_because", "")
            elif method and plan.get("methods", {}).get(method) in ("full", "new"):
                fate, reason = "method stated in full", f"differs from {plan['parent']}.{method}"
            else:
                fate, reason = "inherited", ""
            marked[fate] += 1
            if reason:
                reasons.append(f"{name}: {reason[:80]}")
                objects.append(f"{model['model']}\t{name}\t{fate}\t{reason}\n")
        lines = report.get("lines")
        rows.append(
            f"{model['model']}\t{check.status}\t{'yes' if check.equivalent else 'no'}\t{lines}\t{code_lines(text)}"
            f"\t{', '.join(check.dropped)}\t{' | '.join(reasons[:5])}\n"
        )
    path.write_text(
        "model\tround_trip\tobject_by_object\tlines\tmodeling_lines\tcannot_carry\tmarked_not_inherited\n"
        + "".join(rows),
        encoding="utf-8",
    )
    objects_path = path.with_name(f"{path.stem}-objects.tsv")
    objects_path.write_text("model\tobject\tfate\treason\n" + "".join(objects), encoding="utf-8")
    measured = [r["report"].get("lines") for r in results if r["verified"]]
    modeling = [
        code_lines((original / m["files"][0]).read_text(encoding="utf-8"))
        for m, r in zip(models, results, strict=True)
        if r["verified"]
    ]
    return {
        "models": len(models),
        "strict": strict,
        "equivalent": equivalent,
        "lines": sum(measured),
        "modeling_lines": sum(modeling),
        "marked": marked,
    }


# The run ---------------------------------------------------------------------------------------------------------


def scratch_copy(tree: TransformersTree, tmp: Path) -> Path:
    """The wheel's package laid out as a repository, without its modular files."""
    package = tmp / "repo" / "src" / "transformers"
    shutil.copytree(tree.package_dir, package, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp / "repo" / "pyproject.toml").write_text('[project]\nname = "transformers"\n', encoding="utf-8")
    for modular in package.glob("models/*/modular_*.py"):
        modular.unlink()
    return package


def fresh_scratch(tree: TransformersTree, tmp: Path, label: str) -> Path:
    """Another scratch copy (modularize writes its modular files into the copy it works on)."""
    folder = tmp / label
    folder.mkdir()
    return scratch_copy(tree, folder)


def main(sample: int = 1, legacy_only: bool = False) -> None:
    """`sample`: take every n-th model only; `legacy_only`: the legacy models only (quick runs while working on
    modularize)."""
    tree = TransformersTree.installed()
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    models = [] if legacy_only else corpus(tree)[::sample]
    legacy_models = legacy_corpus(tree)[::sample]
    generated = sum(len(m["files"]) for m in models)
    print(f"corpus: {len(models)} modular files, {generated} generated files; {len(legacy_models)} legacy files")
    with tempfile.TemporaryDirectory(prefix="modgen-bench-modularize-") as tmp:
        tmp = Path(tmp)
        original = tree.package_dir
        if models:
            figures = modular_corpus(models, tree, tmp)

        print("modularizing the legacy models against the models their markers name ...", flush=True)
        scratch = fresh_scratch(tree, tmp, "legacy")
        _, legacy_results = run_worker(scratch, legacy_models, "legacy")
        legacy_run = round_trip(legacy_models, scratch, original, tmp / "legacy-flat", "legacy")
        lg = legacy(legacy_models, legacy_results, legacy_run, original, REPORT_DIR / "legacy.tsv")

        print("modularizing the legacy models against the parents closest ranks first ...", flush=True)
        scratch = fresh_scratch(tree, tmp, "legacy-closest")
        ranked = closest_parents(legacy_models, tree, TransformersTree(scratch))
        _, ranked_results = run_worker(scratch, ranked, "legacy-closest")
        ranked_run = round_trip(ranked, scratch, original, tmp / "legacy-closest-flat", "legacy-closest")
        lc = legacy(ranked, ranked_results, ranked_run, original, REPORT_DIR / "legacy-closest.tsv")

    print()
    print(f"reports: {REPORT_DIR} (misses.txt, closest.txt, sizes.tsv, legacy[-closest][-objects].tsv)")
    if models:
        print_modular_figures(models, figures)
    print(
        f"legacy: {lg['equivalent']}/{lg['models']} given back object by object, {lg['strict']}/{lg['models']} "
        f"AST-identical but for the module docstring; {lg['lines']} lines vs {lg['modeling_lines']} in the modeling "
        f"files ({lg['lines'] / max(lg['modeling_lines'], 1):.3f}x); objects under a marker: {dict(lg['marked'])}"
    )
    print(
        f"legacy, parents by closest (top {CLOSEST_TOP}): {lc['equivalent']}/{lc['models']} given back object by "
        f"object; {lc['lines']} lines vs {lc['modeling_lines']} ({lc['lines'] / max(lc['modeling_lines'], 1):.3f}x); "
        f"objects under a marker: {dict(lc['marked'])}"
    )
    if models:
        seconds, flatten_seconds = figures["seconds"], figures["flatten_seconds"]
        print(
            f"time, {len(models)} models, --jobs {JOBS}: modularize {seconds:.1f} s (fresh process, index-free), "
            f"flatten of the same files {flatten_seconds:.1f} s: {seconds / flatten_seconds:.1f}x"
        )


def modular_corpus(models: list[dict], tree: TransformersTree, tmp: Path) -> dict:
    """Parts 1-3 and the time: the models with a modular file, with their true parents and with closest's."""
    original = tree.package_dir
    print("flattening the real modular files (the baseline) ...", flush=True)
    flatten_seconds, result = flatten_cli([original / m["modular"] for m in models], tmp / "baseline")
    print(f"  exit {result.returncode}")

    print("modularizing the corpus with the true parents ...", flush=True)
    scratch = fresh_scratch(tree, tmp, "true")
    seconds, results = run_worker(scratch, models, "true")
    true_run = round_trip(models, scratch, original, tmp / "true-flat", "true")
    true_figures = summarize(true_run, results, REPORT_DIR / "misses.txt")
    size = sizes(models, results, scratch, original, REPORT_DIR / "sizes.tsv")

    print("modularizing the corpus with the parents closest ranks first ...", flush=True)
    scratch = fresh_scratch(tree, tmp, "closest")
    ranked = closest_parents(models, tree, TransformersTree(scratch))
    rankable = [m for m in ranked if m["parents"] is not None]
    _, closest_results = run_worker(scratch, rankable, "closest")
    closest_run = round_trip(rankable, scratch, original, tmp / "closest-flat", "closest")
    closest_figures = summarize(closest_run, closest_results, REPORT_DIR / "closest.txt")
    closest_figures["lines"] = sum(r["report"].get("lines") or 0 for r in closest_results if r["verified"])
    closest_figures["rankable"] = len(rankable)
    return {
        "true": true_figures,
        "closest": closest_figures,
        "size": size,
        "seconds": seconds,
        "flatten_seconds": flatten_seconds,
    }


def print_modular_figures(models: list[dict], figures: dict) -> None:
    t, c, size = figures["true"], figures["closest"], figures["size"]
    print("worst sizes against the human-written modular files:")
    for row in size["worst"]:
        print(
            f"  {row['model']}: {row['lines']} vs {row['human_lines']} lines ({row['lines'] / row['human_lines']:.2f}x): {row['why']}"
        )
    print(
        f"round trip, true parents: {t['byte_models']}/{t['models']} models byte-identical, "
        f"{t['ast_models']}/{t['models']} AST-identical; files {t['byte_files']}/{t['files']} byte, {t['ast_files']}/{t['files']} AST"
    )
    print(
        f"round trip, parents by closest (top {CLOSEST_TOP}): {c['byte_models']}/{len(models)} models byte-identical, "
        f"{c['ast_models']}/{len(models)} AST-identical ({len(models) - c['rankable']} without a modeling file to rank); "
        f"files {c['byte_files']}/{c['files']} byte, {c['ast_files']}/{c['files']} AST; {c['lines']} lines"
    )
    print(
        f"size, {size['measured']} models: {size['lines']} lines vs {size['human_lines']} human-written "
        f"({size['lines'] / size['human_lines']:.3f}x), {size['tokens']} tokens vs {size['human_tokens']} "
        f"({size['tokens'] / size['human_tokens']:.3f}x); {size['smaller']} models smaller; the written ones only: "
        f"{size['written_lines']} vs {size['written_human_lines']} lines "
        f"({size['written_lines'] / max(size['written_human_lines'], 1):.3f}x)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        arguments = sys.argv[1:]
        sample = int(arguments[arguments.index("--sample") + 1]) if "--sample" in arguments else 1
        main(sample, legacy_only="--legacy" in arguments)
