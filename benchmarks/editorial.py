"""An editorial read of "In Short" bullets, end to end from real pages (../shared/EDITORIAL.md).

Usage:
    python benchmarks/editorial.py sample --out DIR [--count 45] [--base REV] [--readers 5]
                                          [--development | --pages FOLDER]
    python benchmarks/editorial.py score --out DIR
    python benchmarks/editorial.py reread --out DIR --exclude EARLIER/systems.jsonl [...] [--seed S]
    python benchmarks/editorial.py articles --out DIR [--base REV] [--readers 5] [--seed S]

``sample`` picks English article pages from ``../shared/data/extraction`` (the ScrapingHub pages
and the English pages of trafilatura-eval, many outlets and kinds of piece), none of the pages
this project's rules were developed on (a quarter of each corpus, chosen by a hash of the page id,
is the development share; the sample comes from the rest), or with ``--pages`` the ``*.html``
files of a folder of pages you bring (each folder's ``urls.json`` may map a file's name to the
page's address, which tells the extractor the section). For each page it produces three sets of
bullets, all end to end from the HTML:

- ``new``: this checkout's extraction and default summariser (with title, byline, description and
  kind of piece);
- ``old``: the same two steps of the checkout at ``--base`` (default: the commit before the
  editorial-bullets work), run as a separate process through its ``digest extract --jsonl`` and
  ``digest summarize --jsonl``, given whatever its extraction found (a checkout that reads only
  the title and text ignores the rest);
- ``lead3``: the first three sentences of the new extraction's text.

It writes ``DIR/systems.jsonl`` (everything, with system names) and ``DIR/reader-K.md``: for each
article its text and the three sets in a shuffled order under the letters A, B, C, with no system
names. Readers write ``DIR/labels-K.json``; ``score`` maps the letters back and prints the table
of EDITORIAL.md for each system, with the worst bullets quoted. ``reread`` gives the articles of
earlier reads (each ``--exclude``) to new readers with this checkout's bullets, the earlier ``old``
and ``lead3`` sets, and new letters: a second read of the same articles after a change, which is
only as blind as the change was (say which rules came from reading them). ``articles`` does the
same for the CNN and XSum articles of ``../shared/data/news-highlights`` (text only: no headline,
byline or description), which the page rules were never read on.

How the pages are written and the packets read (by helper sessions, with the prompts kept there):
``benchmarks/EDITORIAL_READS.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.extraction import DATA  # noqa: E402
from digest.pipeline import publishers_words, standfirst  # noqa: E402

HIGHLIGHTS = ROOT.parent / "shared" / "data" / "news-highlights"
BASE = "ea1f75e"  # the summariser before the editorial-bullets work
LABELS = ("OK", "DANGLING", "TRIVIAL", "FRAGMENT", "UNFAITHFUL")
TEXT_WORDS = 1500  # what a reader gets of a very long article


def development_page(page_id: str) -> bool:
    """The quarter of the pages kept for development: never in the sample."""
    return hashlib.sha256(f"editorial:{page_id}".encode()).hexdigest()[0] in "0123"


def pages(
    count: int,
    seed: int,
    development: bool = False,
    exclude: frozenset[str] = frozenset(),
    folder: Path | None = None,
) -> list[dict[str, str]]:
    """English article pages outside the development share, from both corpora, shuffled; or the
    pages of ``folder`` (see :func:`folder_pages`), all of them, shuffled."""
    from digest.extract import extract
    from digest.summarize import unsuitable

    found = _corpus_pages(development) if folder is None else folder_pages(folder)
    random.Random(seed).shuffle(found)
    per_host = 2 if folder is None else count  # the corpora: many outlets, not a few big ones
    chosen: list[dict[str, str]] = []
    hosts: Counter[str] = Counter()
    for page in found:
        html = _read(page["path"])
        extracted = extract(html, page["url"] or None)
        host = (page["url"].split("/") + ["", "", ""])[2]
        if page["id"] in exclude or unsuitable(extracted.text) or hosts[host] >= per_host:
            continue
        hosts[host] += 1
        page["html"] = html.decode("utf-8", errors="replace")
        chosen.append(page)
        if len(chosen) == count:
            break
    return chosen


def folder_pages(folder: Path) -> list[dict[str, str]]:
    """Every ``*.html`` or ``*.html.gz`` under ``folder``, with the address its folder's
    ``urls.json`` gives it (``{"01.html": "https://..."}``; none when it gives none)."""
    found: list[dict[str, str]] = []
    for path in sorted([*folder.rglob("*.html"), *folder.rglob("*.html.gz")]):
        index = path.parent / "urls.json"
        urls = json.loads(index.read_text(encoding="utf-8")) if index.exists() else {}
        # The folder's own name too: "w1/01.html" of one set of pages is not that of another.
        name = path.resolve().relative_to(folder.resolve().parent).as_posix()
        found.append(
            {"id": f"pg-{_short(name)}", "path": str(path), "url": urls.get(path.name, "")}
        )
    return found


def _corpus_pages(development: bool) -> list[dict[str, str]]:
    """The English article pages of both corpora, in the development share or outside it."""
    found: list[dict[str, str]] = []
    scrapinghub = DATA / "scrapinghub"
    truth = json.loads((scrapinghub / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        path = scrapinghub / "html" / f"{page_id}.html.gz"
        if path.exists() and development_page(page_id) == development:
            found.append(
                {"id": f"sh-{page_id[:12]}", "path": str(path), "url": truth[page_id]["url"]}
            )
    evaluation = DATA / "trafilatura-eval"
    for url, entry in sorted(json.loads((evaluation / "evaldata.json").read_text()).items()):
        path = evaluation / "pages" / entry["file"]
        if not path.exists():
            path = evaluation / "pages" / (entry["file"] + ".gz")
        if path.exists() and development_page(url) == development:
            found.append(
                {
                    "id": f"tr-{hashlib.sha1(url.encode()).hexdigest()[:12]}",
                    "path": str(path),
                    "url": url,
                }
            )
    return found


def _read(path: str) -> bytes:
    data = Path(path).read_bytes()
    return gzip.decompress(data) if path.endswith(".gz") else data


def run_new(chosen: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    from digest.extract import extract
    from digest.summarize import Context, SummarizerSettings, load_summarizer
    from digest.summarize.sentences import split_sentences

    summarizer = load_summarizer(SummarizerSettings())
    out: dict[str, dict[str, object]] = {}
    for page in chosen:
        extracted = extract(page["html"], page["url"] or None)
        description = extracted.description or " ".join(extracted.publisher_summary)
        context = Context(description, extracted.author or "", extracted.kind)
        bullets = summarizer.summarize([extracted.text], [extracted.title], [context])[0]
        out[page["id"]] = {
            "title": extracted.title,
            "text": extracted.text,
            "author": extracted.author or "",
            "kind": extracted.kind,
            "description": description,
            "new": bullets,
            "lead3": split_sentences(extracted.text)[:3],
        }
    return out


@contextlib.contextmanager
def _checkout(base: str) -> Iterator[tuple[dict[str, str], str]]:
    """The ``base`` commit in a temporary worktree: (the environment that imports it, a folder
    to run it in)."""
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), base],
            check=True,
        )
        try:
            yield {**os.environ, "PYTHONPATH": str(tree)}, folder
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )


def _old_summaries(env: dict[str, str], folder: str, requests: list[str]) -> dict[str, list[str]]:
    """The old checkout's ``digest summarize --jsonl`` of ``requests`` (JSON lines); when it
    crashes on some article, that article alone gets no bullets."""

    def summarise(lines: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "digest", "summarize", "--jsonl", "-"],
            input="".join(lines),
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
        )

    done = summarise(requests)
    summarised = done.stdout
    if done.returncode != 0:
        summarised = ""
        for line in requests:
            one = summarise([line])
            empty = json.dumps({"id": json.loads(line)["id"], "bullets": []}) + "\n"
            summarised += one.stdout if one.returncode == 0 else empty
    return {r["id"]: r.get("bullets", []) for r in map(json.loads, summarised.splitlines()) if r}


def run_old(chosen: list[dict[str, str]], base: str) -> dict[str, list[str]]:
    """The base commit's extraction and default summariser, in their own process."""
    with _checkout(base) as (env, folder):
        lines = "".join(
            json.dumps({"id": p["id"], "html": p["html"], "url": p["url"]}) + "\n" for p in chosen
        )
        extracted = subprocess.run(
            [sys.executable, "-m", "digest", "extract", "--jsonl", "-"],
            input=lines,
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            check=True,
        ).stdout
        records = [json.loads(line) for line in extracted.splitlines() if line.strip()]
        fields = ("id", "text", "title", "author", "description", "kind")
        requests = [json.dumps({f: r[f] for f in fields if f in r}) + "\n" for r in records]
        return _old_summaries(env, folder, requests)


