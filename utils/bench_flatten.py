"""Benchmark `modgen flatten` on the conformance corpus: the installed transformers wheel.

The wheel ships 326 modular files and the 667 files generated from them (banner "This file was automatically
generated from ..."). This script, in one run:

1. flattens all modular files into a temporary folder with the real CLI (`--no-markers --jobs 2`) and compares
   every shipped generated file with the output: byte-identical (the banner's path line aside), AST-identical;
2. measures the floor: only parsing the same modular files with libcst, on 1 and on 2 processes;
3. flattens again with markers on, and counts outputs AST-identical to the `--no-markers` ones;
4. runs `modgen flatten --check` on a copy of the wheel's tree laid out as a repository (`src/transformers`);
5. times one modular file on its own.

The differing files are listed in .cache/bench-flatten/differing.txt (their diffs in differing.diff). The figures
are printed last, as ratios to the floor measured in the same run.
"""

from __future__ import annotations

import ast
import difflib
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst

from modgen.modular.batch import banner_source, without_banner_path
from modgen.repo import TransformersTree


ROOT = Path(__file__).resolve().parents[1]
REPORT_DIR = ROOT / ".cache" / "bench-flatten"
JOBS = 2
SINGLE = "mistral"  # the model timed on its own


def run_cli(*args: str | Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "modgen", "flatten", *map(str, args)], capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, result


def shipped_generated_files(tree: TransformersTree) -> dict[Path, str]:
    """Every generated file of the wheel (relative to `models/`) -> its text."""
    shipped = {}
    for path in sorted(tree.models_dir.glob("*/*.py")):
        text = path.read_text(encoding="utf-8")
        if banner_source(text) is not None:
            shipped[path.relative_to(tree.models_dir)] = text
    return shipped


def same_ast(first: str, second: str) -> bool:
    try:
        return ast.dump(ast.parse(first)) == ast.dump(ast.parse(second))
    except SyntaxError:
        return False


def parse_with_libcst(path: Path) -> None:
    libcst.parse_module(path.read_text(encoding="utf-8"))


def parse_floor(paths: list[Path]) -> tuple[float, float]:
    """Seconds to parse `paths` with libcst: in this process, and on `JOBS` fresh processes."""
    start = time.perf_counter()
    for path in paths:
        parse_with_libcst(path)
    single = time.perf_counter() - start
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(JOBS) as pool:
        pool.map(parse_with_libcst, paths, chunksize=max(1, len(paths) // (JOBS * 8)))
    return single, time.perf_counter() - start


def tail(result: subprocess.CompletedProcess, lines: int = 3) -> str:
    return "\n".join(result.stderr.strip().splitlines()[-lines:])


def main() -> None:
    tree = TransformersTree.installed()
    modular_paths = sorted(tree.models_dir.glob("*/modular_*.py"))
    shipped = shipped_generated_files(tree)
    print(f"corpus: {len(modular_paths)} modular files, {len(shipped)} generated files in {tree.package_dir}")
    REPORT_DIR.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="modgen-bench-flatten-") as tmp:
        tmp = Path(tmp)
        plain, marked, repo = tmp / "no-markers", tmp / "markers", tmp / "repo"

        print("flattening the corpus (--no-markers) ...", flush=True)
        flatten_seconds, result = run_cli(
            *modular_paths, "--out", plain, "--no-markers", "--jobs", JOBS, "--keep-going"
        )
        print(f"  exit {result.returncode}: {tail(result)}")

        byte_identical, ast_identical, differing, diffs = 0, 0, [], []
        for relative, expected in shipped.items():
            output = plain / relative
            produced = output.read_text(encoding="utf-8") if output.is_file() else None
            if produced is not None and without_banner_path(produced) == without_banner_path(expected):
                byte_identical += 1
                ast_identical += 1
                continue
            if produced is None:
                differing.append(f"{relative}\tmissing")
                continue
            if same_ast(produced, expected):
                ast_identical += 1
                differing.append(f"{relative}\ttext differs, same AST")
            else:
                differing.append(f"{relative}\tAST differs")
            diffs.extend(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    produced.splitlines(keepends=True),
                    fromfile=f"wheel/{relative}",
                    tofile=f"modgen/{relative}",
                )
            )
        extra = sorted(str(p.relative_to(plain)) for p in plain.glob("*/*.py") if p.relative_to(plain) not in shipped)
        differing += [f"{relative}\tnot shipped by the wheel" for relative in extra]
        (REPORT_DIR / "differing.txt").write_text("".join(line + "\n" for line in differing), encoding="utf-8")
        (REPORT_DIR / "differing.diff").write_text("".join(diffs), encoding="utf-8")

        print("parsing the modular files with libcst (the floor) ...", flush=True)
        floor_single, floor_jobs = parse_floor(modular_paths)

        print("flattening the corpus with markers ...", flush=True)
        markers_seconds, result = run_cli(*modular_paths, "--out", marked, "--jobs", JOBS, "--keep-going")
        print(f"  exit {result.returncode}: {tail(result)}")
        plain_outputs = sorted(p.relative_to(plain) for p in plain.glob("*/*.py"))
        markers_differ = [
            r
            for r in plain_outputs
            if not ((marked / r).is_file() and same_ast((marked / r).read_text(), (plain / r).read_text()))
        ]
        markers_same_ast = len(plain_outputs) - len(markers_differ)
        with (REPORT_DIR / "differing.txt").open("a", encoding="utf-8") as listing:
            listing.writelines(f"{r}\tmarkers change the AST\n" for r in markers_differ)

        print("checking a copy of the wheel's tree laid out as a repository ...", flush=True)
        shutil.copytree(tree.package_dir, repo / "src" / "transformers", ignore=shutil.ignore_patterns("__pycache__"))
        (repo / "pyproject.toml").write_text('[project]\nname = "transformers"\n', encoding="utf-8")
        check_seconds, check = run_cli(
            repo / "src" / "transformers" / "models", "--check", "--jobs", JOBS, "--keep-going"
        )
        stale = sum(line.startswith("+++ ") for line in check.stdout.splitlines())
        (REPORT_DIR / "check.diff").write_text(check.stdout, encoding="utf-8")
        print(f"  exit {check.returncode}: {tail(check)}")

        single_path = tree.models_dir / SINGLE / f"modular_{SINGLE}.py"
        single_seconds, result = run_cli(single_path, "--out", tmp / "single", "--no-markers")
        print(f"  one file: exit {result.returncode}: {tail(result, 1)}")

    total = len(shipped)
    print()
    print(f"differing files: {REPORT_DIR / 'differing.txt'} (diffs: differing.diff, --check's: check.diff)")
    print(f"byte-identical (banner path aside): {byte_identical}/{total}")
    print(f"AST-identical:                      {ast_identical}/{total}")
    print(f"with markers, AST-identical to --no-markers: {markers_same_ast}/{len(plain_outputs)}")
    print(
        f"--check on the wheel's tree as a repo: {stale} stale files (exit {check.returncode}, {check_seconds:.1f} s)"
    )
    print(
        f"flatten, {len(modular_paths)} files, --jobs {JOBS}: {flatten_seconds:.1f} s (with markers: {markers_seconds:.1f} s)"
    )
    print(f"libcst parse floor: {floor_single:.1f} s on 1 process, {floor_jobs:.1f} s on {JOBS}")
    print(
        f"ratio flatten / floor: {flatten_seconds / floor_single:.2f}x (1 process), {flatten_seconds / floor_jobs:.2f}x ({JOBS})"
    )
    print(f"one modular file ({SINGLE}), CLI start to end: {single_seconds:.2f} s")


if __name__ == "__main__":
    main()
