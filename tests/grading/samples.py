"""Small files of every type a student may hand in, and of some they may not, built in memory."""

from __future__ import annotations

import io
import zipfile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20) + b"\xff\xd9"
TEXT = "Topshiriq: mijoz bilan suhbat. Oʻzbekiston, Тошкент\n".encode()
CSV = b"name,score\nAli,90\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + bytes(50)
    + b"This program cannot be run in DOS mode"
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
LATIN1 = "café crème".encode("latin-1")


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compression)
    return buffer.getvalue()


def office(part: str) -> bytes:
    """A minimal Office Open XML package whose main part is under ``part`` (word, xl, ppt)."""
    return zipped(
        {"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", f"{part}/main.xml": b"<x/>"}
    )


def open_document(mime: str) -> bytes:
    return zipped({"mimetype": mime.encode(), "content.xml": b"<office:document-content/>"})


DOCX = office("word")
XLSX = office("xl")
PPTX = office("ppt")
ODT = open_document("application/vnd.oasis.opendocument.text")
ODS = open_document("application/vnd.oasis.opendocument.spreadsheet")
PLAIN_ZIP = zipped({"notes.txt": b"hello"})
JAR = zipped({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n"})

# (name, content, the MIME type it is served as) for every type a student may hand in.
ACCEPTED = [
    ("report.pdf", PDF, "application/pdf"),
    ("chart.png", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.JPEG", JPEG, "image/jpeg"),
    ("essay.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("budget.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("slides.pptx", PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("essay.odt", ODT, "application/vnd.oasis.opendocument.text"),
    ("budget.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
    ("answer.txt", TEXT, "text/plain"),
    ("scores.csv", CSV, "text/csv"),
]
