"""Text encoders (bert, roberta...): token ids, their attention mask and token types; multiple-choice heads
take one sequence per choice."""

import torch
from inputs.common import BATCH_SIZE, SEQ_LENGTH, ordinary_token_ids


CHOICES = 2


def make_inputs(config, model_class):
    input_ids = ordinary_token_ids(config)
    inputs = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
    if getattr(config, "type_vocab_size", 0):
        inputs["token_type_ids"] = torch.zeros_like(input_ids)
    if model_class is not None and model_class.__name__.endswith("ForMultipleChoice"):
        inputs = {key: value.unsqueeze(1).expand(-1, CHOICES, -1).contiguous() for key, value in inputs.items()}
    return inputs


def expected_shapes(config):
    hidden, vocab, labels = config.hidden_size, config.vocab_size, config.num_labels
    return {
        "AutoModel": {"last_hidden_state": (BATCH_SIZE, SEQ_LENGTH, hidden)},
        "AutoModelForMaskedLM": {"logits": (BATCH_SIZE, SEQ_LENGTH, vocab)},
        "AutoModelForCausalLM": {"logits": (BATCH_SIZE, SEQ_LENGTH, vocab)},
        "AutoModelForSequenceClassification": {"logits": (BATCH_SIZE, labels)},
        "AutoModelForTokenClassification": {"logits": (BATCH_SIZE, SEQ_LENGTH, labels)},
        "AutoModelForQuestionAnswering": {
            "start_logits": (BATCH_SIZE, SEQ_LENGTH),
            "end_logits": (BATCH_SIZE, SEQ_LENGTH),
        },
        "AutoModelForMultipleChoice": {"logits": (BATCH_SIZE, CHOICES)},
        "AutoModelForNextSentencePrediction": {"logits": (BATCH_SIZE, 2)},
    }
