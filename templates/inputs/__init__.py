"""Input builders, one module per family of models: `make_inputs(config, model_class)` builds a batch for any
model class of the family from its config (`generate()` gets the same, without decoder inputs), and
`expected_shapes(config)` the shapes its outputs must have, by Auto class, computed from the config alone."""
