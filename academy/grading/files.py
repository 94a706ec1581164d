"""Files students hand in: checked by their content, kept outside ``static/`` under generated names.

A file is written to a temporary name in the hand-in folder while it is read (never more than
``SUBMISSION_MAX_BYTES``), its type is found from its first bytes (and, for the office formats, from
the entries of the ZIP they are), and its name's extension must agree with that type: a program or a
web page renamed ``.pdf`` is refused, and so is a PDF renamed ``.docx``. Only then is it moved to its
generated name (``Submission.file_key``), just before the hand-in is committed; a refused file, or
one whose transaction fails, is deleted, and so is the file a resubmission replaced, once the new
one is committed. What a crash or a race leaves behind, ``flask --app wsgi sweep-files`` deletes
(:mod:`academy.grading.file_sweep`).

``SUBMISSION_FOLDER`` overrides the folder (default ``instance/submissions``; a relative path is taken
inside the instance folder). The name the file had on the student's computer is kept, cleaned, for
showing and for the download only.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from academy.errors import DomainError

log = logging.getLogger(__name__)

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MIB
CHUNK = 64 * 1024
STALE_AFTER = 24 * 3600  # seconds: an incoming file older than this was left by a crash
_INCOMING = ".incoming-"
_KEY = re.compile(r"^[0-9a-f]{32}$")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]')
MAX_NAME = 200


@dataclass(frozen=True)
class FileKind:
    """A type of file students may hand in: the extensions it may carry and what it is served as."""

    name: str
    extensions: tuple[str, ...]
    mime: str


OOXML = "application/vnd.openxmlformats-officedocument."
KINDS = {
    kind.name: kind
    for kind in (
        FileKind("pdf", ("pdf",), "application/pdf"),
        FileKind("png", ("png",), "image/png"),
        FileKind("jpeg", ("jpg", "jpeg"), "image/jpeg"),
        FileKind("docx", ("docx",), OOXML + "wordprocessingml.document"),
        FileKind("xlsx", ("xlsx",), OOXML + "spreadsheetml.sheet"),
        FileKind("pptx", ("pptx",), OOXML + "presentationml.presentation"),
        FileKind("odt", ("odt",), "application/vnd.oasis.opendocument.text"),
        FileKind("ods", ("ods",), "application/vnd.oasis.opendocument.spreadsheet"),
        FileKind("text", ("txt", "csv"), "text/plain"),
    )
}
ALLOWED_EXTENSIONS = frozenset(ext for kind in KINDS.values() for ext in kind.extensions)
# What a text file is served as, by its extension (UTF-8, which the response adds to text types).
TEXT_TYPES = {"txt": "text/plain", "csv": "text/csv"}
_OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OPEN_DOCUMENT = {KINDS["odt"].mime: "odt", KINDS["ods"].mime: "ods"}


class FileRefused(DomainError):
    field = "file"


class FileTooLarge(FileRefused):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            _l(
                "The file is larger than %(size)s MB, the most you can hand in. "
                "Make it smaller (for example, save it as PDF) and try again.",
                size=f"{max_bytes / MIB:g}",
            )
        )


class FileEmpty(FileRefused):
    message = _l("The file is empty.")


class FileTypeRefused(FileRefused):
    message = _l(
        "This type of file cannot be handed in. Hand in a PDF, Word, Excel or PowerPoint file, "
        "an OpenDocument text or spreadsheet, a PNG or JPEG image, or plain text (.txt, .csv)."
    )


class FileNameMismatch(FileRefused):
    """The content is of an allowed type, but the name claims another one."""

    def __init__(self, extension: str) -> None:
        super().__init__(
            _l(
                "The content of this file is not what its name (.%(extension)s) says. "
                "Save it again in that format, or give it the right name.",
                extension=extension,
            )
        )


def folder() -> Path:
    """Where hand-ins are kept; a relative ``SUBMISSION_FOLDER`` is taken inside the instance folder."""
    configured = current_app.config.get("SUBMISSION_FOLDER") or "submissions"
    return Path(current_app.instance_path) / configured


def max_bytes() -> int:
    return int(current_app.config.get("SUBMISSION_MAX_BYTES") or DEFAULT_MAX_BYTES)


def clean_file_name(name: str | None) -> str:
    """The name a file had on the student's computer, without folders or characters that break
    headers and file systems, at most ``MAX_NAME`` characters with its extension kept."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = " ".join(_UNSAFE.sub("", base).split()).strip(". ")
    if len(base) > MAX_NAME:
        stem, dot, extension = base.rpartition(".")
        if dot and len(extension) <= 10:
            return stem[: MAX_NAME - len(extension) - 1] + "." + extension
        return base[:MAX_NAME]
    return base