# The commit from which the email shows the publisher's description above the bullets.
STANDFIRST = "e359e41"


def _shows_standfirst(base: str) -> bool:
    """Whether the ``base`` checkout's email shows the publisher's description above its bullets,
    as this one does: a read with a later base (ed65's) otherwise understated its coverage."""
    ancestor = ["git", "-C", str(ROOT), "merge-base", "--is-ancestor", STANDFIRST, base]
    return subprocess.run(ancestor, check=False).returncode == 0


def _short(identifier: str) -> str:
    """A short id that stays unique: the corpus ids are 40-digit hashes or "xsum-sample-7"."""
    return hashlib.sha1(identifier.encode()).hexdigest()[:12]


def articles(out: Path, base: str, readers: int, seed: int) -> None:
    """The news-highlights articles (CNN test sample and XSum: text only, no page, no headline),
    this checkout's bullets, the ``base`` checkout's and Lead-3, blinded like ``sample``: a read
    on articles the page rules were not developed on."""
    from digest.summarize import SummarizerSettings, load_summarizer
    from digest.summarize.sentences import split_sentences

    records: list[dict[str, Any]] = []
    for name in ("cnndm-test-sample.jsonl", "xsum-sample.jsonl"):
        for line in (HIGHLIGHTS / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            records.append(
                {
                    "id": f"{name.split('-')[0]}-{_short(item['id'])}",
                    "url": "",
                    "title": "",
                    "text": item["article"],
                    "author": "",
                    "kind": "news",
                    "description": "",
                    "lead3": split_sentences(item["article"])[:3],
                }
            )
    new = load_summarizer(SummarizerSettings()).summarize([r["text"] for r in records])
    with _checkout(base) as (env, folder):
        old = _old_summaries(
            env, folder, [json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in records]
        )
    for record, bullets in zip(records, new, strict=True):
        record["new"], record["old"] = bullets, old.get(record["id"], [])
    _write_blinded(out, records, readers, random.Random(seed))
    print(f"{len(records)} articles -> {out}/systems.jsonl and {readers} reading packets")


def sample(
    out: Path,
    count: int,
    base: str,
    readers: int,
    seed: int,
    exclude: list[Path],
    development: bool = False,
    folder: Path | None = None,
) -> None:
    """Pick the pages, run the three systems, write the blinded packets (see the docstring);
    ``development``: from the development share instead, never read blind before; ``folder``:
    the pages found there instead of the corpora."""
    seen = frozenset(
        json.loads(line)["id"] for path in exclude for line in path.read_text().splitlines()
    )
    chosen = pages(count, seed, development=development, exclude=seen, folder=folder)
    results = run_new(chosen)
    old = run_old(chosen, base)
    shows = _shows_standfirst(base)
    records: list[dict[str, Any]] = [
        {
            "id": p["id"],
            "url": p["url"],
            **results[p["id"]],
            "old": old.get(p["id"], []),
            "old_standfirst": shows,
        }
        for p in chosen
    ]
    _write_blinded(out, records, readers, random.Random(seed + 1))
    print(f"{len(records)} articles -> {out}/systems.jsonl and {readers} reading packets")


def _write_blinded(
    out: Path, records: list[dict[str, Any]], readers: int, rng: random.Random
) -> None:
    """Give each record's three sets random letters, shuffle the articles, and write
    ``DIR/systems.jsonl`` and the readers' packets."""
    for record in records:
        systems = ["new", "old", "lead3"]
        rng.shuffle(systems)
        record["letters"] = dict(zip("ABC", systems, strict=True))
    rng.shuffle(records)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "systems.jsonl").open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
    write_packets(out, records, readers)


