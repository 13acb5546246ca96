"""modgen's templates: the tests `modgen like` writes for a new model when its parent has none to copy.

`test_modeling.py` is a real test module written against a placeholder pair of models: the new model
`BrandNew` (folder `brand_new`) made like the parent `Llama`. `modgen like` fills in its constants (the tiny
config, the model classes), inlines the input builders of the parent's family from `inputs/`, and renames the
pair with `modgen.scaffold.rename`. These files are read as text, never imported by modgen.
"""
