from __future__ import annotations

from pathlib import Path

import pytest

from modgen.errors import UsageError
from modgen.transaction import Transaction


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_commit_moves_everything_in(tmp_path: Path):
    (tmp_path / "existing.py").write_text("old\n")
    with Transaction(tmp_path) as transaction:
        transaction.write(Path("pkg/new.py"), "new\n")
        transaction.write(tmp_path / "existing.py", "edited\n", modify=True)
        assert transaction.read(tmp_path / "existing.py") == "edited\n"
        assert (tmp_path / "existing.py").read_text() == "old\n"  # nothing moved in yet
        assert [c.action for c in transaction.changes] == ["modify", "create"]
        transaction.commit()
    assert snapshot(tmp_path) == {"existing.py": "edited\n", "pkg/new.py": "new\n"}


def test_failure_before_commit_leaves_tree_untouched(tmp_path: Path):
    (tmp_path / "existing.py").write_text("old\n")
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError), Transaction(tmp_path) as transaction:
        transaction.write(Path("pkg/new.py"), "new\n")
        raise RuntimeError("a later step failed")
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.py"]


def test_failure_during_commit_rolls_back(tmp_path: Path):
    (tmp_path / "a.py").write_text("a\n")
    (tmp_path / "blocker").write_text("a file where a folder is needed\n")
    before = snapshot(tmp_path)
    with Transaction(tmp_path) as transaction:
        transaction.write(tmp_path / "a.py", "changed\n", modify=True)
        transaction.write(Path("new/x.py"), "x\n")
        # The staged file for blocker/y.py cannot be moved in: `blocker` is a file.
        transaction.write(Path("blocker/y.py"), "y\n")
        with pytest.raises(OSError):
            transaction.commit()
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "new").exists()


def test_refuses_to_overwrite_unasked(tmp_path: Path):
    (tmp_path / "mine.py").write_text("user's work\n")
    with Transaction(tmp_path) as transaction, pytest.raises(UsageError, match="does not overwrite"):
        transaction.write(Path("mine.py"), "generated\n")
    with Transaction(tmp_path, overwrite=True) as transaction:
        transaction.write(Path("mine.py"), "generated\n")
        transaction.commit()
    assert (tmp_path / "mine.py").read_text() == "generated\n"


def test_refuses_paths_outside_root(tmp_path: Path):
    with Transaction(tmp_path / "root") as transaction, pytest.raises(UsageError, match="outside"):
        transaction.write(Path("../escape.py"), "x\n")


def test_failing_verify_puts_everything_back(tmp_path: Path):
    """`commit(verify=...)` checks the tree as the commit leaves it; a failing check leaves it as it was."""
    (tmp_path / "existing.py").write_text("old\n")
    before = snapshot(tmp_path)
    seen = {}

    def verify(changes):
        # Everything is in place while the check runs (the staging folder keeps the backups until the end).
        seen.update({k: v for k, v in snapshot(tmp_path).items() if not k.startswith(".modgen-staging-")})
        raise UsageError("not clean")

    with pytest.raises(UsageError), Transaction(tmp_path) as transaction:
        transaction.write(Path("pkg/deep/new.py"), "new\n")
        transaction.write(tmp_path / "existing.py", "edited\n", modify=True)
        transaction.commit(verify=verify)
    assert seen == {"existing.py": "edited\n", "pkg/deep/new.py": "new\n"}
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.py"]
