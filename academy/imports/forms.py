"""Forms of the import pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize

from academy.imports.uploads import MAX_BYTES


class EnrolmentFileForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file to upload.")),
            FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
            FileSize(MAX_BYTES, message=_l("The file is larger than 5 MB. Split it into smaller files.")),
        ],
    )


class ConfirmImportForm(FlaskForm):
    """The "Import" button of a clean dry run (only the CSRF token)."""
