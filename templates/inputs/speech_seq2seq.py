"""Speech encoder-decoders on log-mel features (whisper...): the encoder takes exactly two frames per source
position (its convolutions halve them), the decoder token ids."""

from inputs.common import BATCH_SIZE, SEQ_LENGTH, ordinary_token_ids, random_floats


DECODER_LENGTH = 5


def make_inputs(config, model_class):
    return {
        "input_features": random_floats(BATCH_SIZE, config.num_mel_bins, 2 * config.max_source_positions),
        "decoder_input_ids": ordinary_token_ids(config, DECODER_LENGTH, seed=1),
        "input_ids": ordinary_token_ids(config),
    }


def expected_shapes(config):
    hidden, vocab = config.d_model, config.vocab_size
    return {
        "AutoModel": {
            "last_hidden_state": (BATCH_SIZE, DECODER_LENGTH, hidden),
            "encoder_last_hidden_state": (BATCH_SIZE, config.max_source_positions, hidden),
        },
        "AutoModelForSpeechSeq2Seq": {"logits": (BATCH_SIZE, DECODER_LENGTH, vocab)},
        "AutoModelForAudioClassification": {"logits": (BATCH_SIZE, config.num_labels)},
        "AutoModelForCausalLM": {"logits": (BATCH_SIZE, SEQ_LENGTH, vocab)},
    }
