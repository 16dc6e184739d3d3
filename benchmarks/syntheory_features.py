"""Speed of the SynTheory feature extractors (figures for docs/syntheory-features.md).

    python benchmarks/syntheory_features.py                  # 160 `notes` clips built in a temp dir
    python benchmarks/syntheory_features.py --source DIR --config intervals
    python benchmarks/syntheory_features.py --skip-musicgen  # without the random musicgen-small

Figures:
- every extractor: seconds per clip of `extract()` alone, in this process on one thread
  (decoding and resampling, `prepare`, timed separately), and the hours that makes for the full
  dataset on 2 cores;
- the hand-made family (one pass fills mel, chroma, mfcc and handcrafted): `embed()` end to end
  (parquet -> FLAC -> resample -> features -> cache files) into a fresh cache with 1 and 2 worker
  processes, as wall clips/s and CPU seconds per clip (this process plus its workers, whose
  start-up, ~2.5 s of imports and numba compilation each, is included), and the cache hit after.
CPU time is reported next to wall time because it stays put on a machine shared with other jobs,
while wall time grows; the hours column is CPU time / 2 cores.
MusicGen is timed on randomly initialised weights with musicgen-small's architecture (the Hub is
offline here): the same compute as the real checkpoint, not the same numbers.
"""

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import torch
from threadpoolctl import threadpool_limits

from synthsuite.baselines.syntheory.embeddings import embed, prepare_audio
from synthsuite.baselines.syntheory.features import Extractor, get_extractor
from synthsuite.datasets_src import engine
from synthsuite.datasets_src.executors import make_executor
from synthsuite.datasets_src.generator import get_generator

FULL_DATASET_CLIPS = 104_585
SPLITS = ("train", "validation", "test")


def small_build(out: Path, config: str, clips: int) -> Path:
    generator = get_generator("syntheory")
    engine.generate(
        generator,
        out,
        configs=[config],
        profile="small",
        seed=0,
        limit=clips,
        executor=make_executor("local", 2),
        command="benchmark",
        progress=False,
    )
    return out


def first_clips(source: Path, config: str, count: int) -> list[bytes]:
    clips: list[bytes] = []
    for path in sorted((source / "data" / config).glob("*.parquet")):
        rows = pq.read_table(path, columns=["audio"]).column("audio").to_pylist()
        clips += [row["bytes"] for row in rows]
    return clips[:count]


def seconds_per_clip(extractor: Extractor, clips: list[bytes], family: bool) -> tuple[list[float], list[int]]:
    """[prepare CPU, extract CPU, extract wall] seconds per clip on one thread, and the layers' dims.

    CPU time (time.process_time) is what the figures use: on a machine shared with other jobs it
    stays put while wall time grows. The first clip, which loads the model, runs before timing.
    """
    run = extractor.extract_family if family else extractor.extract
    warm = run(prepare_audio(clips[0], extractor.sample_rate))
    layers = warm[extractor.name] if family else warm
    cpu = time.process_time()
    audio = [prepare_audio(flac, extractor.sample_rate) for flac in clips]
    prepared_cpu, prepared_wall = time.process_time(), time.perf_counter()
    for clip in audio:
        run(clip)
    seconds = [prepared_cpu - cpu, time.process_time() - prepared_cpu, time.perf_counter() - prepared_wall]
    return [value / len(clips) for value in seconds], [v.shape[0] for v in layers.values()]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished (joined) child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def embed_cost(source: Path, config: str, extractor: Extractor, workers: int) -> tuple[float, float]:
    """(wall, CPU) seconds per clip of a cold embed() into a fresh cache, worker start-up included."""
    with tempfile.TemporaryDirectory() as cache:
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = embed(
            str(source), config, SPLITS, extractor, workers=workers, cache_root=Path(cache), progress=False
        )
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        clips = sum(len(split.ids) for split in result.values())
        hit = time.perf_counter()
        embed(str(source), config, SPLITS, extractor, cache_root=Path(cache), progress=False)
        hit = time.perf_counter() - hit
    print(
        f"  embed {extractor.name}, {workers} worker(s): {clips} clips in {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU; cache hit {hit:.2f} s"
    )
    return wall / clips, cpu / clips


