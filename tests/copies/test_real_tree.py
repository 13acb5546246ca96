"""The real transformers 5.23.0 wheel laid out as a repository: clean, and random drift is found and fixed."""

from __future__ import annotations

import random

import pytest

from modgen.copies.engine import evaluate, marker_sites
from modgen.copies.normalise import Formatter
from modgen.copies.resolve import Files
from modgen.copies.run import run_check
from modgen.copies.scan import areas_of, python_files
from modgen.formatting import ruff_config_for
from modgen.repo import Repository


pytestmark = pytest.mark.slow


def test_the_pristine_wheel_is_clean(wheel_repo):
    report = run_check(Repository.discover(wheel_repo), modular=False, use_cache=False)
    # 1,130 active markers, 9 of them nested in another copied block (spec §5).
    assert (report.markers, report.findings, report.exit_code) == (1121, [], 0)


def test_random_edits_in_copies_are_found_at_their_line_and_fixed_back_to_pristine(wheel_repo):
    repo = Repository.discover(wheel_repo)
    areas = areas_of(repo)
    files = Files()
    paths = [p for area in areas for p in python_files(area)]
    copies = evaluate(files, marker_sites(files, paths, areas), Formatter(ruff_config_for(repo.root))).copies
    sources = {(c.source.path, c.source.start) for c in copies}
    # Copies that are not their own source (17 no-op markers) and not the source of another copy.
    candidates = [
        c
        for c in copies
        if not (c.source.path == c.path and c.source.start == c.header)
        and not any(c.path == path and c.header <= start < c.end for path, start in sources)
    ]
    rng = random.Random(523)
    pristine, edits = {}, []
    for copy in rng.sample(candidates, 60):
        if copy.path in pristine or len(edits) == 12:
            continue
        pristine[copy.path] = copy.path.read_text(encoding="utf-8")
        index, _ = rng.choice(copy.compared_observed)
        lines = pristine[copy.path].split("\n")
        lines[index] += "  # drift"
        copy.path.write_text("\n".join(lines), encoding="utf-8")
        edits.append((copy.path, index + 1))
    try:
        report = run_check(repo, modular=False, use_cache=False)
        assert report.exit_code == 1
        assert sorted((f.path, f.line) for f in report.findings) == sorted(edits)
        fixed = run_check(repo, modular=False, fix=True, use_cache=False)
        assert fixed.findings == []
        assert sorted(fixed.fixed) == sorted(pristine)
        for path, text in pristine.items():
            assert path.read_text(encoding="utf-8") == text
    finally:
        for path, text in pristine.items():
            path.write_text(text, encoding="utf-8")
