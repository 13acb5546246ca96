"""`modgen export`: a model of a `modgen init` project as a flat Hub custom-code folder.

The folder holds the model's files with their imports made flat (`from .configuration_x import ...`),
`config.json` with an `auto_map` entry for every Auto class the model registers, the weights as
`model.safetensors`, a model card (`README.md`) and `push_to_hub.py`; it loads with
`AutoModel*.from_pretrained(folder, trust_remote_code=True)` in a process that has neither modgen nor the project.

The model is read through what is on disk and what importing it registers, never through `like`'s or `port`'s
internals, so a hand-written model exports the same way.
"""
