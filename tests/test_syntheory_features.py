"""Frozen feature extractors and the embedding cache, on the tiny SynTheory build (real models, offline)."""

import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile

from synthsuite.baselines.syntheory.embeddings import embed, prepare_audio
from synthsuite.baselines.syntheory.features import (
    EXTRACTOR_NAMES,
    Extractor,
    basic_pitch_model_path,
    get_extractor,
    import_torchcrepe,
    summarise,
)
from synthsuite.datasets_src import hub
from synthsuite.kernel.errors import UserError

SPLITS = ("train", "validation", "test")
HANDMADE_DIMS = {"mel": 768, "chroma": 72, "mfcc": 120, "handcrafted": 960}


def tone(frequency: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def all_files(root: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}


def refusing(name: str) -> Extractor:
    """An extractor with the identity of `name` that fails if asked to compute (proves a cache hit)."""

    class Refusing(type(get_extractor(name))):
        def extract(self, audio):
            raise AssertionError("recomputed a cached feature")

        def extract_family(self, audio):
            raise AssertionError("recomputed a cached feature")

    return Refusing()


@pytest.fixture(scope="module")
def handmade(tiny_dataset, tmp_path_factory):
    """handcrafted on every split of `notes` with 2 workers: (cache root, result)."""
    root = tmp_path_factory.mktemp("cache")
    result = embed(
        str(tiny_dataset), "notes", SPLITS, get_extractor("handcrafted"), workers=2, cache_root=root
    )
    return root, result


# --- get_extractor ------------------------------------------------------------------------------


def test_unknown_extractor_name_lists_the_names():
    with pytest.raises(UserError) as caught:
        get_extractor("jukebox")
    assert all(name in caught.value.fix for name in EXTRACTOR_NAMES)


@pytest.mark.parametrize(
    ("name", "options", "in_message"),
    [
        ("crepe", {"capacity": "huge"}, "capacity"),
        ("crepe", {"hop_ms": 0}, "hop_ms"),
        ("chroma", {"n_chroma": 24}, "n_chroma"),
        ("mel", {"mel_unit": "bels"}, "mel_unit"),
    ],
)
def test_bad_options_are_user_errors(name, options, in_message):
    with pytest.raises(UserError, match=in_message):
        get_extractor(name, **options)


def test_a_missing_package_names_its_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # how Python marks a module as not importable
    with pytest.raises(UserError, match="onnx") as caught:
        get_extractor("basic-pitch")
    assert caught.value.fix == "pip install onnx==1.23.2"


# --- hand-made features -------------------------------------------------------------------------


def test_handmade_dims_and_the_papers_recipe():
    import librosa

    audio = tone(440.0, 4.0, 22050) + tone(660.0, 4.0, 22050)
    out = {name: get_extractor(name).extract(audio)[name] for name in HANDMADE_DIMS}
    assert {name: vector.shape[0] for name, vector in out.items()} == HANDMADE_DIMS
    assert all(vector.dtype == np.float32 for vector in out.values())
    joined = np.concatenate([out["mel"], out["chroma"], out["mfcc"]])
    np.testing.assert_array_equal(out["handcrafted"], joined)
    # MFCCs from the shared dB mel-spectrogram are librosa's mfcc(y=...); mel_unit="power" is the original mel
    np.testing.assert_allclose(
        out["mfcc"], summarise(librosa.feature.mfcc(y=audio, sr=22050)), rtol=1e-5, atol=1e-4
    )
    power = get_extractor("mel", mel_unit="power").extract(audio)["mel"]
    np.testing.assert_allclose(power, summarise(librosa.feature.melspectrogram(y=audio, sr=22050)), rtol=1e-5)
    # one family pass gives what each member computes alone
    family = get_extractor("chroma").extract_family(audio)
    assert set(family) == set(HANDMADE_DIMS)
    for name in HANDMADE_DIMS:
        np.testing.assert_allclose(family[name][name], out[name], rtol=1e-6)


def test_summary_is_mean_std_of_features_and_differences():
    features = np.array([[0.0, 1.0, 4.0, 9.0]])
    expected = [np.mean([0, 1, 4, 9]), np.std([0, 1, 4, 9]), 3.0, np.std([1, 3, 5]), 2.0, 0.0]
    np.testing.assert_allclose(summarise(features), expected, rtol=1e-6)


def test_chroma_peaks_at_the_labelled_pitch_class(tiny_dataset, handmade):
    root, _ = handmade
    result = embed(str(tiny_dataset), "notes", SPLITS, refusing("chroma"), cache_root=root)
    for split in SPLITS:
        rows = pq.read_table(tiny_dataset / f"data/notes/{split}-00000-of-00001.parquet").to_pylist()
        assert [row["sample_id"] for row in rows] == result[split].ids
        audible = [i for i, row in enumerate(rows) if not row["is_silent"]]
        assert len(audible) >= 5
        means = result[split].layers["chroma"][audible, :12]  # the mean block comes first
        labels = [rows[i]["root_note_pitch_class"] for i in audible]
        assert np.argmax(means, axis=1).tolist() == labels


def test_clips_are_prepared_as_librosa_load_would(tiny_dataset):
    import librosa

    flac = pq.read_table(tiny_dataset / "data/notes/validation-00000-of-00001.parquet").column("audio")[0]
    flac = flac.as_py()["bytes"]
    frames, rate = soundfile.read(io.BytesIO(flac), dtype="float32")
    for target in (16000, 22050, 32000):
        expected = librosa.resample(frames, orig_sr=rate, target_sr=target, res_type="soxr_hq")
        got = prepare_audio(flac, target)
        assert got.dtype == np.float32 and np.abs(got).max() == 1.0  # peak-normalised
        np.testing.assert_array_equal(got, expected / np.abs(expected).max())


# --- embed: parallelism and the cache -----------------------------------------------------------


def test_worker_count_does_not_change_a_single_bit(tiny_dataset, handmade, tmp_path):
    _, two_workers = handmade
    one_worker = embed(
        str(tiny_dataset), "notes", SPLITS, get_extractor("handcrafted"), workers=1, cache_root=tmp_path
    )
    for split in SPLITS:
        assert one_worker[split].ids == two_workers[split].ids
        a, b = one_worker[split].layers["handcrafted"], two_workers[split].layers["handcrafted"]
        assert a.shape == (len(a), 960) and a.dtype == np.float32
        assert a.tobytes() == b.tobytes()


def test_one_handcrafted_pass_fills_every_handmade_cache(tiny_dataset, handmade):
    root, result = handmade
    before = all_files(root)
    parts = {}
    for name in ("mel", "chroma", "mfcc"):
        got = embed(str(tiny_dataset), "notes", ["test"], refusing(name), cache_root=root)["test"]
        assert got.ids == result["test"].ids
        parts[name] = got.layers[name]
        assert parts[name].shape == (len(got.ids), HANDMADE_DIMS[name])
    joined = np.concatenate([parts["mel"], parts["chroma"], parts["mfcc"]], axis=1)
    assert joined.tobytes() == result["test"].layers["handcrafted"].tobytes()
    assert all_files(root) == before  # hits only read


def test_corrupt_partial_or_missing_entries_are_recomputed(tiny_dataset, handmade, tmp_path):
    root, _ = handmade
    shutil.copytree(root, tmp_path / "cache")
    cache = tmp_path / "cache"
    original = embed(str(tiny_dataset), "notes", SPLITS, refusing("chroma"), cache_root=cache)
    entries = {path.parent.name: path for path in cache.glob("chroma/*/notes/*/*/chroma.npy")}
    flipped = bytearray(entries["train"].read_bytes())
    flipped[-1] ^= 0xFF  # a bit flip in the data: same size, same header
    entries["train"].write_bytes(bytes(flipped))
    entries["validation"].write_bytes(entries["validation"].read_bytes()[:200])  # a partial write
    entries["test"].with_suffix(".json").unlink()  # the record never written
    with pytest.raises(AssertionError, match="recomputed"):
        embed(str(tiny_dataset), "notes", ["train"], refusing("chroma"), workers=1, cache_root=cache)
    again = embed(str(tiny_dataset), "notes", SPLITS, get_extractor("chroma"), workers=1, cache_root=cache)
    for split in SPLITS:
        assert again[split].layers["chroma"].tobytes() == original[split].layers["chroma"].tobytes()
    embed(str(tiny_dataset), "notes", SPLITS, refusing("chroma"), cache_root=cache)  # repaired: hits again


def test_a_local_hub_name_reads_the_same_data_and_cache(tiny_dataset, handmade):
    root, result = handmade
    hub.publish_local(tiny_dataset, "lab/syntheory-tiny")
    got = embed("lab/syntheory-tiny", "notes", ["validation"], refusing("chroma"), cache_root=root)
    assert (
        got["validation"].layers["chroma"].tobytes()
        == result["validation"].layers["handcrafted"][:, 768:840].tobytes()
    )


@pytest.mark.parametrize(
    ("source", "config", "splits", "in_message"),
    [
        ("nobody/nothing", "notes", ["train"], "was not found"),
        (None, "melodies", ["train"], "melodies"),
        (None, "notes", ["dev"], "dev"),
        (None, "notes", [], "no split"),
    ],
)
def test_bad_embed_arguments_are_user_errors(tiny_dataset, tmp_path, source, config, splits, in_message):
    with pytest.raises(UserError, match=in_message):
        embed(source or str(tiny_dataset), config, splits, get_extractor("chroma"), cache_root=tmp_path)


# --- model extractors ---------------------------------------------------------------------------


def test_basic_pitch_layers_and_heads_match_basic_pitch_inference(tmp_path):
    from basic_pitch.inference import run_inference

    audio = np.concatenate([tone(440.0, 2.0, 22050), tone(261.63, 2.0, 22050)])
    extractor = get_extractor("basic-pitch")
    out = extractor.extract(audio)
    dims = {
        "cqt": 309,
        "contour_conv": 2112,
        "contour": 264,
        "note_conv": 2816,
        "note": 88,
        "onset_conv": 2816,
        "onset": 88,
    }
    assert {layer: v.shape[0] for layer, v in out.items()} == dims and list(out) == extractor.layers()
    assert all(np.isfinite(v).all() and v.dtype == np.float32 for v in out.values())
    assert not np.allclose(out["note_conv"], out["onset_conv"]) and not np.allclose(out["note"], out["onset"])
    wav = tmp_path / "clip.wav"
    soundfile.write(wav, audio, 22050, subtype="FLOAT")
    reference = run_inference(wav, basic_pitch_model_path())  # basic-pitch's own windowing and unwrapping
    for head in ("contour", "note", "onset"):
        np.testing.assert_allclose(out[head], reference[head].mean(axis=0), atol=1e-6)
    assert {np.argmax(out["note"]) + 21} == {
        60
    }  # C4 and A4 sound equally long; C4 wins on the mean posterior


def test_basic_pitch_in_spawned_workers_matches_in_process(tiny_dataset, tmp_path):
    extractor = get_extractor("basic-pitch")
    result = embed(
        str(tiny_dataset), "notes", ["validation", "test"], extractor, workers=2, cache_root=tmp_path
    )
    rows = pq.read_table(
        tiny_dataset / "data/notes/test-00000-of-00001.parquet", columns=["audio"]
    ).to_pylist()
    from synthsuite.baselines.syntheory.embeddings import prepare_audio

    first = extractor.extract(prepare_audio(rows[0]["audio"]["bytes"], extractor.sample_rate))
    for layer in extractor.layers():
        assert result["test"].layers[layer].shape[0] == len(rows)
        assert result["test"].layers[layer][0].tobytes() == first[layer].tobytes()


def test_crepe_layers_and_pitch():
    extractor = get_extractor("crepe")  # tiny
    out = extractor.extract(tone(440.0, 1.0, 16000))
    dims = {"conv1": 128, "conv2": 16, "conv3": 16, "conv4": 16, "conv5": 32, "conv6": 64, "pitch": 360}
    assert {layer: v.shape[0] for layer, v in out.items()} == dims and list(out) == extractor.layers()
    assert all(np.isfinite(v).all() and v.dtype == np.float32 for v in out.values())
    assert not np.allclose(out["conv2"], out["conv3"]) and not np.allclose(out["conv3"], out["conv4"])
    torchcrepe = import_torchcrepe()
    import torch

    hertz = float(torchcrepe.convert.bins_to_frequency(torch.tensor(int(np.argmax(out["pitch"])))))
    assert abs(1200 * np.log2(hertz / 440.0)) < 25  # within a quarter semitone
    assert "torchaudio" not in sys.modules  # the stand-in used during torchcrepe's import is gone


def tiny_musicgen(folder: Path, seed: int) -> Path:
    """A random MusicGen small enough for a test, with filled EnCodec codebooks (a random one has
    zero codebooks, so every code would be 0), saved like a real checkpoint."""
    import torch
    from transformers import (
        EncodecConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        T5Config,
    )

    torch.manual_seed(seed)
    config = MusicgenConfig(
        text_encoder=T5Config(vocab_size=32, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2),
        audio_encoder=EncodecConfig(
            sampling_rate=32000,
            hidden_size=16,
            num_filters=4,
            upsampling_ratios=[8, 5, 4, 4],
            codebook_size=64,
            target_bandwidths=[1.2],
            num_lstm_layers=1,
        ),
        decoder=MusicgenDecoderConfig(
            vocab_size=64,
            num_hidden_layers=3,
            ffn_dim=32,
            num_attention_heads=2,
            hidden_size=16,
            num_codebooks=4,
            pad_token_id=64,
            bos_token_id=64,
            max_position_embeddings=512,
        ),
    )
    model = MusicgenForConditionalGeneration(config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.copy_(0.05 * torch.randn(layer.codebook.embed.shape, generator=generator))
    model.save_pretrained(folder)
    return folder


def test_tiny_musicgen_gives_every_hidden_state(tiny_dataset, tmp_path):
    extractor = get_extractor("musicgen", model=str(tiny_musicgen(tmp_path / "a", seed=0)))
    assert extractor.layers() == ["hidden_00", "hidden_01", "hidden_02", "hidden_03"]  # embeddings + 3 layers
    result = embed(
        str(tiny_dataset), "notes", ["validation"], extractor, workers=1, cache_root=tmp_path / "cache"
    )
    layers = result["validation"].layers
    assert list(layers) == extractor.layers()
    assert all(
        v.shape == (len(result["validation"].ids), 16) and np.isfinite(v).all() for v in layers.values()
    )
    assert not np.allclose(layers["hidden_00"], layers["hidden_01"])
    assert not np.allclose(layers["hidden_00"][0], layers["hidden_00"][1])  # clips differ
    identity = extractor.identity()
    assert len(identity["weights_sha256"]) == 64 and identity["model"].endswith("a")
    other = get_extractor("musicgen", model=str(tiny_musicgen(tmp_path / "b", seed=1)))
    assert other.identity()["weights_sha256"] != identity["weights_sha256"]
