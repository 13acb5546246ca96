"""What every family's input builder uses: a batch size, a sequence length, reproducible random inputs."""

import torch


BATCH_SIZE = 2
SEQ_LENGTH = 7


def special_token_ids(config):
    """The ids of special tokens (pad, bos, eos, image tokens...) of a config and its text config."""
    ids = set()
    for level in (config, config.get_text_config()):
        for key, value in level.to_dict().items():
            if key.endswith(("_token_id", "_token_index")) and isinstance(value, int):
                ids.add(value)
    return ids


def ordinary_token_ids(config, length=SEQ_LENGTH, seed=0):
    """Random ids of ordinary tokens (no special token), the same on every call."""
    special = special_token_ids(config)
    allowed = torch.tensor([i for i in range(config.get_text_config().vocab_size) if i not in special])
    generator = torch.Generator().manual_seed(seed)
    return allowed[torch.randint(len(allowed), (BATCH_SIZE, length), generator=generator)]


def random_floats(*shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator)
