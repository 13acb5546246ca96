"""Listing a new model's classes wherever the repository's checker scripts exempt its parent's (input/expected
pairs, in the shapes `utils/check_docstrings.py`, `check_config_attributes.py` and `check_repo.py` use)."""

from __future__ import annotations

import textwrap

import pytest

from modgen.scaffold.allow_lists import list_new_classes, scripts_listing


RENAMED = {"WhisperConfig": "BobConfig", "WhisperModel": "BobModel", "WhisperFeatureExtractor": "BobFeatureExtractor"}

CASES = {
    "a list of names, sorted or not": (
        """
        OBJECTS_TO_IGNORE = [
            "VitsTokenizer",
            "WhisperFeatureExtractor",
            "XLMTokenizer",
        ]
        """,
        """
        OBJECTS_TO_IGNORE = [
            "VitsTokenizer",
            "WhisperFeatureExtractor",
            "BobFeatureExtractor",
            "XLMTokenizer",
        ]
        """,
    ),
    "a dict keyed by class, value and comment kept": (
        """
        SPECIAL_CASES_TO_ALLOW = {
            "WhisperConfig": True,  # attributes used by the generation config
            "LlamaConfig": ["x"],
        }
        """,
        """
        SPECIAL_CASES_TO_ALLOW = {
            "WhisperConfig": True,  # attributes used by the generation config
            "BobConfig": True,  # attributes used by the generation config
            "LlamaConfig": ["x"],
        }
        """,
    ),
    "a list inside an expression, one line": (
        """
        IGNORE_NON_TESTED = PRIVATE_MODELS.copy() + ["WhisperModel"]
        """,
        """
        IGNORE_NON_TESTED = PRIVATE_MODELS.copy() + ["WhisperModel", "BobModel"]
        """,
    ),
    "function bodies and other names untouched": (
        """
        def check():
            return ["WhisperConfig"]


        NAMES = ["Whisper", "WhisperConfigs"]
        """,
        None,
    ),
    "already listed": ('X = ["WhisperConfig", "BobConfig"]\n', None),
}


@pytest.mark.parametrize("case", CASES)
def test_list_new_classes(case: str):
    source, expected = (textwrap.dedent(text) if text else text for text in CASES[case])
    edited, added = list_new_classes(source, RENAMED)
    assert edited == (expected or source)
    assert added == (0 if expected is None else 1)


def test_only_scripts_that_list_a_parent_class(tmp_path):
    utils = tmp_path / "utils"
    utils.mkdir()
    (utils / "check_docstrings.py").write_text('OBJECTS_TO_IGNORE = ["WhisperModel"]\n')
    (utils / "check_inits.py").write_text('NAMES = ["LlamaModel"]\n')
    (utils / "other.py").write_text('NAMES = ["WhisperModel"]\n')
    assert scripts_listing(tmp_path, RENAMED) == [utils / "check_docstrings.py"]
    assert scripts_listing(tmp_path / "nowhere", RENAMED) == []
