"""The certificate as a PDF: A4 landscape, in the holder's language, with a QR code to its public check.

Everything it states comes from ``verification.verify`` (the certificate's own snapshot), read in the
holder's language, so the PDF and the page at ``/verify/<code>`` say the same thing. The QR code is
drawn as vector squares, the fonts are the bundled Noto Sans subsets (Uzbek Latin oʻ gʻ ʼ and Cyrillic,
Uzbek Cyrillic included), and the output is byte for byte the same for the same certificate.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import segno
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from academy.certificates.models import Certificate
from academy.certificates.services import CertificateState
from academy.certificates.sharing import share_url
from academy.certificates.verification import Verification, verify
from academy.i18n import format_day, format_share

FONTS = Path(__file__).with_name("fonts")
REGULAR = "NotoSans"
BOLD = "NotoSans-Bold"
# Bump when the layout or wording changes, so browsers holding an older copy fetch the new one.
LAYOUT_VERSION = 1

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 60.0
QR_SIZE = 102.0  # points: 36 mm, readable by any phone from an arm's length
INK = HexColor("#1b2430")
MUTED = HexColor("#4f5b6b")
BRAND = HexColor("#0b6e4f")
LINE = HexColor("#d5dbe3")
WHITE = HexColor("#ffffff")
STAMP = Color(0.706, 0.137, 0.094, alpha=0.35)

_registered = False
_registering = threading.Lock()


def register_fonts() -> None:
    """Make the bundled fonts known to ReportLab, once per process."""
    global _registered
    if _registered:
        return
    with _registering:
        if not _registered:
            pdfmetrics.registerFont(TTFont(REGULAR, FONTS / "NotoSans_400Regular.ttf"))
            pdfmetrics.registerFont(TTFont(BOLD, FONTS / "NotoSans_700Bold.ttf"))
            pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
            _registered = True


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of ``url`` as rows of dark (True) and light modules, without the quiet zone."""
    code = segno.make_qr(url, error="m")
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def draw_qr(canvas: Canvas, matrix: Sequence[Sequence[bool]], x: float, y: float, size: float) -> None:
    """Draw ``matrix`` as a ``size`` square with its lower left corner at (x, y), one filled rectangle
    per horizontal run of dark modules."""
    module = size / len(matrix)
    path = canvas.beginPath()
    for row_number, row in enumerate(matrix):
        top = y + size - (row_number + 1) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            path.rect(x + start * module, top, (column - start) * module, module)
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


def _fitting_size(text: str, font: str, largest: float, width: float) -> float:
    """The largest size up to ``largest`` at which ``text`` fits in ``width``."""
    natural = _width(text, font, 1.0)
    return largest if natural == 0 else min(largest, width / natural)


