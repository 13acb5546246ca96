"""`modgen closest`: the existing models closest to new code, by the structure of the code (issue 5).

`rank(target, tree, top=5, exclude=())` -> `list[Match]`, best first; see `ranking.py`. Imported lazily: the CLI
lists this package's command without paying for numpy.
"""

__all__ = ["ClassMatch", "Match", "rank"]


def __getattr__(name: str):
    if name in __all__:
        import importlib

        return getattr(importlib.import_module("modgen.similarity.ranking"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
