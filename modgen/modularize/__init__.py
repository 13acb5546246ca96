"""`modgen modularize`: the inverse of `modgen flatten`, the minimal modular file of a model that already exists.

Given a model's standalone files (`modeling_*.py`, `configuration_*.py`, ...) and the models it may inherit from,
it writes the `modular_<model>.py` that inherits, class by class, from the closest parent class and states only
what differs, using the converter's features (renaming by prefix, `super()` calls the flattener unrolls, `del`
and `AttributeError()` removals, `**super_kwargs`, deleting methods). It is verified by construction: each
candidate is flattened with modgen's own flattener and compared with the input; what does not come back is
stated more explicitly, down to copying a class whole.

* `modularize_model(target, parent_paths, tree, config)` -> `Result` (`engine.py`): one model;
* `inputs.make_jobs` / `batch.run` / `batch.write`: many models on `jobs` processes, written all at once.

Modules: `target` (reading the input), `parents` (renamed parent modules), `prefixes`, `classes` and `methods`
(the diff of one class), `plan` (what the modular file states), `imports`, `writer` (its text), `verify`
(flattening it back), `engine` (the rounds), `report`, `inputs`, `batch`, `cli`.
"""

from modgen.modularize.engine import Result, modularize_model


__all__ = ["Result", "modularize_model"]
