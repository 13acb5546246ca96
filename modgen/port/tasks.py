"""The tasks a port can serve: the head class's name, its Auto class, its inputs, its output, its loss, and the
Hub's pipeline tag; and the task an example forward's output shape says the model does."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    name: str
    suffix: str  # NEW + suffix is the model class
    auto: str  # the Auto class it registers with
    inputs: tuple[str, ...]  # transformers' names of the inputs, in the original forward's order
    output: str  # the ModelOutput of transformers.modeling_outputs
    output_field: str  # the field holding the original's output
    loss: str | None  # "classification", "shifted" (next token), "aligned" (labels are the targets) or None
    pipeline_tag: str


TASKS = {
    task.name: task
    for task in (
        Task(
            "image-classification",
            "ForImageClassification",
            "AutoModelForImageClassification",
            ("pixel_values",),
            "ImageClassifierOutput",
            "logits",
            "classification",
            "image-classification",
        ),
        Task(
            "causal-lm",
            "ForCausalLM",
            "AutoModelForCausalLM",
            ("input_ids",),
            "CausalLMOutput",
            "logits",
            "shifted",
            "text-generation",
        ),
        Task(
            "seq2seq-lm",
            "ForConditionalGeneration",
            "AutoModelForSeq2SeqLM",
            ("input_ids", "decoder_input_ids"),
            "Seq2SeqLMOutput",
            "logits",
            "aligned",
            "text2text-generation",
        ),
        Task(
            "sequence-classification",
            "ForSequenceClassification",
            "AutoModelForSequenceClassification",
            ("input_ids",),
            "SequenceClassifierOutput",
            "logits",
            "classification",
            "text-classification",
        ),
        Task(
            "audio-classification",
            "ForAudioClassification",
            "AutoModelForAudioClassification",
            ("input_values",),
            "SequenceClassifierOutput",
            "logits",
            "classification",
            "audio-classification",
        ),
        Task(
            "feature-extraction",
            "Model",
            "AutoModel",
            (),
            "BaseModelOutput",
            "last_hidden_state",
            None,
            "feature-extraction",
        ),
    )
}


def infer_task(kinds: list[str], lengths: list[int | None], shape: tuple[int, ...], vocab_sizes: set[int]) -> str:
    """The task an output of `shape` means, for inputs of `kinds` ("tokens", "image", "audio", "features") of
    sequence `lengths`; a model whose output says nothing more is a feature extractor (AutoModel)."""
    if len(shape) == 2 and kinds:
        return {
            "image": "image-classification",
            "tokens": "sequence-classification",
            "audio": "audio-classification",
        }.get(kinds[0], "feature-extraction")
    if len(shape) == 3 and kinds and all(k == "tokens" for k in kinds) and shape[-1] in vocab_sizes:
        if len(kinds) == 1 and shape[1] == lengths[0]:
            return "causal-lm"
        if len(kinds) == 2 and shape[1] == lengths[1]:
            return "seq2seq-lm"
    return "feature-extraction"