def _split_in_two(text: str) -> list[str]:
    """``text`` cut at the space nearest its middle (unchanged when it has no space)."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return [text]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return [text[:cut], text[cut + 1 :]]


def _fit_lines(text: str, font: str, largest: float, width: float) -> tuple[list[str], float]:
    """One line, or two when that lets the text stay larger; the size never lets a line overflow."""
    one = _fitting_size(text, font, largest, width)
    if one >= largest * 0.8:
        return [text], one
    lines = _split_in_two(text)
    two = min(_fitting_size(line, font, largest * 0.8, width) for line in lines)
    return (lines, two) if two > one else ([text], one)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def _facts(v: Verification) -> list[Fact]:
    c = v.certificate
    facts = [Fact(_("Final grade"), format_share(c.final_grade / 100, precise=True))]
    if c.attendance_rate is not None:
        facts.append(Fact(_("Attendance"), format_share(c.attendance_rate / 100)))
    facts.append(Fact(_("Place of training"), v.region_name or _("Online")))
    facts.append(
        Fact(_("Period of training"), f"{format_day(c.starts_on, 'long')} – {format_day(c.ends_on, 'long')}")
    )
    facts.append(Fact(_("Issued"), format_day(c.issued_at, "long")))
    if c.expires_on is not None:
        facts.append(Fact(_("Expires"), format_day(c.expires_on, "long")))
    facts.append(Fact(_("Serial"), c.serial))
    return facts


def _centred(canvas: Canvas, text: str, font: str, size: float, y: float, color: Color = INK) -> None:
    canvas.setFont(font, size)
    canvas.setFillColor(color)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, text)


def _centred_lines(canvas: Canvas, text: str, largest: float, width: float, y: float, color: Color) -> None:
    """``text`` in bold on one line at ``y``, or on two around it, never wider than ``width``."""
    lines, size = _fit_lines(text, BOLD, largest, width)
    baseline = y if len(lines) == 1 else y + size * 0.6
    for line in lines:
        _centred(canvas, line, BOLD, size, baseline, color)
        baseline -= size * 1.2


def _draw_heading(canvas: Canvas, v: Verification, issuer_name: str) -> None:
    """Issuer, title, holder, course and hours: the top half, centred."""
    width = PAGE_WIDTH - 2 * MARGIN - 80
    _centred(canvas, issuer_name, BOLD, _fitting_size(issuer_name, BOLD, 14, width), 520, BRAND)
    title = _("Certificate").upper()
    _centred(canvas, title, BOLD, _fitting_size(title, BOLD, 34, width), 474)
    _centred(canvas, _("This is to certify that"), REGULAR, 12, 444, MUTED)

    _centred_lines(canvas, v.certificate.holder_name, 28, width, 408, BRAND)
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.8)
    canvas.line(PAGE_WIDTH / 2 - 120, 386, PAGE_WIDTH / 2 + 120, 386)

    _centred(canvas, _("has successfully completed the course"), REGULAR, 12, 366, MUTED)
    _centred_lines(canvas, v.course_title, 18, width, 342, INK)
    hours = v.certificate.hours
    _centred(
        canvas, ngettext("%(num)d hour of training", "%(num)d hours of training", hours), REGULAR, 11, 306
    )


def _draw_facts(canvas: Canvas, facts: list[Fact], x: float, top: float, width: float) -> None:
    y = top
    for fact in facts:
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 8.5)
        canvas.drawString(x, y, fact.label)
        size = _fitting_size(fact.value, BOLD, 11, width)
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, size)
        canvas.drawString(x, y - 13, fact.value)
        y -= 28


def _skill_layout(items: list[str], width: float, height: float) -> tuple[int, float]:
    """How many columns and which one size show every item largest within the box."""
    best = (1, 0.0)
    for columns in (1, 2, 3):
        rows = math.ceil(len(items) / columns)
        column_width = (width - 12 * (columns - 1)) / columns
        by_height = height / (rows * 1.45)
        by_width = min(_fitting_size(item, REGULAR, 10, column_width - 9) for item in items)
        size = min(10.0, by_height, by_width)
        if size > best[1] + 0.25:
            best = (columns, size)
    return best


def _draw_skills(
    canvas: Canvas, skills: list[str], x: float, top: float, width: float, height: float
) -> None:
    canvas.setFillColor(BRAND)
    canvas.setFont(BOLD, 10)
    canvas.drawString(x, top, _("Skills and levels"))
    if not skills:
        canvas.setFillColor(INK)
        canvas.setFont(REGULAR, 10)
        canvas.drawString(x, top - 18, "—")
        return
    columns, size = _skill_layout(skills, width, height)
    rows = math.ceil(len(skills) / columns)
    column_width = (width - 12 * (columns - 1)) / columns
    leading = size * 1.45
    for n, item in enumerate(skills):
        column, row = divmod(n, rows)
        left = x + column * (column_width + 12)
        baseline = top - 18 - row * leading
        canvas.setFillColor(BRAND)
        canvas.circle(left + 2.5, baseline + size * 0.33, min(2.0, size * 0.2), stroke=0, fill=1)
        canvas.setFillColor(INK)
        canvas.setFont(REGULAR, size)
        canvas.drawString(left + 9, baseline, item)


def _url_lines(url: str, font: str, size: float, width: float) -> list[str]:
    """``url`` cut into lines that fit ``width`` (after a slash where it can, else anywhere)."""
    lines: list[str] = []
    rest = url
    while rest:
        end = len(rest)
        while end > 1 and _width(rest[:end], font, size) > width:
            end -= 1
        if end < len(rest):
            slash = rest.rfind("/", 0, end)
            if slash > end // 2:
                end = slash + 1
        lines.append(rest[:end])
        rest = rest[end:]
    return lines


def _draw_verification(canvas: Canvas, verify_url: str, x: float, top: float, width: float) -> None:
    """The QR code, the address under it, and the sentence at the foot of the page; both link to it."""
    left = x + (width - QR_SIZE) / 2
    draw_qr(canvas, qr_matrix(verify_url), left, top - QR_SIZE, QR_SIZE)
    canvas.linkURL(verify_url, (left, top - QR_SIZE, left + QR_SIZE, top), relative=0, thickness=0)
    centre = x + width / 2
    baseline = top - QR_SIZE - 14
    canvas.setFillColor(MUTED)
    canvas.setFont(BOLD, 8)
    canvas.drawCentredString(centre, baseline, _("Scan to verify"))
    canvas.setFont(REGULAR, 6.5)
    for line in _url_lines(verify_url, REGULAR, 6.5, width):
        baseline -= 8.5
        canvas.drawCentredString(centre, baseline, line)

    sentence = _("Verify this certificate at %(url)s", url=verify_url)
    size = _fitting_size(sentence, REGULAR, 8.5, PAGE_WIDTH - 2 * MARGIN)
    _centred(canvas, sentence, REGULAR, size, 40, MUTED)
    start = sentence.find(verify_url)
    if start >= 0:  # the address in the sentence links to the page too
        sentence_left = (PAGE_WIDTH - _width(sentence, REGULAR, size)) / 2
        url_left = sentence_left + _width(sentence[:start], REGULAR, size)
        url_right = url_left + _width(verify_url, REGULAR, size)
        canvas.linkURL(verify_url, (url_left, 37, url_right, 40 + size), relative=0, thickness=0)


def _draw_frame(canvas: Canvas) -> None:
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(2.2)
    canvas.rect(18, 18, PAGE_WIDTH - 36, PAGE_HEIGHT - 36, stroke=1, fill=0)
    canvas.setLineWidth(0.6)
    canvas.rect(25, 25, PAGE_WIDTH - 50, PAGE_HEIGHT - 50, stroke=1, fill=0)


def _draw_revoked_stamp(canvas: Canvas) -> None:
    """Across the page of a revoked certificate (only administrators can still download it)."""
    text = _("Revoked").upper()
    canvas.saveState()
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(24)
    canvas.setFillColor(STAMP)
    canvas.setFont(BOLD, _fitting_size(text, BOLD, 110, PAGE_WIDTH * 0.8))
    canvas.drawCentredString(0, -30, text)
    canvas.restoreState()


def render_pdf(v: Verification, verify_url: str, issuer_name: str) -> bytes:
    """The certificate of ``v`` as PDF bytes, in the current locale (see ``certificate_pdf``)."""
    register_fonts()
    c = v.certificate
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        pageCompression=1,
        invariant=1,  # no creation date or random document id: the same certificate, the same bytes
        initialFontName=REGULAR,  # else Helvetica, unembedded, is named on the page
        lang=c.language,
    )
    title = _("Certificate %(serial)s", serial=c.serial)
    canvas.setTitle(title)
    canvas.setAuthor(issuer_name)
    canvas.setSubject(v.course_title)
    canvas.setCreator(issuer_name)

    _draw_frame(canvas)
    _draw_heading(canvas, v, issuer_name)
    top = 272
    _draw_facts(canvas, _facts(v), MARGIN, top, 240)
    skills = [_("%(skill)s, level %(level)s", skill=s.name, level=s.level) for s in v.skills]
    _draw_skills(canvas, skills, MARGIN + 262, top, 300, top - 100)
    _draw_verification(canvas, verify_url, PAGE_WIDTH - MARGIN - 150, top + 6, 150)
    if v.state == CertificateState.REVOKED:
        _draw_revoked_stamp(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def certificate_pdf(session: Session, certificate: Certificate, today: date) -> bytes:
    """The PDF of ``certificate`` in its holder's language, stating what ``/verify/<code>`` states."""
    with force_locale(certificate.language):
        found = verify(session, certificate.verification_code, certificate.language, today)
        assert found is not None  # the certificate exists: its own code finds it
        return render_pdf(found, share_url(certificate.verification_code), _("BPO/KPO Academy"))


def etag(certificate: Certificate) -> str:
    """Changes whenever the certificate (any edit bumps its version) or the layout changes."""
    return f"cert-{certificate.id}-{certificate.version}-{LAYOUT_VERSION}"