def write_packets(out: Path, records: list[dict[str, Any]], readers: int) -> None:
    """``DIR/reader-K.md``: each reader's articles, the sets under their letters, no names."""
    for k in range(readers):
        mine = records[k::readers]
        parts = [
            f"# Reading packet {k + 1}: {len(mine)} articles\n\nFor each article: read the text, then "
            "label every bullet of each set (A, B, C) on its own, as ../shared/EDITORIAL.md says. "
            "A set marked (no bullets) shows instead the publisher's description, if any: judge its "
            "coverage only. A set may also show the publisher's description above its bullets "
            "(marked From the publisher): it is not a bullet to label, but count it for the set's "
            "coverage.\n"
        ]
        for record in mine:
            words = record["text"].split()
            text = (
                record["text"]
                if len(words) <= TEXT_WORDS
                else " ".join(words[:TEXT_WORDS]) + " [...]"
            )
            # the byline too: an opinion piece's bullets name their author from it
            byline = f"Byline: {record['author']}\n" if record.get("author") else ""
            parts.append(
                f"\n---\n## Article {record['id']}\nTitle: {record['title']}\n{byline}\n{text}\n"
            )
            for letter, system in record["letters"].items():
                bullets = record[system]
                parts.append(f"\n### Set {letter}\n")
                if bullets:
                    # the email shows it above the bullets (story_of) since STANDFIRST; before,
                    # the description was one of them or shown only in their place
                    above = (
                        standfirst(record["description"], record["text"], bullets)
                        if system == "new" or (system == "old" and record.get("old_standfirst"))
                        else ""
                    )
                    if above:
                        parts.append(f"(From the publisher, above the bullets: {above})\n")
                    parts += [f"{i}. {b}\n" for i, b in enumerate(bullets, 1)]
                else:
                    # What the email shows instead (digest.pipeline.story_of): for the old checkout
                    # too, whose email has shown it since 67f1d96; Lead-3 always has sentences.
                    # (Shown only for "new" before: the ed28-ed30 reads understate the old
                    # checkout's coverage where it had no bullets.)
                    shown = publishers_words(record["description"], "", record["text"])
                    parts.append(
                        f"(no bullets){' From the publisher: ' + shown if shown else ''}\n"
                    )
        (out / f"reader-{k + 1}.md").write_text("".join(parts), encoding="utf-8")


