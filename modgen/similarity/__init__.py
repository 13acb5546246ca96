"""`modgen closest`: the existing models closest to new code, and which of their classes each of its classes is.

`rank(target, tree, top=5, exclude=(), against=())` -> `list[Match]`, best first; see `ranking.py` (the ranking),
`classmap.py` (the class map), `names.py`, `structure.py`, `features.py`. Imported lazily: the CLI lists this
package's command without paying for numpy.
"""

__all__ = ["ClassMatch", "Match", "rank"]


def __getattr__(name: str):
    if name in __all__:
        import importlib

        return getattr(importlib.import_module("modgen.similarity.ranking"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
