"""Reading enrolment files as people save them."""

from __future__ import annotations

import pytest

from academy.imports.csvfile import EmptyFile, MissingColumns, NotACsvFile, RepeatedColumn, read_csv
from tests.imports.conftest import HEADER, csv_bytes

pytestmark = pytest.mark.usefixtures("app_ctx")
ROW = ("ali@example.uz", "Ali", "Valiyev", "UZ-SA", "COH-1")


def test_moodle_columns_with_commas() -> None:
    parsed = read_csv(csv_bytes([ROW, ROW]))
    assert parsed.delimiter == ","
    first = parsed.rows[0]
    assert (first.line, first.email, first.first_name, first.last_name, first.region, first.cohort) == (
        2,
        "ali@example.uz",
        "Ali",
        "Valiyev",
        "UZ-SA",
        "COH-1",
    )
    assert [row.line for row in parsed.rows] == [2, 3]


def test_excel_file_with_bom_semicolons_crlf_and_header_aliases() -> None:
    header = ("Last name", "E-mail", "First_Name", "Region", "Cohort code", "Phone")
    row = ("Valiyeva", " dilnoza@example.uz ", "Dilnoza", "Samarqand viloyati", "COH-1", "+998901234567")
    parsed = read_csv(csv_bytes([row], header=header, delimiter=";", bom=True, newline="\r\n"))
    assert parsed.delimiter == ";"
    only = parsed.rows[0]
    assert (only.email, only.first_name, only.last_name, only.region) == (
        "dilnoza@example.uz",
        "Dilnoza",
        "Valiyeva",
        "Samarqand viloyati",
    )
    assert parsed.ignored_columns == ["Phone"]
    assert not only.wrong_width


@pytest.mark.parametrize(
    "header",
    [
        ("email", "first_name", "last_name", "region", "cohort1"),
        ("Электронная почта", "Имя", "Фамилия", "Регион", "Группа"),
        ("EMAIL", "FirstName", "Surname", "viloyat", "guruh", "til"),
    ],
)
def test_header_spellings(header: tuple[str, ...]) -> None:
    row = (*ROW, "ru")[: len(header)]
    parsed = read_csv(csv_bytes([row], header=header))
    assert parsed.rows[0].cohort == "COH-1" and parsed.rows[0].email == "ali@example.uz"


def test_line_numbers_count_blank_lines_and_multiline_cells() -> None:
    text = (
        'email,firstname,lastname,region,cohort\n\na@example.uz,"Ali\nJon",V,UZ-SA,C1\n'
        "b@example.uz,B,V,UZ-SA,C1\n"
    )
    parsed = read_csv(text.encode())
    assert [row.line for row in parsed.rows] == [3, 5]
    assert parsed.rows[0].first_name == "Ali\nJon"


def test_row_width_is_recorded() -> None:
    parsed = read_csv(csv_bytes([(*ROW, "extra"), ROW[:3]]))
    assert [(row.cells, row.expected, row.wrong_width) for row in parsed.rows] == [(6, 5, True), (3, 5, True)]


def test_missing_columns_are_named() -> None:
    with pytest.raises(MissingColumns) as caught:
        read_csv(csv_bytes([ROW[:3]], header=("email", "firstname", "lastname")))
    assert caught.value.missing == ["region", "cohort"]
    assert "region, cohort" in str(caught.value.message)


def test_a_column_named_twice_is_refused() -> None:
    with pytest.raises(RepeatedColumn):
        read_csv(csv_bytes([(*ROW, "b@example.uz")], header=(*HEADER, "E-mail")))


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        "email;имя;фамилия;регион;cohort\nali@example.uz;Али;Валиев;UZ-SA;C1\n".encode("cp1251"),
    ],
    ids=["png", "xlsx", "cp1251"],
)
def test_anything_but_utf8_text_is_not_a_csv(data: bytes) -> None:
    with pytest.raises(NotACsvFile):
        read_csv(data)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"email,firstname,lastname,region,cohort\n\n"])
def test_a_file_without_rows_is_empty(data: bytes) -> None:
    with pytest.raises(EmptyFile):
        read_csv(data)


def test_an_unrelated_text_file_lacks_the_columns() -> None:
    with pytest.raises(MissingColumns):
        read_csv(b"Dear admin,\nplease enrol these people.\n")
