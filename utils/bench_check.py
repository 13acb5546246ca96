"""Benchmark of `modgen check` on the real transformers 5.23.0 wheel laid out as a repository.

Lays the installed transformers out as `TMP/src/transformers` in a scratch git repository, then measures:

1. the pristine tree: `modgen check` (Copied-from markers, then with modular sync) exit code and findings;
2. speed: full Copied-from check cold and warm, full check with modular sync warm, `--changed` after editing
   one file; against a baseline measured in the same run: upstream's algorithm cost model (one `ruff format`
   process per marker with a replace spec, plus importing transformers, as `utils/check_copies.py` does),
   measured on a sample of snippets and extrapolated; and the spec's figure for upstream (6.7 s);
3. injected drift: random edits inside copied blocks and generated files, edits in sources that have copies,
   and a dangling reference: every one must be reported at the right place (exit 1), and `--fix` must give back
   a tree byte-identical to pristine (for edits in copies and generated files) in a single run.

Every `modgen check` runs as the real command, in a subprocess. Figures are printed last.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


SEED = 2026
COPY_EDITS = 20
GENERATED_EDITS = 5
SOURCE_EDITS = 3
SPEC_UPSTREAM_SECONDS = 6.7
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "b@b",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "b@b",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=ENV).stdout


def lay_out(root: Path) -> Path:
    from modgen.repo import TransformersTree

    package = TransformersTree.installed().package_dir
    shutil.copytree(package, root / "src" / "transformers", ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".gitignore").write_text(".cache/\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "transformers 5.23.0 (wheel)")
    return root


# `modgen check` runs from a snapshot of the modgen package taken at the start: the cache keys include modgen's
# own code, so edits to the working tree during a long run would otherwise turn warm runs cold.
SNAPSHOT_ENV: dict[str, str] = dict(os.environ)


def snapshot_modgen(folder: Path) -> None:
    import modgen

    shutil.copytree(Path(modgen.__file__).parent, folder / "modgen", ignore=shutil.ignore_patterns("__pycache__"))
    SNAPSHOT_ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def check(root: Path, *args: str) -> tuple[int, dict, float]:
    """`modgen check --json ARGS` in `root`: (exit code, report, wall seconds); CPU seconds go in `report`."""
    started, cpu = time.perf_counter(), child_cpu()
    result = subprocess.run(
        [sys.executable, "-m", "modgen", "check", "--json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=SNAPSHOT_ENV,
    )
    seconds = time.perf_counter() - started
    cpu = child_cpu() - cpu
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = {"error": (result.stderr or result.stdout).strip()[-400:]}
    report["cpu"] = cpu
    return result.returncode, report, seconds


def clear_cache(root: Path) -> None:
    shutil.rmtree(root / ".cache" / "modgen", ignore_errors=True)


def best_of(n: int, function):
    runs = [function() for _ in range(n)]
    return min(runs, key=lambda run: run[2])


def upstream_cost_model(root: Path) -> dict:
    """Upstream's algorithm, measured piece by piece in this run: one `ruff format` process per marker with a
    replace spec (timed on a sample, extrapolated), importing transformers, and scanning/comparing."""
    from modgen.copies.engine import evaluate, marker_sites
    from modgen.copies.normalise import Formatter, wrap
    from modgen.copies.resolve import Files
    from modgen.copies.scan import areas_of, python_files
    from modgen.formatting import ruff_binary, ruff_config_for
    from modgen.repo import Repository

    repo = Repository.discover(root)
    areas = areas_of(repo)
    paths = [p for area in areas for p in python_files(area)]
    started = time.perf_counter()
    files = Files()
    copies = evaluate(files, marker_sites(files, paths, areas), Formatter(ruff_config_for(root))).copies
    scan_seconds = time.perf_counter() - started
    with_tail = [c for c in copies if c.formats]
    sample = random.Random(SEED).sample(with_tail, min(40, len(with_tail)))
    command = [ruff_binary(), "format", "-", "--config", str(ruff_config_for(root)), "--silent"]
    spawn = []
    for copy in sample:
        started = time.perf_counter()
        subprocess.run(command, input=wrap(copy.compared_expected)[0], capture_output=True, text=True)
        spawn.append(time.perf_counter() - started)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import transformers; transformers.PreTrainedModel"], cwd=root, capture_output=True
    )
    import_seconds = time.perf_counter() - started
    per_spawn = statistics.mean(spawn)
    return {
        "markers": len(copies),
        "with_tail": len(with_tail),
        "per_spawn": per_spawn,
        "scan": scan_seconds,
        "import": import_seconds,
        "total": import_seconds + scan_seconds + per_spawn * len(with_tail),
    }


def pick_copies(root: Path, count: int, rng: random.Random):
    """Copies that are not their own source nor the source of another copy, in distinct files."""
    from modgen.copies.engine import evaluate, marker_sites
    from modgen.copies.normalise import Formatter
    from modgen.copies.resolve import Files
    from modgen.copies.scan import areas_of, python_files
    from modgen.formatting import ruff_config_for
    from modgen.repo import Repository

    repo = Repository.discover(root)
    areas = areas_of(repo)
    files = Files()
    paths = [p for area in areas for p in python_files(area)]
    copies = evaluate(files, marker_sites(files, paths, areas), Formatter(ruff_config_for(root))).copies
    sources = {(c.source.path, c.source.start) for c in copies}
    candidates = [
        c
        for c in copies
        if not (c.source.path == c.path and c.source.start == c.header)
        and not any(c.path == path and c.header <= start < c.end for path, start in sources)
    ]
    chosen, seen = [], set()
    for copy in rng.sample(candidates, len(candidates)):
        if copy.path not in seen and len(chosen) < count:
            seen.add(copy.path)
            chosen.append(copy)
    return copies, chosen


def edit_line(path: Path, index: int, suffix: str = "  # drift") -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[index] += suffix
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def found_at(report: dict, root: Path, path: Path, line: int | None = None) -> bool:
    relative = str(path.relative_to(root))
    return any(f["path"] == relative and (line is None or f["line"] == line) for f in report.get("findings", []))


def main() -> None:
    figures: list[str] = []
    failures: list[str] = []

    def expect(condition: bool, what: str) -> None:
        if not condition:
            failures.append(what)

    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        snapshot_modgen(Path(tmp) / "snapshot")
        root = lay_out(Path(tmp) / "transformers")
        rng = random.Random(SEED)
        print(f"laid out the installed transformers wheel in {root}", file=sys.stderr)

        # 1. Pristine tree, Copied-from only: cold, then warm.
        clear_cache(root)
        code, report, cold = check(root, "--no-modular")
        expect(code == 0 and report.get("findings") == [], f"pristine Copied-from check: exit {code}, {report}")
        markers = report.get("markers")
        cold_cpu = report["cpu"]
        code, report, warm = best_of(3, lambda: check(root, "--no-modular"))
        warm_cpu = report["cpu"]
        baseline = upstream_cost_model(root)

        # 2. Modular sync on the pristine tree (cold: flattens every modular file; warm: cached).
        modular_code, modular_report, modular_cold = check(root, "--jobs", "2")
        modular_ok = "error" not in modular_report
        modular_findings = [f for f in modular_report.get("findings", []) if f["kind"] == "modular"]
        flagged_generated = {
            f["path"] for f in modular_findings if not f["message"].startswith("the flattener failed")
        }
        failed_modular = {f["path"] for f in modular_findings if f["message"].startswith("the flattener failed")}
        if modular_ok:
            _, warm_report, modular_warm = best_of(3, lambda: check(root))
            modular_warm_cpu = warm_report["cpu"]
        else:
            modular_warm = modular_warm_cpu = float("nan")
            print(f"modular sync unavailable: {modular_report['error']}", file=sys.stderr)

        # 3. --changed after editing one file (warm cache).
        _, (one,) = pick_copies(root, 1, rng)
        edited_line = edit_line(one.path, rng.choice(one.compared_observed)[0])
        args = ["--changed"] if modular_ok else ["--changed", "--no-modular"]
        code, report, changed_seconds = best_of(3, lambda: check(root, *args))
        changed_cpu = report["cpu"]
        expect(code == 1 and found_at(report, root, one.path, edited_line), f"--changed missed the edit: {report}")
        git(root, "checkout", "-q", ".")

        # 4. Injected drift, phase A: edits in copies and in generated files -> reported, then fixed to pristine.
        copies, chosen = pick_copies(root, COPY_EDITS, rng)
        copy_edits = [(c.path, edit_line(c.path, rng.choice(c.compared_observed)[0])) for c in chosen]
        generated_edits = []
        if modular_ok:
            from modgen.copies.modular_sync import generated_files, modular_files
            from modgen.repo import Repository

            sources = {c.source.path for c in copies} | {c.path for c in copies}
            clean = [
                g
                for m in modular_files(Repository.discover(root))
                for g in generated_files(m)
                if str(m.relative_to(root)) not in failed_modular
                and str(g.relative_to(root)) not in flagged_generated
                and g not in sources
            ]
            for path in rng.sample(clean, min(GENERATED_EDITS, len(clean))):
                text = path.read_text(encoding="utf-8").split("\n")
                index = rng.choice([i for i, line in enumerate(text) if line.strip() and i > 10])
                generated_edits.append((path, edit_line(path, index)))
        drift_args = [] if modular_ok else ["--no-modular"]
        code, report, _ = check(root, *drift_args)
        expect(code == 1, f"drift A: exit {code}")
        missed_copies = [(p, n) for p, n in copy_edits if not found_at(report, root, p, n)]
        missed_generated = [(p, n) for p, n in generated_edits if not found_at(report, root, p)]
        expect(not missed_copies, f"drift A: copy edits not reported at their line: {missed_copies}")
        expect(not missed_generated, f"drift A: generated-file edits not reported: {missed_generated}")
        fix_code, fix_report, fix_seconds = check(root, "--fix", *drift_args)
        # Files the flattener does not reproduce on the pristine tree are regenerated by --fix: not pristine.
        changed_paths = {line[3:] for line in git(root, "status", "--porcelain", "--untracked-files=no").splitlines()}
        diff = sorted(changed_paths - flagged_generated)
        fix_left = [f for f in fix_report.get("findings", []) if not f["message"].startswith("the flattener failed")]
        expect(not fix_left and not diff, f"drift A: --fix left {fix_left[:3]}, changed: {diff}")
        git(root, "checkout", "-q", ".")

        # Phase B: edits in sources that have copies, and a dangling reference.
        sourced = {}
        for copy in copies:
            if copy.source.path not in {c.path for c in copies} and "/modular_" not in str(copy.source.path):
                sourced.setdefault((copy.source.path, copy.source.start), []).append(copy)
        picked = rng.sample(sorted(sourced, key=str), SOURCE_EDITS)
        expected_sites = set()
        for path, start in picked:
            edit_line(path, start, "  # drift in source")
            expected_sites.update(c.path for c in sourced[(path, start)])
        dangling = rng.choice([c for c in copies if c.path not in expected_sites])
        lines = dangling.path.read_text(encoding="utf-8").split("\n")
        lines[dangling.marker.line - 1] = lines[dangling.marker.line - 1].replace(
            dangling.marker.object_path, dangling.marker.object_path + "Gone", 1
        )
        dangling.path.write_text("\n".join(lines), encoding="utf-8")
        code, report, _ = check(root, "--no-modular")
        missed_sources = [p for p in expected_sites if not found_at(report, root, p)]
        expect(code == 1 and not missed_sources, f"drift B: copies of edited sources not reported: {missed_sources}")
        expect(
            any(f["kind"] == "dangling" and f["line"] == dangling.marker.line for f in report["findings"]),
            "drift B: dangling reference not reported",
        )
        code, report, _ = check(root, "--fix", "--no-modular")
        left = [f["kind"] for f in report.get("findings", [])]
        expect(code == 1 and left == ["dangling"], f"drift B: after --fix: {left}")
        git(root, "checkout", "-q", ".")

    upstream = baseline["total"]
    figures += [
        "",
        "== modgen check benchmark (transformers 5.23.0 wheel as a repository; 2 cores) ==",
        f"pristine: {markers} markers evaluated (1,130 active, 9 nested), exit 0: {not failures or 'see above'}",
        "modular sync on the pristine tree: "
        + (
            f"{len(flagged_generated)} generated files differ, {len(failed_modular)} of 326 modular files fail to "
            f"flatten (exit {modular_code}), cold {modular_cold:.1f} s"
            if modular_ok
            else "flattener unavailable"
        ),
        f"generated files the flattener does not reproduce: {', '.join(sorted(flagged_generated)) or 'none'}",
        f"drift A: {len(copy_edits)} edits in copies, {len(generated_edits)} in generated files; "
        f"missed {len(missed_copies) + len(missed_generated)}; --fix {fix_seconds:.2f} s, byte-identical to "
        f"pristine (apart from the files above): {not diff}",
        f"drift B: {SOURCE_EDITS} source edits -> {len(expected_sites)} copy files reported; dangling reported",
        f"baseline (upstream's algorithm, measured here): import transformers {baseline['import']:.2f} s + scan "
        f"{baseline['scan']:.2f} s + {baseline['with_tail']} ruff processes x {baseline['per_spawn'] * 1000:.1f} ms "
        f"(40-snippet sample) = {upstream:.2f} s; spec's upstream figure: {SPEC_UPSTREAM_SECONDS} s",
        f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times include it;"
        " CPU = user + system seconds of the modgen process)",
        f"full Copied-from check, cold cache: {cold:.2f} s wall, {cold_cpu:.2f} s CPU ({upstream / cold:.1f}x faster "
        f"than baseline, {SPEC_UPSTREAM_SECONDS / cold:.1f}x than spec) [target < 1.5 s]",
        f"full Copied-from check, warm cache: {warm:.2f} s wall, {warm_cpu:.2f} s CPU ({upstream / warm:.1f}x, "
        f"{SPEC_UPSTREAM_SECONDS / warm:.1f}x)",
        f"full check with modular sync, warm cache: {modular_warm:.2f} s wall, {modular_warm_cpu:.2f} s CPU "
        "[target < 5 s]",
        f"--changed after editing one file: {changed_seconds:.2f} s wall, {changed_cpu:.2f} s CPU [target < 1 s]",
        f"RESULT: {'PASS' if not failures else 'FAIL: ' + '; '.join(failures)}",
    ]
    print("\n".join(figures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
