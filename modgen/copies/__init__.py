"""`modgen check`: `# Copied from` copies match their sources, generated files match their modular files.

Compatible with transformers' `utils/check_copies.py` (the marker grammar and what it accepts), without its
defects. One concern per module:

* `grammar`: marker lines; `replace`: the `with A->B` spec; `blocks`: extents and block splitting;
  `ignore`: `# Ignore copy`; `resolve`: object path -> source lines; `normalise`: batched, cached ruff;
  `compare`: a copy against its source; `layout`: a fix keeps the copy's blank lines;
* `engine`: every marker of a repository, and the source-first fix; `modular_sync`: generated files against
  the flattener; `changed`: `--changed`/PATH selection and dependants; `cache`: the content-keyed cache;
* `run`: the whole check as one function; `report`: text and JSON; `cli`: the click command;
* `markers`: `add_copied_from_markers`, which the flattener calls to write markers the checker verifies.
"""
