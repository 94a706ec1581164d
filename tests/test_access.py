"""Every endpoint declares who may call it, and the declaration is what actually happens."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from academy import create_app
from academy.access import rule_of
from academy.auth.models import Role
from tests.conftest import Browser

ARGUMENTS = {
    "user_id": 999999,
    "company_id": 999999,
    "decision": "approve",
    "token": "x",
    "filename": "css/app.css",
    "notification_id": 999999,
    "job_id": 999999,
    "skill_id": 999999,
    "course_id": 999999,
    "module_id": 999999,
    "lesson_id": 999999,
    "action": "publish",
    "direction": "up",
    "course_code": "NO-SUCH-COURSE",
    "mark": "done",
    "code": "NO-SUCH-COHORT",
    "enrolment_id": 999999,
    "session_id": 999999,
    "assessment_id": 999999,
    "submission_id": 999999,
    "attempt_id": 999999,
    "criterion_id": 999999,
    "question_id": 999999,
    "certificate_id": 999999,
    "number": 999999,
}


def endpoints(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, url, method) for every rule, with placeholder arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda m: str(ARGUMENTS[m.group(1)]), rule.rule)
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        found.append((rule.endpoint, path, method))
    return sorted(found)


def test_every_endpoint_declares_access(app: Flask) -> None:
    undeclared = [endpoint for endpoint, view in app.view_functions.items() if rule_of(view) is None]
    assert undeclared == []


def test_undeclared_endpoint_is_refused(app: Flask) -> None:
    probe = create_app({"ENV_NAME": "testing", "DATABASE_URL": app.config["DATABASE_URL"]})
    probe.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    assert probe.test_client().get("/undeclared").status_code == 403


def test_admin_pages_are_for_admins_only(app: Flask) -> None:
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("admin."):
            rule = rule_of(view)
            assert rule is not None and rule.kind == "roles" and rule.allowed == {Role.ADMIN}, endpoint


def test_public_pages(app: Flask) -> None:
    public = sorted(e for e, v in app.view_functions.items() if (r := rule_of(v)) and r.kind == "public")
    assert public == [
        "auth.forgot_password",
        "auth.login",
        "auth.register",
        "auth.reset_password",
        "catalogue.cohort",
        "catalogue.course",
        "catalogue.index",
        "credentials.did_document",
        "credentials.status_list",
        "employers.register",
        "feeds.cohort_calendar",
        "feeds.personal_calendar",
        "main.healthz",
        "main.set_language",
        "static",
        "verify.certificate",
        "verify.check_credential",
        "verify.ob3_json",
        "verify.ob3_jwt",
        "verify.search",
    ]


@pytest.mark.parametrize("who", [None, *Role])
def test_access_matrix(app: Flask, browser: Browser, who: Role | None) -> None:
    """Each protected endpoint against anonymous and each role: refused exactly when not allowed."""
    if who is not None:
        browser.login(who)
    for endpoint, url, method in endpoints(app):
        rule = rule_of(app.view_functions[endpoint])
        assert rule is not None
        if rule.kind == "public" or (endpoint == "auth.logout" and who is not None):
            continue  # signing out is checked on its own: it would end this walk's session
        response = browser.get(url) if method == "GET" else browser.post(url)
        to_login = response.status_code == 302 and "/login" in response.headers["Location"]
        if who is None:
            assert to_login, (endpoint, response.status_code)
        elif rule.kind == "signed_in" or who in rule.allowed:
            assert response.status_code not in (403, 500) and not to_login, (
                endpoint,
                who,
                response.status_code,
            )
        else:
            assert response.status_code == 403, (endpoint, who, response.status_code)
