from __future__ import annotations

from pathlib import Path

from modgen.formatting import DEFAULT_RUFF_CONFIG, format_sources, ruff_config_for


def test_shipped_files_are_fixed_points(installed_tree, sdist_dir: Path):
    # transformers formats its files with these settings: formatting them again must change nothing.
    names = ["models/llama/modeling_llama.py", "models/clip/configuration_clip.py", "models/bert/__init__.py"]
    sources = {name: (installed_tree.package_dir / name).read_text() for name in names}
    for config in (DEFAULT_RUFF_CONFIG, ruff_config_for(sdist_dir)):
        assert format_sources(sources, config) == sources


def test_formats_and_fixes_in_one_batch(tmp_path: Path):
    sources = {
        "a/modeling_x.py": "import os\nimport sys\nx = {'a':1}\nprint(sys)\n",
        "b/modeling_x.py": "def f( a ):\n  return a\n",
    }
    formatted = format_sources(sources, ruff_config_for(tmp_path))
    assert formatted["a/modeling_x.py"] == 'import sys\n\n\nx = {"a": 1}\nprint(sys)\n'
    assert formatted["b/modeling_x.py"] == "def f(a):\n    return a\n"
