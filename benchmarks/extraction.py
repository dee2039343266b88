"""Article extraction quality and speed: digest against trafilatura's default ``extract()``.

Usage: python benchmarks/extraction.py [--limit N] [--corpus scrapinghub|trafilatura-eval|all]

Data: ``../shared/data/extraction/`` relative to the repository root.

- ``scrapinghub/`` (article-extraction-benchmark): word-level precision, recall and F1 per page,
  then averaged over pages. Tokens are lower-cased ``\\w+`` matches; the overlap is the size of
  the multiset intersection of predicted and true tokens. An empty prediction scores 0 on a page
  whose ground truth is not empty.
- ``trafilatura-eval/``: each page lists segments that must appear ("with") and segments that
  must not ("without"). As in trafilatura's own evaluation, whitespace in the output is collapsed
  and a segment counts when it is a substring of it: a "with" segment found is a true positive,
  missing a false negative; a "without" segment found is a false positive, absent a true
  negative. Precision, recall and F1 come from the counts summed over the corpus (micro average).

Both extractors run in the same process, alternating page by page so that load from other
processes falls on both alike; pages/s counts only the time inside the extractor call.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def find_data() -> Path:
    """``../shared/data/extraction`` beside the checkout (beside the main one for a worktree)."""
    candidates = [ROOT.parent / "shared" / "data" / "extraction"]
    common = ROOT / ".git"
    if common.is_file():  # a worktree: ".git" names the main repository's git folder
        gitdir = Path(common.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
        main_root = gitdir.parent.parent.parent  # <main>/.git/worktrees/<name>
        candidates.append(main_root.parent / "shared" / "data" / "extraction")
    return next((c for c in candidates if c.is_dir()), candidates[0])


DATA = find_data()
TOKEN = re.compile(r"\w+")

Extractor = Callable[[bytes, str], str]


def digest_text(html: bytes, url: str) -> str:
    from digest.extract import extract

    return extract(html, url).text


def trafilatura_text(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


@dataclass
class Tally:
    seconds: float = 0.0
    pages: int = 0
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    f1: list[float] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def run(self, extractor: Extractor, html: bytes, url: str) -> str:
        start = time.perf_counter()
        text = extractor(html, url)
        self.seconds += time.perf_counter() - start
        self.pages += 1
        return text

    @property
    def speed(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def score_words(predicted: str, truth: str) -> tuple[float, float, float]:
    """Word-level precision, recall and F1 of one page (multiset overlap of ``\\w+`` tokens)."""
    pred = Counter(TOKEN.findall(predicted.lower()))
    true = Counter(TOKEN.findall(truth.lower()))
    if not pred and not true:
        return 1.0, 1.0, 1.0
    overlap = sum((pred & true).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(true.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def score_segments(predicted: str, expected: dict[str, list[str]], counts: Counter[str]) -> None:
    """Add one page's segment outcomes (tp, fn, fp, tn) to ``counts``."""
    text = " ".join(predicted.split())
    for segment in expected.get("with") or []:
        counts["tp" if segment in text else "fn"] += 1
    for segment in expected.get("without") or []:
        counts["fp" if segment in text else "tn"] += 1


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def micro(counts: Counter[str]) -> tuple[float, float, float]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def read_gz(path: Path) -> bytes:
    with gzip.open(path, "rb") as handle:
        return handle.read()


def bench_scrapinghub(extractors: dict[str, Extractor], limit: int | None) -> dict[str, Tally]:
    folder = DATA / "scrapinghub"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit]
    pages = [(read_gz(folder / "html" / f"{i}.html.gz"), truth[i]) for i in ids]
    tallies = {name: Tally() for name in extractors}
    for html, item in pages:
        for name, extractor in extractors.items():
            text = tallies[name].run(extractor, html, item["url"])
            p, r, f = score_words(text, item["articleBody"])
            tallies[name].precision.append(p)
            tallies[name].recall.append(r)
            tallies[name].f1.append(f)
    return tallies


def bench_trafilatura_eval(extractors: dict[str, Extractor], limit: int | None) -> dict[str, Tally]:
    folder = DATA / "trafilatura-eval"
    evaldata = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    urls = sorted(evaldata)[:limit]
    tallies = {name: Tally() for name in extractors}
    for url in urls:
        item = evaldata[url]
        html = read_gz(folder / "pages" / f"{item['file']}.gz")
        for name, extractor in extractors.items():
            text = tallies[name].run(extractor, html, url)
            score_segments(text, item, tallies[name].counts)
    return tallies


def report(title: str, tallies: dict[str, Tally], segments: bool) -> None:
    base = tallies["trafilatura"].speed
    print(f"\n{title}")
    print(f"{'extractor':<14}{'pages':>6}{'P':>8}{'R':>8}{'F1':>8}{'pages/s':>10}{'speed':>8}")
    for name, tally in tallies.items():
        if segments:
            p, r, f = micro(tally.counts)
        else:
            p, r, f = mean(tally.precision), mean(tally.recall), mean(tally.f1)
        ratio = tally.speed / base if base else 0.0
        print(
            f"{name:<14}{tally.pages:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}{tally.speed:>10.1f}{ratio:>7.2f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="pages per corpus (default: all)")
    parser.add_argument(
        "--corpus", choices=["scrapinghub", "trafilatura-eval", "all"], default="all"
    )
    args = parser.parse_args()
    if not DATA.is_dir():
        print(
            f"error: benchmark data not found at {DATA}\n"
            "hint: this benchmark reads ../shared/data/extraction/ next to the repository root "
            "(scrapinghub/ and trafilatura-eval/).",
            file=sys.stderr,
        )
        return 2
    extractors: dict[str, Extractor] = {"digest": digest_text, "trafilatura": trafilatura_text}
    # warm both up (imports, compiled XPaths) so the first page does not skew the speed
    warm = b"<html><body><article><p>" + b"Warm up text. " * 40 + b"</p></article></body></html>"
    for extractor in extractors.values():
        extractor(warm, "https://example.org/")
    if args.corpus in ("scrapinghub", "all"):
        tallies = bench_scrapinghub(extractors, args.limit)
        report("scrapinghub (word-level, mean per page)", tallies, segments=False)
    if args.corpus in ("trafilatura-eval", "all"):
        tallies = bench_trafilatura_eval(extractors, args.limit)
        report("trafilatura-eval (segments, micro-averaged)", tallies, segments=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
