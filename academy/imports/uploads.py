"""Uploaded import files, kept under the instance folder (never where the web server serves files)
between the dry run and the import, under a random name, and deleted once imported or discarded.

``IMPORT_FOLDER`` overrides the place (default ``instance/imports``; a relative path is taken inside
the instance folder, as for every folder setting). Uploads nobody imported are removed after a day,
whenever a new file is uploaded (and by ``flask --app wsgi sweep-files``). The same private folders
and random names keep other files made for one user, such as gradebook exports
(:func:`private_folder`, :func:`new_file`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from academy import storage
from academy.errors import NotFound

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # the largest file the upload form takes (MAX_CONTENT_LENGTH caps requests)
STALE_AFTER = 24 * 3600  # seconds
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class UploadMissing(NotFound):
    message = _l("This uploaded file is no longer available. Upload it again.")


@dataclass(frozen=True)
class Upload:
    token: str
    file_name: str
    data: bytes
    meta: dict[str, Any] = field(default_factory=dict)  # what the uploader attached (owner, purpose ...)


def private_folder(setting: str, name: str) -> Path:
    """The folder a setting names, else ``instance/<name>``: never one the web server serves.

    A relative setting is taken inside the instance folder, never the current directory, so that the
    web app and a job worker started elsewhere find the same files.
    """
    return Path(current_app.instance_path) / (current_app.config.get(setting) or name)


def folder() -> Path:
    return private_folder("IMPORT_FOLDER", "imports")


def valid_token(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token))


def new_file(base: Path, suffix: str) -> tuple[str, Path]:
    """A new random token and the path named by it in ``base`` (created, readable by us only)."""
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    return token, base / f"{token}{suffix}"


def clean_file_name(name: str | None) -> str:
    """The name the user's file had, without any folder, for showing and for the history note."""
    base = re.split(r"[\\/]", name or "")[-1]
    return _UNSAFE.sub("", base).strip()[:120] or "upload.csv"


def _paths(token: str) -> tuple[Path, Path]:
    if not valid_token(token):
        raise UploadMissing()
    base = folder()
    return base / f"{token}.csv", base / f"{token}.json"


def save(data: bytes, file_name: str, meta: Mapping[str, Any] | None = None) -> str:
    """Keep an uploaded file, and ``meta`` (JSON-ready) with it; returns the random token that names it."""
    purge_stale()
    token, _ = new_file(folder(), ".csv")
    data_path, meta_path = _paths(token)
    for path, content in (
        (data_path, data),
        (meta_path, json.dumps({**(meta or {}), "file_name": clean_file_name(file_name)}).encode()),
    ):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
    return token


def load(token: str) -> Upload:
    data_path, meta_path = _paths(token)
    try:
        data = data_path.read_bytes()
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UploadMissing() from None
    if not isinstance(meta, dict):
        raise UploadMissing()
    file_name = clean_file_name(meta.pop("file_name", None))
    return Upload(token=token, file_name=file_name, data=data, meta=meta)


def delete(token: str) -> None:
    try:
        paths = _paths(token)
    except UploadMissing:
        return
    for path in paths:
        path.unlink(missing_ok=True)


def is_token_file(name: str, suffixes: tuple[str, ...]) -> bool:
    """Whether ``name`` is one of ours: a random token (:func:`new_file`) and one of ``suffixes``."""
    stem, dot, extension = name.rpartition(".")
    return bool(dot) and f".{extension}" in suffixes and valid_token(stem)


def purge_stale(
    max_age: float = STALE_AFTER, base: Path | None = None, suffixes: tuple[str, ...] = (".csv", ".json")
) -> int:
    """Delete files (uploads, unless ``base`` says otherwise) older than ``max_age`` seconds;
    returns how many went. Only regular files named by a token with one of ``suffixes`` are looked at."""
    base = base or folder()
    old = storage.old_files(base, lambda name: is_token_file(name, suffixes), time.time() - max_age)
    removed = sum(1 for found in old if storage.remove(found))
    if removed:
        log.info("removed %d stale files from %s", removed, base)
    return removed
