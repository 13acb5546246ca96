"""modgen: add models to Hugging Face transformers, or to a library of your own in its style."""

__version__ = "0.1.0"
