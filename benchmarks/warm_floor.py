"""The floor for a warm check: list the documents and read and hash every one of them.

    python benchmarks/warm_floor.py REPO

`git ls-files -z project/`, then reading every document's bytes and hashing them (sha1):
the least a linter with a cache keyed by each file's content must do to know that
nothing changed. No parsing, no rules, no output. tpm's warm run is measured against this.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path


def main() -> int:
    repo = Path(sys.argv[1])
    listed = subprocess.run(["git", "ls-files", "-z", "project/"], cwd=repo, capture_output=True, check=True)
    paths = [n for n in listed.stdout.decode().split("\0") if n.endswith(".md")]
    digest = hashlib.sha1()
    size = 0
    for path in paths:
        data = (repo / path).read_bytes()
        digest.update(hashlib.sha1(data).digest())
        size += len(data)
    print(f"{len(paths)} documents, {size / 1e6:.1f} MB hashed: {digest.hexdigest()[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