def reread(out: Path, sources: list[Path], readers: int, seed: int) -> None:
    """Summarise the articles of earlier reads again with this checkout (``new``), keep their
    ``old`` and ``lead3`` sets, shuffle the letters and the order anew and write fresh packets:
    the same articles read again by new readers after a change. The article text is the one
    stored by the earlier sample (its extraction), so only the summariser differs."""
    from digest.summarize import Context, SummarizerSettings, load_summarizer

    records = [json.loads(line) for path in sources for line in path.read_text().splitlines()]
    summarizer = load_summarizer(SummarizerSettings())
    bullets = summarizer.summarize(
        [r["text"] for r in records],
        [r["title"] for r in records],
        [Context(r["description"], r["author"], r["kind"]) for r in records],
    )
    for record, new in zip(records, bullets, strict=True):
        record["new"] = new
    _write_blinded(out, records, readers, random.Random(seed))
    print(f"{len(records)} articles read again -> {out}/systems.jsonl and {readers} packets")


def show_development(count: int, seed: int) -> None:
    """The new bullets of pages from the development share, for reading while changing rules."""
    chosen = pages(count, seed, development=True)
    for page in chosen:
        result = run_new([page])[page["id"]]
        print(f"\n== {page['id']} {result['kind']} by {result['author']!r}: {result['title']}")
        print(f"   {str(result['text'])[:300]!r}")
        for bullet in result["new"]:  # type: ignore[attr-defined]
            print(f"  - {bullet}")


