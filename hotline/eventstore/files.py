"""Files the event store hands out (anchors, backups): whole or not at all under their name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_beside(target: Path, *, mode: int) -> Iterator[Path]:
    """A temporary file in ``target``'s folder to write. When the block ends without an error it
    is synced to disk, given ``mode`` and renamed onto ``target``; otherwise it is removed, so a
    reader never sees half a file under the target's name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
