"""Checks the Markdown docs: every relative link points at a file that exists, and every picture in
docs/ is shown by some page (the benchmark plots were once redrawn for months without being shown).

    python scripts/check_docs.py        # from the repository root; exit 1 and one line per problem
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PAGES = ["README.md", "docs/*.md", "Benchmarks/README.md", "Bindings/*/README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def problems(root: Path) -> list[str]:
    found: list[str] = []
    linked: set[Path] = set()
    pages = sorted({page for pattern in PAGES for page in root.glob(pattern)})
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # a URL or an anchor on the same page
            path = (page.parent / target.split("#")[0]).resolve()
            linked.add(path)
            if not path.exists():
                found.append(f"{page.relative_to(root)}: broken link {target}")
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