def score(out: Path) -> None:
    records = {
        json.loads(line)["id"]: json.loads(line)
        for line in (out / "systems.jsonl").read_text().splitlines()
    }
    labels: list[dict[str, object]] = []
    for path in sorted(out.glob("labels-*.json")):
        labels += json.loads(path.read_text(encoding="utf-8"))
    per: dict[str, Counter[str]] = {s: Counter() for s in ("new", "old", "lead3")}
    coverage: dict[str, Counter[str]] = {s: Counter() for s in per}
    clean: Counter[str] = Counter()
    worst: dict[str, list[str]] = {s: [] for s in per}
    for entry in labels:
        record = records[str(entry["article"])]
        system = record["letters"][str(entry["set"])]
        bullets = record[system]
        marks = list(entry.get("labels", []))  # type: ignore[call-overload]
        for mark in marks:
            per[system][str(mark["label"])] += 1
            if mark["label"] != "OK":
                index = int(mark["bullet"]) - 1
                shown = bullets[index] if 0 <= index < len(bullets) else "?"
                worst[system].append(f"{mark['label']}: {shown}  [{record['id']}]")
        coverage[system][str(entry.get("coverage", "no"))] += 1
        if marks and all(m["label"] == "OK" for m in marks) and entry.get("coverage") == "yes":
            clean[system] += 1
    for system in per:
        total = sum(per[system].values())
        articles = sum(coverage[system].values())
        print(f"\n## {system}: {articles} articles, {total} bullets")
        print("| label | bullets | % |\n|---|---|---|")
        for label in LABELS:
            n = per[system][label]
            print(f"| {label} | {n} | {100 * n / max(total, 1):.0f}% |")
        cov = coverage[system]
        print(
            "Coverage: "
            + ", ".join(
                f"{c} {cov[c]} ({100 * cov[c] / max(articles, 1):.0f}%)"
                for c in ("yes", "partly", "no")
            )
            + f"; all bullets OK and coverage yes: {clean[system]} of {articles}"
        )
        print("Worst bullets:")
        for line in worst[system][:10]:
            print(f"- {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["sample", "score", "dev", "reread", "articles"])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--count", type=int, default=45)
    parser.add_argument("--base", default=BASE)
    parser.add_argument("--readers", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--exclude",
        type=Path,
        action="append",
        default=[],
        help="systems.jsonl of an earlier read: its pages are not sampled again (sample), "
        "or read again (reread)",
    )
    parser.add_argument(
        "--development",
        action="store_true",
        help="sample: draw from the development share (only rules were read on it, never blind)",
    )
    parser.add_argument(
        "--pages",
        type=Path,
        default=None,
        help="sample: the *.html pages of this folder (and its urls.json) instead of the corpora",
    )
    args = parser.parse_args()
    if args.command == "dev":
        show_development(args.count, args.seed)
    elif args.command == "sample":
        sample(
            args.out,
            args.count,
            args.base,
            args.readers,
            args.seed,
            args.exclude,
            args.development,
            args.pages,
        )
    elif args.command == "reread":
        reread(args.out, args.exclude, args.readers, args.seed)
    elif args.command == "articles":
        articles(args.out, args.base, args.readers, args.seed)
    else:
        score(args.out)


if __name__ == "__main__":
    main()
