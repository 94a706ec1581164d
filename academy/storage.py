"""The app's private file folders walked safely: regular files with the app's own names only.

Hand-ins, import uploads and gradebook exports are kept under random names in folders of their own.
Whatever cleans them goes through :func:`old_files` and :func:`remove`, which look at one folder only
(never below it), skip directories, symbolic links and anything else that is not a regular file, leave
alone every name the caller does not recognise as one of the app's, and never follow a link.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredFile:
    """A regular file found in a folder: its path, name, size in bytes and last change (epoch seconds)."""

    path: Path
    name: str
    size: int
    modified: float


def old_files(base: Path, ours: Callable[[str], bool], before: float) -> Iterator[StoredFile]:
    """The regular files directly in ``base`` whose name ``ours`` accepts and that were last written
    before ``before`` (epoch seconds); nothing when ``base`` does not exist."""
    try:
        entries = os.scandir(base)
    except (FileNotFoundError, NotADirectoryError):
        return
    with entries:
        for entry in entries:
            if not ours(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed by someone else meanwhile
            if stat.S_ISREG(info.st_mode) and info.st_mtime < before:
                yield StoredFile(Path(entry.path), entry.name, info.st_size, info.st_mtime)


def remove(found: StoredFile) -> bool:
    """Delete a file :func:`old_files` found; False when it is gone already or cannot be deleted.

    ``unlink`` removes a name, never what a link points to, so a file swapped for a link meanwhile
    loses only the link.
    """
    try:
        found.path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:  # became a directory meanwhile, or no permission
        log.warning("could not delete %s: %s", found.path, error)
        return False
    return True
