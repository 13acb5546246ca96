"""Encoder-decoder language models (t5, bart...): source ids ending with the end-of-sequence token, and decoder
ids, except for the heads that pool on the end-of-sequence token (classification, question answering): those
make their decoder inputs from the source ids."""

import torch
from inputs.common import BATCH_SIZE, SEQ_LENGTH, ordinary_token_ids


DECODER_LENGTH = 5
POOLING_HEADS = ("ForSequenceClassification", "ForQuestionAnswering", "ForTokenClassification")


def make_inputs(config, model_class):
    input_ids = ordinary_token_ids(config)
    if isinstance(config.eos_token_id, int):
        input_ids[:, -1] = config.eos_token_id
    inputs = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
    if model_class is None or not model_class.__name__.endswith(POOLING_HEADS):
        inputs["decoder_input_ids"] = ordinary_token_ids(config, DECODER_LENGTH, seed=1)
    return inputs


def expected_shapes(config):
    hidden, vocab = config.d_model, config.vocab_size
    return {
        "AutoModel": {
            "last_hidden_state": (BATCH_SIZE, DECODER_LENGTH, hidden),
            "encoder_last_hidden_state": (BATCH_SIZE, SEQ_LENGTH, hidden),
        },
        "AutoModelForSeq2SeqLM": {"logits": (BATCH_SIZE, DECODER_LENGTH, vocab)},
        "AutoModelForSequenceClassification": {"logits": (BATCH_SIZE, config.num_labels)},
    }
