"""Checks the Markdown docs: every relative link points at a file that exists, every `#anchor` (on the
same page or another Markdown page) names a heading there, and every picture in docs/ is shown by
some page (the benchmark plots were once redrawn for months without being shown).

    python scripts/check_docs.py        # from the repository root; exit 1 and one line per problem
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from pathlib import Path

PAGES = ["README.md", "docs/*.md", "Benchmarks/README.md", "Bindings/*/README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: link targets reduced to their text, lower case, punctuation and
    symbols dropped (letters, digits, marks, `_`, `-` and spaces kept), spaces turned into `-`."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    kept = "".join(
        c
        for c in text
        if c.isalnum() or c in "_- " or unicodedata.category(c).startswith("M")
    )
    return kept.replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    """The anchors of a page's headings (outside code blocks); repeats get -1, -2, … as on GitHub."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            result.add(base if count == 0 else f"{base}-{count}")
    return frozenset(result)


def problems(root: Path) -> list[str]:
    found: list[str] = []
    linked: set[Path] = set()
    pages = sorted({page for pattern in PAGES for page in root.glob(pattern)})
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target):
                continue  # a URL
            file, _, anchor = target.partition("#")
            path = (page.parent / file).resolve() if file else page.resolve()
            linked.add(path)
            if not path.exists():
                found.append(f"{page.relative_to(root)}: broken link {target}")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                found.append(
                    f"{page.relative_to(root)}: no heading for the anchor of {target}"
                )
    for picture in sorted((root / "docs").glob("*.png")):
        if picture.resolve() not in linked:
            found.append(f"docs/{picture.name}: not shown by any page")
    return found


def main() -> int:
    found = problems(Path.cwd())
    for line in found:
        print(f"docs: {line}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