def random_musicgen_small(folder: Path) -> Path:
    """musicgen-small's shapes (T5-base text encoder, 32 kHz EnCodec, 24 x 1024 decoder), random weights."""
    from transformers import (
        EncodecConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        T5Config,
    )

    torch.manual_seed(0)
    config = MusicgenConfig(
        text_encoder=T5Config(d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12),
        audio_encoder=EncodecConfig(
            sampling_rate=32000,
            upsampling_ratios=[8, 5, 4, 4],
            num_filters=64,
            hidden_size=128,
            codebook_size=2048,
            target_bandwidths=[2.2],
            use_causal_conv=False,
            use_conv_shortcut=False,
        ),
        decoder=MusicgenDecoderConfig(),  # the defaults are musicgen-small's decoder
    )
    MusicgenForConditionalGeneration(config).save_pretrained(folder)
    return folder


def row(name: str, dims: list[int], seconds: list[float], embedded: dict[int, tuple[float, float]]) -> str:
    shown = "/".join(map(str, dims)) if len(dims) <= 8 else f"{len(dims)} x {dims[0]}"
    prepare, extract, wall = seconds
    hours = FULL_DATASET_CLIPS * (prepare + extract) / 2 / 3600  # two cores, perfect scaling
    cells = " | ".join(
        f"{1 / embedded[w][0]:.1f} ({embedded[w][1]:.3f})" if w in embedded else "-" for w in (1, 2)
    )
    return f"| {name} | {shown} | {prepare:.3f} | {extract:.3f} | {wall:.3f} | {cells} | {hours:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, help="a dataset folder (default: a small build in a temp dir)")
    parser.add_argument("--config", default="notes")
    parser.add_argument("--build", type=int, default=160, help="clips in the default build")
    parser.add_argument("--clips", type=int, default=16, help="clips timed in-process per extractor")
    parser.add_argument("--skip-musicgen", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or small_build(Path(tmp) / "syntheory-small", args.config, args.build)
        clips = first_clips(source, args.config, args.clips)
        # (row name, extractor, time its family pass, worker counts for the end-to-end embed)
        runs: list[tuple[str, Extractor, bool, tuple[int, ...]]] = [
            ("mel", get_extractor("mel"), False, ()),
            ("chroma", get_extractor("chroma"), False, ()),
            ("mfcc", get_extractor("mfcc"), False, ()),
            ("handcrafted", get_extractor("handcrafted"), False, ()),
            ("hand-made family pass (fills all 4)", get_extractor("handcrafted"), True, (1, 2)),
            ("basic-pitch", get_extractor("basic-pitch"), False, ()),
            ("crepe tiny, 10 ms hop", get_extractor("crepe"), False, ()),
            ("crepe tiny, 40 ms hop", get_extractor("crepe", hop_ms=40), False, ()),
        ]
        if not args.skip_musicgen:
            model = random_musicgen_small(Path(tmp) / "musicgen-small-random")
            runs.append(
                ("musicgen-small (random weights)", get_extractor("musicgen", model=str(model)), False, ())
            )
        lines = []
        for name, extractor, family, worker_counts in runs:
            timed = {"crepe": 4, "musicgen": 2}.get(extractor.name, len(clips))
            with threadpool_limits(limits=1):
                torch.set_num_threads(1)
                per_clip, dims = seconds_per_clip(extractor, clips[:timed], family)
            embedded = {
                workers: embed_cost(source, args.config, extractor, workers) for workers in worker_counts
            }
            lines.append(row(name, dims, per_clip, embedded))
            print(lines[-1], flush=True)
        print(f"\nload average (1 min) before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}\n")
        print(
            "| extractor | dims per layer | prepare CPU s/clip | extract CPU s/clip | extract wall s/clip "
            "| embed, 1 worker: clips/s (CPU s/clip) | embed, 2 workers | hours, 104,585 clips, 2 cores |"
        )
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
