"""`modgen check` as one function: what to check, in which order to fix, and what to report.

Order in fix mode: generated files are regenerated from their modular files first (copies may point into
them), then copies are fixed source-first, then modular files whose own text, parent files or generated files
the copy fix touched are regenerated again, with their dependants (a hand-written parent that the copy fix
restores must not leave its children generated from its edited text). Each step writes through a `Transaction`,
so a failing step leaves no half-written file behind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from modgen.copies.cache import Cache
from modgen.copies.changed import changed_files, given_files, selected_sites
from modgen.copies.engine import MarkerSite, evaluate_cached, fix_copies, lookalike_notes, marker_sites
from modgen.copies.findings import Finding
from modgen.copies.modular_sync import ModularGraph, check_modular
from modgen.copies.normalise import Formatter
from modgen.copies.resolve import Files
from modgen.copies.scan import areas_of, python_files
from modgen.formatting import ruff_config_for
from modgen.repo import Repository
from modgen.transaction import Transaction


@dataclass
class CheckReport:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)  # warnings and notes: what upstream ignores silently
    markers: int = 0  # markers evaluated
    modular_checked: int = 0
    modular_flattened: int = 0
    fixed: list[Path] = field(default_factory=list)
    ruff_calls: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    # Each written file's text before the run's first write to it: a file written twice (a child regenerated from
    # an edited parent, then from the restored one) may end as it began, and then it was not fixed.
    texts_before: dict[Path, str | None] = field(default_factory=dict, repr=False)

    def about_to_write(self, paths) -> None:
        for path in paths:
            if path not in self.texts_before:
                self.texts_before[path] = path.read_text(encoding="utf-8") if path.is_file() else None

    def changed_by_the_run(self, path: Path) -> bool:
        return (path.read_text(encoding="utf-8") if path.is_file() else None) != self.texts_before.get(path)

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0


def run_check(
    repo: Repository,
    *,
    paths: list[str | Path] = (),
    changed: bool = False,
    base: str = "HEAD",
    fix: bool = False,
    jobs: int = 1,
    modular: bool = True,
    copies: bool = True,
    use_cache: bool = True,
) -> CheckReport:
    started = time.perf_counter()
    report = CheckReport(repo.root)
    selection: set[Path] | None = None
    if changed:
        selection = changed_files(repo, base)
    if paths:
        selection = (selection or set()) | given_files(list(paths))
    cache = Cache.for_repo(repo.root) if use_cache else Cache(None)
    formatter = Formatter(ruff_config_for(repo.root), cache)
    areas = areas_of(repo)
    all_files = [p for area in areas for p in python_files(area)]
    graph = ModularGraph.of_repository(repo, all_files, extra=selection or ()) if modular else None
    try:
        if graph is not None:
            checked = modular_step(graph, report, selection, fix=fix, jobs=jobs, cache=cache)
            if selection is not None:  # the copies in their generated files depend on them too
                selection |= {g for path in checked for g in graph.generated[path]}
        report.timings["modular"] = time.perf_counter() - started
        if copies:
            touched = copies_step(repo, report, selection, all_files, areas, formatter, fix=fix, cache=cache)
            # The copy fix edited modular files, generated files or parents: regenerate what depends on them.
            again = graph.affected(touched) if graph is not None and touched else []
            if again:
                modular_step(graph, report, None, fix=True, jobs=jobs, cache=cache, only=again)
    finally:
        cache.save()
    report.ruff_calls = formatter.calls
    report.timings["total"] = time.perf_counter() - started
    report.fixed = sorted(path for path in set(report.fixed) if report.changed_by_the_run(path))
    report.warnings = sorted((f for f in report.findings if f.never_fails), key=place)
    report.findings = sorted((f for f in report.findings if not f.never_fails), key=place)
    return report


def place(finding: Finding) -> tuple[str, int]:
    return str(finding.path), finding.line or 0


def modular_step(
    graph: ModularGraph,
    report: CheckReport,
    selection: set[Path] | None,
    *,
    fix: bool,
    jobs: int,
    cache: Cache,
    only: list[Path] | None = None,
) -> list[Path]:
    """Check (and with `fix`, regenerate) generated files; returns the modular files checked.

    With a selection, a check looks at the modular files that read or write a selected file; a fix also at their
    descendants (a child generated from a regenerated parent must be regenerated too).
    """
    if only is not None:
        targets = only
    elif selection is None:
        targets = graph.paths
    else:
        targets = graph.affected(selection) if fix else graph.selected(selection)
    results = check_modular(graph, targets, jobs=jobs, cache=cache, fix=fix)
    report.modular_checked += results.checked
    report.modular_flattened += results.flattened
    if fix and results.expected:
        report.about_to_write(results.expected)
        with Transaction(graph.repo.root) as transaction:
            for path, text in results.expected.items():
                transaction.write(path, text, modify=True)
            transaction.commit()
        report.fixed.extend(results.expected)
        fixed = set(results.expected)
        report.findings.extend(f for f in results.findings if f.path not in fixed)
    else:
        report.findings.extend(results.findings)
    return targets


def copies_step(
    repo: Repository,
    report: CheckReport,
    selection: set[Path] | None,
    all_files: list[Path],
    areas,
    formatter,
    *,
    fix: bool,
    cache: Cache,
) -> set[Path]:
    """Check (and with `fix`, rewrite) the copies; returns the files the fix wrote."""
    files = Files()

    def select(sites: list[MarkerSite], fixed: set[Path]) -> list[MarkerSite]:
        if selection is None:
            return sites
        return selected_sites(sites, {p.resolve() for p in selection | fixed | set(report.fixed)})

    if not fix:
        sites = marker_sites(files, all_files, areas, cache)
        results = evaluate_cached(files, select(sites, set()), formatter, cache)
        report.markers = results.markers
        report.findings.extend(results.findings)
        scanned = all_files if selection is None else sorted(selection & set(all_files))
        report.findings.extend(lookalike_notes(files, scanned, areas))
        return set()
    changed, results = fix_copies(files, all_files, areas, formatter, select)
    report.markers = results.markers
    report.findings.extend(results.findings)
    if not changed:
        return set()
    report.about_to_write(changed)
    with Transaction(repo.root) as transaction:
        for path in sorted(changed):
            transaction.write(path, files.text(path), modify=True)
        transaction.commit()
    report.fixed.extend(changed)
    return {p.resolve() for p in changed}
