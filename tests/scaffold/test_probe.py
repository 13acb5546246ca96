"""The inputs modgen finds for a parent's classes, from their `forward` signatures and the config, each run on
the real model (tiny, real weights): images per model kind, image tokens, grids, choices, codebooks."""

from __future__ import annotations

import functools

import pytest
import torch
import transformers

from modgen.scaffold.parent_model import probe_parent
from modgen.scaffold.probe import floats, source_of


@functools.cache
def facts(model_type: str):
    return probe_parent([model_type])


def inputs(model_type: str, class_name: str) -> dict:
    probed = facts(model_type).probed[class_name]
    assert probed.inputs is not None, probed.untested
    return probed.inputs


def tiny(model_type: str):
    found = facts(model_type)
    return found.parent.config_class(**found.tiny.kwargs)


@pytest.mark.parametrize(
    ("model_type", "model_class"),
    [("llava", "LlavaModel"), ("idefics3", "Idefics3Model"), ("gemma3", "Gemma3ForConditionalGeneration")],
)
def test_as_many_image_tokens_as_image_features(model_type: str, model_class: str):
    """The text holds as many image tokens as the vision tower gives features for one image."""
    given = inputs(model_type, model_class)
    config = tiny(model_type)
    torch.manual_seed(0)
    model = getattr(transformers, model_class)(config).eval()
    get = next(m.get_image_features for m in model.modules() if hasattr(m, "get_image_features"))
    with torch.no_grad():
        features = get(given["pixel_values"])
    features = getattr(features, "pooler_output", None) if not isinstance(features, torch.Tensor) else features
    hidden = config.get_text_config().hidden_size
    features = torch.cat([f.reshape(-1, hidden) for f in (features if isinstance(features, list) else [features])])
    per_image = features.shape[0] // given["input_ids"].shape[0]
    assert ((given["input_ids"] == config.image_token_id).sum(dim=1) == per_image).all()


def test_images_per_sample():
    """idefics3 takes images per sample (5-D pixel values); llava one image per sample."""
    assert inputs("idefics3", "Idefics3Model")["pixel_values"].dim() == 5
    assert inputs("llava", "LlavaModel")["pixel_values"].dim() == 4


def test_flattened_patches_with_their_grid():
    """qwen2_vl takes patches flattened with their (t, h, w) grid, image tokens between vision start and end, and
    which tokens are image tokens."""
    given = inputs("qwen2_vl", "Qwen2VLForConditionalGeneration")
    config = tiny("qwen2_vl")
    grid = given["image_grid_thw"]
    assert given["pixel_values"].shape[0] == int(grid.prod(dim=1).sum())
    merge = config.vision_config.spatial_merge_size
    row = given["input_ids"][0].tolist()
    start, end = row.index(config.vision_start_token_id), row.index(config.vision_end_token_id)
    assert row[start + 1 : end] == [config.image_token_id] * (int(grid[0].prod()) // merge**2)
    assert torch.equal(given["mm_token_type_ids"], (given["input_ids"] == config.image_token_id).long())


def test_one_sequence_per_choice():
    ids = inputs("roberta", "RobertaForMultipleChoice")["input_ids"]
    assert ids.dim() == 3 and ids.shape[1] > 1
    assert inputs("roberta", "RobertaModel")["input_ids"].dim() == 2


def test_one_decoder_sequence_per_codebook():
    config = tiny("musicgen")
    given = inputs("musicgen", "MusicgenForConditionalGeneration")
    assert given["decoder_input_ids"].shape[0] == given["input_ids"].shape[0] * config.decoder.num_codebooks
    assert int(given["decoder_input_ids"].max()) < config.decoder.vocab_size


def test_encoder_decoders_end_sources_with_eos():
    """bart's classification head pools on the end-of-sequence token and makes its own decoder inputs."""
    config = tiny("bart")
    classify = inputs("bart", "BartForSequenceClassification")
    assert (classify["input_ids"][:, -1] == config.eos_token_id).all()
    assert "decoder_input_ids" in inputs("bart", "BartForConditionalGeneration")


def test_a_model_without_a_vocabulary():
    """canine reads characters (no `vocab_size`): its inputs are small code points."""
    assert inputs("canine", "CanineModel")["input_ids"].max() < 100


def test_ordinary_tokens_avoid_special_ones():
    config = tiny("llava")
    text = inputs("llava", "LlavaModel")["input_ids"]
    special = {config.image_token_id, config.text_config.pad_token_id, config.text_config.bos_token_id}
    ordinary = text[text != config.image_token_id]
    assert not set(ordinary.tolist()) & special


def test_audio_inputs():
    assert inputs("wav2vec2", "Wav2Vec2ForXVector")["input_values"].dim() == 2
    spectrogram = inputs("audio-spectrogram-transformer", "ASTModel")["input_values"]  # frames by mel bins
    assert spectrogram.shape[-1] == tiny("audio-spectrogram-transformer").num_mel_bins
    config = tiny("whisper")
    features = inputs("whisper", "WhisperModel")["input_features"]
    assert features.shape[1:] == (config.num_mel_bins, 2 * config.max_source_positions)


def test_what_cannot_be_driven_is_said():
    """blip_2's retrieval head needs `use_qformer_text_input`, which its default config does not set: untested,
    with the reason; its other classes are tested."""
    found = facts("blip-2")
    assert found.probed["Blip2ForImageTextRetrieval"].inputs is None
    assert any(part.startswith("Blip2ForImageTextRetrieval: ") for part in found.untested)
    assert found.probed["Blip2ForConditionalGeneration"].generates


def test_sources_rebuild_the_inputs():
    """What the generated tests hold: Python that rebuilds each input exactly."""
    namespace = {"torch": torch, "floats": floats}
    for value in inputs("qwen2_vl", "Qwen2VLModel").values():
        assert torch.equal(eval(source_of(value), namespace), value)


def test_heads_that_do_not_build_small_are_said_and_the_others_tested():
    """beit's segmentation head needs four backbone outputs (`out_indices`), more than a two-layer model has: it
    is left untested, with the reason, and the base model and classifier are tested."""
    found = facts("beit")
    assert found.probed["BeitForSemanticSegmentation"].inputs is None
    assert any(part.startswith("BeitForSemanticSegmentation: ") and "out_indices" in part for part in found.untested)
    assert (
        found.probed["BeitModel"].inputs is not None and found.probed["BeitForImageClassification"].inputs is not None
    )