def extension_of(file_name: str) -> str:
    stem, dot, extension = file_name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _zip_kind(path: Path) -> str | None:
    """docx/xlsx/pptx, or odt/ods, from the entries of a ZIP; None for any other ZIP.

    Only the central directory is read (and the few bytes of an OpenDocument's ``mimetype``), so a
    ZIP bomb is never expanded.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return _OPEN_DOCUMENT.get(declared)
            if "[Content_Types].xml" not in names:
                return None
            found = {
                kind for prefix, kind in _OOXML_PARTS.items() if any(n.startswith(prefix) for n in names)
            }
            return found.pop() if len(found) == 1 else None
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None


def _is_text(path: Path) -> bool:
    data = path.read_bytes()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(path: Path) -> str | None:
    """The kind of the file at ``path`` (a key of :data:`KINDS`) found from its content, or None."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return "text" if _is_text(path) else None


def mime_of(kind: str, extension: str) -> str:
    return TEXT_TYPES[extension] if kind == "text" else KINDS[kind].mime


class StagedFile:
    """A checked upload waiting for its hand-in to be committed.

    It sits at a temporary name until :meth:`place` moves it to its key; :meth:`discard` removes it
    from wherever it is, unless :meth:`keep` has said the hand-in was committed.
    """

    def __init__(self, base: Path, file_name: str) -> None:
        self.folder = base
        self.key = secrets.token_hex(16)
        self.file_name = file_name
        self.mime = ""
        self.size = 0
        self._placed = False
        self._kept = False

    @property
    def incoming(self) -> Path:
        return self.folder / f"{_INCOMING}{self.key}"

    @property
    def path(self) -> Path:
        return self.folder / self.key

    def place(self) -> None:
        os.replace(self.incoming, self.path)
        self._placed = True

    def keep(self) -> None:
        self._kept = True

    def discard(self) -> None:
        if self._kept:
            return
        self.incoming.unlink(missing_ok=True)
        if self._placed:
            self.path.unlink(missing_ok=True)
            self._placed = False


def _copy(stream: IO[bytes], target: Path, limit: int) -> int:
    """Write ``stream`` to ``target`` (a new file); refuse it beyond ``limit`` bytes."""
    size = 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise FileTooLarge(limit)
            handle.write(chunk)
    return size


def receive(stream: IO[bytes], original_name: str | None, base: Path, limit: int) -> StagedFile:
    """Read an upload into ``base`` and check it; raises a :class:`FileRefused` and leaves nothing
    behind when it is too large, empty, of a type not accepted or named as another type."""
    file_name = clean_file_name(original_name)
    extension = extension_of(file_name)
    if extension not in ALLOWED_EXTENSIONS:
        raise FileTypeRefused()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    purge_incoming(base)
    staged = StagedFile(base, file_name)
    try:
        staged.size = _copy(stream, staged.incoming, limit)
        if staged.size == 0:
            raise FileEmpty()
        kind = sniff(staged.incoming)
        if kind is None:
            raise FileTypeRefused()
        if extension not in KINDS[kind].extensions:
            raise FileNameMismatch(extension)
        staged.mime = mime_of(kind, extension)
    except BaseException:
        staged.discard()
        raise
    return staged


@contextmanager
def received(stream: IO[bytes], original_name: str | None) -> Iterator[StagedFile]:
    """:func:`receive` into the configured folder; the file is deleted on leaving the block unless
    :func:`commit` has committed its hand-in."""
    staged = receive(stream, original_name, folder(), max_bytes())
    try:
        yield staged
    finally:
        staged.discard()


def commit(session: Session, staged: StagedFile | None, replaced_key: str | None) -> None:
    """Commit a hand-in: the new file goes to its name first, and is deleted again if the commit
    fails; the file it replaced is deleted once the commit has succeeded."""
    if staged is not None:
        staged.place()
    try:
        session.commit()
    except BaseException:
        session.rollback()
        if staged is not None:
            staged.discard()
        raise
    if staged is not None:
        staged.keep()
    if replaced_key and (staged is None or replaced_key != staged.key):
        delete(replaced_key)


def is_key(name: str) -> bool:
    """Whether ``name`` is a generated hand-in name (:attr:`StagedFile.key`)."""
    return bool(_KEY.fullmatch(name))


def is_incoming(name: str) -> bool:
    """Whether ``name`` is the temporary name of a hand-in still being received (or left by a crash)."""
    return name.startswith(_INCOMING) and is_key(name.removeprefix(_INCOMING))


def path_of(key: str) -> Path | None:
    """Where the file ``key`` is kept; None for a key that is not one of ours."""
    return folder() / key if is_key(key) else None


def delete(key: str) -> None:
    path = path_of(key)
    if path is not None:
        path.unlink(missing_ok=True)
        log.info("deleted hand-in file %s", key)


def purge_incoming(base: Path, max_age: float = STALE_AFTER) -> int:
    """Delete incoming files older than ``max_age`` seconds (left by a crash); returns how many."""
    limit = time.time() - max_age
    removed = 0
    for path in base.glob(f"{_INCOMING}*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    if removed:
        log.info("removed %d stale incoming hand-in files", removed)
    return removed
