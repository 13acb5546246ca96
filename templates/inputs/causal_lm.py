"""Decoder-only language models (llama, mistral, mixtral, qwen2_moe...): a batch of token ids."""

import torch
from inputs.common import BATCH_SIZE, SEQ_LENGTH, ordinary_token_ids


def make_inputs(config, model_class):
    input_ids = ordinary_token_ids(config)
    return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}


def expected_shapes(config):
    text = config.get_text_config()
    return {
        "AutoModel": {"last_hidden_state": (BATCH_SIZE, SEQ_LENGTH, text.hidden_size)},
        "AutoModelForCausalLM": {"logits": (BATCH_SIZE, SEQ_LENGTH, text.vocab_size)},
        "AutoModelForSequenceClassification": {"logits": (BATCH_SIZE, config.num_labels)},
        "AutoModelForTokenClassification": {"logits": (BATCH_SIZE, SEQ_LENGTH, config.num_labels)},
        "AutoModelForQuestionAnswering": {
            "start_logits": (BATCH_SIZE, SEQ_LENGTH),
            "end_logits": (BATCH_SIZE, SEQ_LENGTH),
        },
    }
