"""Benchmarks time tpm as an installed copy runs it: from compiled bytecode.

pip compiles a package's modules when it installs it, and Python writes the `.pyc` files
of an editable install on its first run, unless `PYTHONDONTWRITEBYTECODE` is set (as it
is on some CI machines and in containers). Then every run of an editable install would
compile each tpm module from source again, about 50 ms of a cold run here, which no
installed copy pays. So each benchmark compiles tpm's modules once, before its warm-up.
"""

from __future__ import annotations

import compileall
from pathlib import Path


def compile_tpm(*sources: Path) -> None:
    """Write the `.pyc` files of the tpm that `tpm` runs, or of the tpm packages under
    the `src` folders `sources` (compileall writes them even when
    `PYTHONDONTWRITEBYTECODE` is set)."""
    if not sources:
        import tpm

        sources = (Path(tpm.__file__).parent.parent,)
    for source in sources:
        compileall.compile_dir(source / "tpm", quiet=1)
