"""The academy application: ``create_app()`` builds it from settings, extensions and blueprints."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from academy import access
from academy.config import ROOT, config_class, from_environment
from academy.db import Database, get_session
from academy.form_messages import use_academy_messages
from academy.web import enforce_body_limit, refuse_nul_bytes

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides settings; ``{"ENV_NAME": "testing"}`` picks the mode."""
    overrides = dict(config or {})
    settings = config_class(overrides.get("ENV_NAME"))
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(settings)
    if settings.ENV_NAME != "testing":
        app.config.update(from_environment())
    app.config.update(overrides)
    settings.validate(app.config)

    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from academy.auth import passwords
    from academy.errors import register_error_handlers
    from academy.extensions import babel, csrf, limiter, login_manager
    from academy.i18n import register_i18n, select_locale
    from academy.labels import register_labels

    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]), x_proto=1)  # type: ignore[method-assign]
    Database.init_app(app)
    passwords.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    register_i18n(app)
    register_labels(app)
    register_error_handlers(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        from academy.auth.models import User

        ident, _, token = user_id.partition(":")
        if not ident.isdigit() or not token:
            return None
        user = get_session().get(User, int(ident))
        if user is None or not user.active or user.session_token != token:
            return None
        return user


def register_blueprints(app: Flask) -> None:
    from academy.admin.views import bp as admin_bp
    from academy.auth.views import bp as auth_bp
    from academy.catalogue.views import bp as catalogue_bp
    from academy.certificates.credential_views import bp as credentials_bp
    from academy.certificates.verify_views import bp as verify_bp
    from academy.certificates.views import bp as certificates_bp
    from academy.cohort_admin.views import bp as cohort_admin_bp
    from academy.courses.authoring import bp as authoring_bp
    from academy.courses.content_views import bp as content_bp
    from academy.courses.learning import bp as learning_bp
    from academy.employers.views import bp as employers_bp
    from academy.feeds.views import bp as feeds_bp
    from academy.grading.authoring_views import bp as assessments_bp
    from academy.grading.gradebook_views import bp as gradebook_bp
    from academy.grading.marking_views import bp as marking_bp
    from academy.grading.quiz_views import bp as quizzes_bp
    from academy.grading.student_views import bp as work_bp
    from academy.grading.transfer_views import bp as transfer_bp
    from academy.imports.views import bp as imports_bp
    from academy.jobs.views import bp as jobs_bp
    from academy.main.views import bp as main_bp
    from academy.notifications.views import bp as notifications_bp
    from academy.skills.views import bp as skills_bp
    from academy.teaching.views import bp as teach_bp

    for blueprint in (
        catalogue_bp,  # /, /courses/<code>, /cohorts/<code>
        main_bp,
        auth_bp,
        employers_bp,
        admin_bp,
        imports_bp,
        jobs_bp,
        notifications_bp,
        skills_bp,  # /admin/skills
        authoring_bp,  # /admin/courses
        content_bp,  # /admin/courses/<id>/modules, lessons
        assessments_bp,  # /admin/courses/<id>/assessments, policy
        learning_bp,  # /learn
        cohort_admin_bp,  # /admin/cohorts
        teach_bp,  # /teach
        gradebook_bp,  # /teach/cohorts/<code>/gradebook
        feeds_bp,  # iCalendar feeds
        marking_bp,  # /teach/cohorts/<code>/gradebook/<assessment>/<enrolment>
        quizzes_bp,  # /my/cohorts/<code>/quizzes
        work_bp,  # /my/cohorts/<code>: students' hand-ins and results; /submissions/<id>/file
        transfer_bp,  # /teach/cohorts/<code>/gradebook/export.csv, import ...
        verify_bp,  # /verify, /verify/<code>: public certificate verification
        credentials_bp,  # /.well-known/did.json, /credentials/status/<n>: for wallets and verifiers
        certificates_bp,  # /teach/cohorts/<code>/certificates, /admin/certificates, /my/certificates
    ):
        app.register_blueprint(blueprint)
    # Flask's own static endpoint is public like the rest of the site's assets.
    app.view_functions["static"] = access.public(app.view_functions["static"])


def register_request_hooks(app: Flask) -> None:
    app.url_value_preprocessor(enforce_body_limit)  # before any before_request hook reads the body
    app.before_request(access.enforce_declared)
    app.before_request(refuse_nul_bytes)
    app.before_request(use_academy_messages)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if app.config["SESSION_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            user = g.get("_login_user")  # set by Flask-Login once the page has looked at the user
            private = user is not None and user.is_authenticated
            headers.setdefault("Cache-Control", "no-store" if private else "no-cache")
            headers.add("Vary", "Cookie")
            headers.add("Vary", "Accept-Language")
        return response

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register_cli(app: Flask) -> None:
    from academy.auth.cli import register as register_auth_cli
    from academy.certificates.cli import register as register_certificates_cli
    from academy.demo.cli import register as register_demo_cli
    from academy.grading.cli import register as register_grading_cli
    from academy.imports.cli import register as register_imports_cli
    from academy.jobs.cli import register as register_jobs_cli
    from academy.notifications.cli import register as register_notifications_cli

    register_auth_cli(app)
    register_certificates_cli(app)
    register_demo_cli(app)
    register_grading_cli(app)
    register_imports_cli(app)
    register_jobs_cli(app)
    register_notifications_cli(app)
