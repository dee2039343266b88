"""Count furniture-like lines left in digest's extracted text of the ScrapingHub pages.

Usage: python benchmarks/furniture.py [--limit N] [--show N]

A line looks like page furniture (a timestamp, a section label, a caption credit, a byline, a
"continue reading" prompt) when it is short (under 8 words) and does not end as a sentence does
(``.``, ``!``, ``?``, ``…`` or a closing quote after one). Article subheadings have the same
shape, so the count is an upper bound on furniture, to compare before and after a change, not a
score. A line counts as "in the truth" when the ground-truth article body holds it too (the
annotators kept it: a subheading, a list item), so the third figure estimates the real furniture.

Data: ``../shared/data/extraction/scrapinghub/`` (see ``benchmarks/extraction.py``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.extraction import DATA, digest_text, read_gz  # noqa: E402

SHORT_WORDS = 8
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def looks_like_furniture(line: str) -> bool:
    """A short line that does not end as a sentence does."""
    words = len(_WORD.findall(line))
    return 0 < words < SHORT_WORDS and not _SENTENCE_END.search(line.strip())


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="pages (default: all)")
    parser.add_argument("--show", type=int, default=0, help="print this many example lines")
    args = parser.parse_args()
    folder = DATA / "scrapinghub"
    if not folder.is_dir():
        print(f"error: benchmark data not found at {folder}", file=sys.stderr)
        return 2
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[: args.limit]
    pages_with = lines = in_truth = 0
    examples: list[str] = []
    for page_id in ids:
        text = digest_text(read_gz(folder / "html" / f"{page_id}.html.gz"), truth[page_id]["url"])
        body = _key(truth[page_id]["articleBody"])
        found = [line for line in text.splitlines() if looks_like_furniture(line)]
        pages_with += bool(found)
        lines += len(found)
        for line in found:
            kept = _key(line) in body
            in_truth += kept
            if not kept and len(examples) < args.show:
                examples.append(f"{page_id}: {line}")
    print(f"pages: {len(ids)}")
    print(f"pages with a furniture-like line: {pages_with}")
    print(f"furniture-like lines: {lines}")
    print(f"  of which the ground truth holds too (subheadings, list items): {in_truth}")
    print(f"  not in the ground truth (likely furniture): {lines - in_truth}")
    for example in examples:
        print(f"  {example}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
