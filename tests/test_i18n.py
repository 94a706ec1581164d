"""Three languages: choosing one, formatting for it, and catalogues that leave nothing untranslated."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale
from sqlalchemy.orm import Session

from academy.i18n import format_day, format_money
from tests.conftest import Browser

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "academy" / "translations"


@pytest.mark.parametrize(
    ("accept", "lang", "phrase"),
    [
        ("uz", "uz", "Kirish"),
        ("ru-RU,ru;q=0.9", "ru", "Войти"),
        ("en-GB", "en", "Sign in"),
        ("de", "uz", "Kirish"),
    ],
)
def test_accept_language_picks_the_page_language(
    browser: Browser, accept: str, lang: str, phrase: str
) -> None:
    body = browser.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in body
    assert phrase in body


def test_switcher_cookie_beats_accept_language(browser: Browser) -> None:
    response = browser.post("/language", {"lang": "ru", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "HttpOnly" in response.headers["Set-Cookie"]
    body = browser.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in body


def test_switcher_ignores_unknown_languages_and_foreign_next(browser: Browser) -> None:
    response = browser.post("/language", {"lang": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "Set-Cookie" not in response.headers or "academy_lang" not in response.headers["Set-Cookie"]


def test_user_setting_beats_cookie_and_is_saved_by_the_switcher(browser: Browser, db: Session) -> None:
    user = browser.make.user(locale="ru")
    browser.client.set_cookie("academy_lang", "en")
    browser.login(user)
    assert '<html lang="ru">' in browser.get("/dashboard").get_data(as_text=True)
    browser.post("/language", {"lang": "uz", "next": "/dashboard"})
    db.expire_all()
    assert user.locale == "uz"
    assert '<html lang="uz">' in browser.get("/dashboard").get_data(as_text=True)


def test_money_is_formatted_for_the_locale(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("uz"):
            assert format_money(Decimal("4500000.75"), "UZS") == "4\xa0500\xa0001\xa0soʻm"
        with force_locale("en"):
            assert format_money(4500000, "UZS") == "UZS4,500,000"
            assert format_money(Decimal("1250.5"), "USD") == "$1,250.50"
        with force_locale("ru"):
            assert format_money(Decimal("1250.5"), "USD") == "1\xa0250,50\xa0$"
            assert format_money(4500000, "UZS").startswith("4\xa0500\xa0000")


def test_dates_are_formatted_for_the_locale(app: Flask) -> None:
    moment = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("en"):
            assert format_day(moment, "long") == "September 1, 2026"
        with force_locale("ru"):
            assert format_day(moment, "long").startswith("1 сентября 2026")
        with force_locale("uz"):
            assert "sentabr" in format_day(moment, "long")


def extracted_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=keywords,
        directory_filter=lambda d: not any(p in d for p in (".venv", "node_modules", ".git")),
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", ["uz", "ru", "en"])
def test_catalogue_translates_every_message_in_the_code(locale: str) -> None:
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po, locale=locale)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(extracted_messages() - translated)
    assert missing == [], f"{locale}: untranslated or missing (run `make extract`): {missing[:10]}"


GETTEXT_CALLS = frozenset({"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"})


def gettext_calls_in_fstrings(tree: ast.AST) -> list[int]:
    """Lines where a gettext call sits inside an f-string, where pybabel never looks."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in GETTEXT_CALLS
                ):
                    lines.append(inner.lineno)
    return lines


def test_no_message_hides_inside_an_f_string() -> None:
    """``f"({_('draft')})"`` is never extracted, so it shows in English on every page; say
    ``_("%(course)s (draft)", course=...)`` instead."""
    hidden = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "academy").rglob("*.py"))
        for line in gettext_calls_in_fstrings(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert hidden == []


def test_the_f_string_check_finds_a_hidden_message() -> None:
    assert gettext_calls_in_fstrings(ast.parse("label = f\"{code} ({_('draft')})\"")) == [1]
    assert gettext_calls_in_fstrings(ast.parse('label = _("%(code)s (draft)", code=code)')) == []


@pytest.mark.parametrize(("lang", "expected"), [("en", "67%"), ("ru", "67 %"), ("uz", "67%")])
def test_share_is_a_percentage_in_the_reader_locale(app: Flask, lang: str, expected: str) -> None:
    from academy.i18n import format_share

    with app.test_request_context(), force_locale(lang):
        assert format_share(2 / 3).replace("\xa0", " ") == expected
        assert format_share(None) == "—"
        # A certificate's grade keeps its two decimals (an edited PDF must not pass as "close enough").
        precise = format_share(0.8547, precise=True).replace("\xa0", " ")
        assert precise == expected.replace("67", "85,47" if lang in ("ru", "uz") else "85.47")
        assert format_share(0.85, precise=True).replace("\xa0", " ") == expected.replace("67", "85")


@pytest.mark.parametrize(
    ("accept", "required", "too_long"),
    [
        ("uz", "Bu maydonni toʻldirish shart.", "Koʻpi bilan 80 ta belgi kiriting."),
        ("ru", "Обязательное поле.", "Введите не более 80 символов."),
        ("en", "This field is required.", "Field cannot be longer than 80 characters."),
    ],
)
def test_wtforms_own_messages_come_in_the_page_language(
    browser: Browser, accept: str, required: str, too_long: str
) -> None:
    """WTForms has no Uzbek catalogue: its messages showed in English on Uzbek pages."""
    response = browser.post(
        "/register", {"first_name": "x" * 81, "email": ""}, headers={"Accept-Language": accept}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{accept}">' in body
    assert required in body and too_long in body
    if accept != "en":
        assert "This field is required." not in body
