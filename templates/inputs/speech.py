"""Speech encoders on raw audio (wav2vec2, hubert...): a batch of waveforms; a stack of strided convolutions
turns them into frames."""

from inputs.common import BATCH_SIZE, random_floats


SAMPLES = 16_000


def make_inputs(config, model_class):
    return {"input_values": random_floats(BATCH_SIZE, SAMPLES)}


def frames(config):
    length = SAMPLES
    for kernel, stride in zip(config.conv_kernel, config.conv_stride, strict=True):
        length = (length - kernel) // stride + 1
    return length


def expected_shapes(config):
    count, labels = frames(config), config.num_labels
    # Heads some models of the family lack have sizes their configs lack too.
    xvector, codevector = getattr(config, "xvector_output_dim", None), getattr(config, "proj_codevector_dim", None)
    return {
        "AutoModel": {"last_hidden_state": (BATCH_SIZE, count, config.hidden_size)},
        "AutoModelForCTC": {"logits": (BATCH_SIZE, count, config.vocab_size)},
        "AutoModelForAudioClassification": {"logits": (BATCH_SIZE, labels)},
        "AutoModelForAudioFrameClassification": {"logits": (BATCH_SIZE, count, labels)},
        # x-vector heads score speaker embeddings: their logits have one entry per embedding dimension.
        "AutoModelForAudioXVector": {
            "logits": (BATCH_SIZE, xvector),
            "embeddings": (BATCH_SIZE, xvector),
        },
        "AutoModelForPreTraining": {"projected_states": (BATCH_SIZE, count, codevector)},
    }
