"""Cache files that cannot lie: each one is signed with a secret that only this clone knows.

tpm's caches (parsed documents, folded history) live under the git directory, and CI
restores that folder from earlier jobs, perhaps a job that ran a stranger's pull request.
A cache that is only checked for shape can then claim anything: that a broken file is
clean, that a risk was reviewed. So every cache file carries an HMAC-SHA256 of its
content, keyed by

- the `TPM_CACHE_KEY` environment variable when it is set and not empty, so that trusted
  CI jobs can share caches (a fork's pull request gets no secrets, so it can never make a
  cache they accept; an unset secret that expands to "" counts as no key);
- otherwise 32 random bytes in `<git dir>/tpm-cache.key`, made on first use (mode 0600,
  created exclusively) outside the `tpm-cache/` folder that CI saves and restores.

A file that is missing, refused by the read boundary (a link out of the git directory, a
device, over 512 MiB), unsigned or signed with another key is ignored, and the caller
rebuilds what it held: slower, never a different verdict. The file stays JSON: the
signature is its last member, over the bytes of the object without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tpm import boundary
from tpm.errors import UsageError
from tpm.fsutil import write_atomic

KEY_ENV = "TPM_CACHE_KEY"
KEY_FILE = "tpm-cache.key"
KEY_BYTES = 32
_SIGNED = re.compile(rb',"signature":"([0-9a-f]{64})"\}\n?\Z')


def load(path: Path, git_dir: Path, format: str) -> dict[str, Any] | None:
    """The cache's JSON object when it is ours, correctly signed and of `format`, else None.
    Its members are whatever JSON the caller saved (`Any`): the caller checks their shape."""
    data = boundary.read_cache(path, git_dir)
    if data is None:
        return None
    found = _SIGNED.search(data, max(0, len(data) - 96))  # only the tail
    if found is None:
        return None
    key = secret(git_dir)
    if key is None:
        return None
    body = data[: found.start()] + b"}"
    if not hmac.compare_digest(found.group(1), _sign(key, body).encode("ascii")):
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) and payload.get("format") == format else None


def save(path: Path, git_dir: Path, format: str, payload: Mapping[str, object]) -> None:
    """Write `payload` (with its `format`) signed, atomically; a git directory we cannot
    write to, or no key, just means no cache."""
    key = secret(git_dir)
    if key is None or not boundary.is_within(path.parent, git_dir):  # a restored link out of the git dir
        return
    body = json.dumps({"format": format, **payload}, separators=(",", ":"))  # ASCII: non-ASCII is escaped
    with contextlib.suppress(UsageError):
        write_atomic(path, f'{body[:-1]},"signature":"{_sign(key, body.encode("ascii"))}"}}')


def _sign(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def secret(git_dir: Path) -> bytes | None:
    """The signing key: `TPM_CACHE_KEY` when set, else this clone's key file, made on first
    use. None when there is no way to have one (a read-only git directory): no cache."""
    given = os.environ.get(KEY_ENV)
    if given:
        return given.encode("utf-8", "surrogateescape")
    path = Path(git_dir) / KEY_FILE
    key = boundary.read_cache(path, git_dir, limit=KEY_BYTES)
    if key is not None and len(key) == KEY_BYTES:
        return key
    if os.path.lexists(path):  # damaged (a tpm was killed while making it): made anew
        try:
            os.unlink(path)
        except OSError:
            return None
    return _create_key(path, git_dir)


def _create_key(path: Path, git_dir: Path) -> bytes | None:
    key = secrets.token_bytes(KEY_BYTES)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags, 0o600)
    except FileExistsError:  # another tpm made it just now: use theirs if it is whole
        made = boundary.read_cache(path, git_dir, limit=KEY_BYTES)
        return made if made is not None and len(made) == KEY_BYTES else None
    except OSError:
        return None
    try:
        os.write(handle, key)
    except OSError:
        return None
    finally:
        os.close(handle)
    return key
