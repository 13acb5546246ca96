"""Special token ids in a shrunk vocabulary: every id a config (or a sub-config) holds that would fall outside the
tiny vocabulary is moved inside it, one new id per old id across all levels, so that `bos == eos` stays true and
`pad != image token` too; a missing pad id gets one (batched sequence classification needs it), and so does a
missing image token id."""

from __future__ import annotations


def _token_keys(config: dict) -> list[str]:
    return [
        key
        for key, value in config.items()
        if (key.endswith(("_token_id", "_token_index", "_token_ids")) or key.endswith("suppress_tokens"))
        and value is not None
    ]


def _vocab_of(defaults: dict, kwargs: dict) -> int | None:
    """The vocabulary token ids of this level refer to: its own, else its text sub-config's."""
    for level, shrunk in ((defaults, kwargs), (defaults.get("text_config"), kwargs.get("text_config"))):
        if isinstance(level, dict):
            vocab = (shrunk or {}).get("vocab_size", level.get("vocab_size"))
            if isinstance(vocab, int):
                return vocab
    return None


class TokenIds:
    """Moves special token ids into a shrunk vocabulary, consistently across a config and its sub-configs: one
    new id per old id (so `bos == eos` stays true, `pad != image token` too), taken from the top of the
    vocabulary and never one that some level already uses."""

    def __init__(self, used: set[int]) -> None:
        self.used = set(used)
        self.new_ids: dict[int, int] = {}

    def remap(self, token_id, vocab: int):
        if not isinstance(token_id, int) or isinstance(token_id, bool) or token_id < vocab:
            return token_id
        if token_id not in self.new_ids:
            self.new_ids[token_id] = self.fresh(vocab)
        return self.new_ids[token_id]

    def fresh(self, vocab: int) -> int:
        new = next(i for i in range(vocab - 1, -1, -1) if i not in self.used)
        self.used.add(new)
        return new


def _used_token_ids(config) -> set[int]:
    values = config.to_dict()
    used = set()
    for key in _token_keys(values):
        value = values[key]
        used.update(v for v in (value if isinstance(value, list | tuple) else [value]) if isinstance(v, int))
    for key in getattr(config, "sub_configs", {}) or {}:
        if getattr(config, key, None) is not None:
            used |= _used_token_ids(getattr(config, key))
    return used


def _fix_token_ids(config, kwargs: dict, ids: TokenIds) -> None:
    """Keep special token ids inside the shrunk vocabulary, level by level; a missing pad id gets one, since
    sequence-classification heads need it for batches."""
    sub_configs = getattr(config, "sub_configs", {}) or {}
    for key in sub_configs:
        if isinstance(kwargs.get(key), dict):
            _fix_token_ids(getattr(config, key), kwargs[key], ids)
    defaults = {key: value for key, value in config.to_dict().items() if key not in sub_configs}
    vocab = _vocab_of(config.to_dict(), kwargs)
    if vocab is None:
        return
    for key in _token_keys(defaults):
        value = kwargs.get(key, defaults[key])
        if isinstance(value, list | tuple):
            shrunk = type(value)(ids.remap(v, vocab) for v in value)
        else:
            shrunk = ids.remap(value, vocab)
        if shrunk != value:
            kwargs[key] = shrunk
    if "pad_token_id" in defaults and defaults["pad_token_id"] is None and "vocab_size" in defaults:
        kwargs["pad_token_id"] = ids.fresh(vocab)
    for key in ("image_token_id", "image_token_index"):
        if key in defaults and defaults[key] is None:
            # Checkpoints set it (blip_2's default is none): the model finds its image features' places by it.
            kwargs[key] = ids.fresh(vocab)
    if defaults.get("is_encoder_decoder") and defaults.get("decoder_start_token_id") is None:
        # Decoders start from it (T5 leaves it to each checkpoint): the pad token, as T5's own tests do.
        kwargs["decoder_start_token_id"] = kwargs.get("pad_token_id", defaults.get("pad_token_id")) or 0


def fix_token_ids(config, kwargs: dict) -> None:
    """Keep every special token id of `config` (shrunk by `kwargs`) inside its shrunk vocabulary."""
    _fix_token_ids(config, kwargs, TokenIds(_used_token_ids(config)))
