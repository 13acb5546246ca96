"""`modgen port`: a plain PyTorch model (a research repository's `nn.Module`, a timm model) made a transformers
model, in validation mode: a config whose fields are the module's constructor arguments, a `PreTrainedModel`
that builds the original module from it (its state-dict keys unchanged), tests, a model card, Auto registration.

One module per job: `target` imports the class, `example` finds the constructor's arguments, `signature` turns
them into config fields and checks, `literals` lists the hyper-parameters left in code, `probe` runs the model
on example inputs and infers the task (`tasks`), the `render_*` modules write the files, `layout` says where,
`engine` writes them all at once and runs the written tests.
"""
