"""Conformance: `modgen flatten` reproduces the files the transformers 5.23.0 wheel generated from its modular files.

A sample of the wheel's modular files, chosen deterministically across the file types they generate, is
flattened with the CLI (`--no-markers --jobs 2`, as upstream's converter has no markers); every file the wheel
generated from them must come out identical, the banner's path line aside. The full corpus is
`utils/bench_flatten.py`.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from modgen.cli import main
from modgen.modular.batch import banner_source, without_banner_path
from modgen.repo import FILE_TYPES, TransformersTree, split_file_name


# How many modular files to take per type of file they generate (about 40 in all: some cover several types).
PER_TYPE = {
    "modeling": 16,
    "configuration": 10,
    "processing": 6,
    "image_processing": 5,
    "image_processing_pil": 4,
    "video_processing": 3,
    "feature_extraction": 2,
    "tokenization": 2,
}


def generated_by_modular(tree: TransformersTree) -> dict[Path, dict[str, str]]:
    """modular file -> {name of a file the wheel generated from it: its text}, read from the banners."""
    generated = defaultdict(dict)
    for path in sorted(tree.models_dir.glob("*/*.py")):
        text = path.read_text(encoding="utf-8")
        source = banner_source(text)
        if source is not None:
            generated[tree.models_dir / path.parent.name / Path(source).name][path.name] = text
    return dict(generated)


def evenly_spaced(items: list, count: int) -> list:
    if len(items) <= count:
        return items
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def sample(generated: dict[Path, dict[str, str]]) -> list[Path]:
    by_type = defaultdict(list)
    for modular, files in generated.items():
        for name in files:
            by_type[split_file_name(name)[0]].append(modular)
    chosen = []
    for file_type in FILE_TYPES:
        chosen += evenly_spaced(sorted(set(by_type[file_type])), PER_TYPE[file_type])
    return sorted(set(chosen))


@pytest.mark.slow
def test_sample_of_the_wheel_is_reproduced(installed_tree: TransformersTree, tmp_path: Path):
    generated = generated_by_modular(installed_tree)
    assert sum(len(files) for files in generated.values()) == 667
    modular_files = sample(generated)
    assert 35 <= len(modular_files) <= 45
    assert {split_file_name(name)[0] for m in modular_files for name in generated[m]} == set(FILE_TYPES)

    result = CliRunner().invoke(
        main,
        ["flatten", *map(str, modular_files), "--out", str(tmp_path), "--no-markers", "--jobs", "2", "--keep-going"],
    )

    assert result.exit_code in (0, 2), result.output
    mismatches = []
    for modular in modular_files:
        folder = tmp_path / modular.parent.name
        produced = {p.name: p.read_text() for p in folder.glob("*.py")} if folder.is_dir() else {}
        for name in sorted(produced.keys() | generated[modular].keys()):
            expected, actual = generated[modular].get(name), produced.get(name)
            if expected is None or actual is None or without_banner_path(expected) != without_banner_path(actual):
                mismatches.append(f"{modular.parent.name}/{name}")
    assert not mismatches, f"{len(mismatches)} files differ from the wheel's: {mismatches}\n{result.stderr}"
    assert result.exit_code == 0, result.stderr
