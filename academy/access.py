"""Who may call an endpoint: every view declares it with one decorator from here.

``@access.public``, ``@access.signed_in`` or ``@access.roles(Role.ADMIN, ...)``. The app refuses to
serve an endpoint that declares nothing (deny by default), and a test walks the URL map so that
such an endpoint never ships.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from academy.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """What an endpoint requires: nothing, a signed-in user, or one of some roles."""

    kind: str  # "public", "signed_in" or "roles"
    allowed: frozenset[Role] = frozenset()

    def permits(self, user: Any) -> bool:
        if self.kind == "public":
            return True
        if not user.is_authenticated:
            return False
        return self.kind == "signed_in" or user.role in self.allowed


def _declare(rule: Rule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not rule.permits(current_user):
                if not current_user.is_authenticated:
                    return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
                abort(403)
            return view(*args, **kwargs)

        guarded.access_rule = rule  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


public = _declare(Rule("public"))
signed_in = _declare(Rule("signed_in"))


def roles(*allowed: Role) -> Callable[[F], F]:
    """Only signed-in users holding one of ``allowed``."""
    if not allowed:
        raise ValueError("roles() needs at least one role")
    return _declare(Rule("roles", frozenset(allowed)))


def rule_of(view: Callable[..., Any]) -> Rule | None:
    """The rule a view declared, or None."""
    return getattr(view, "access_rule", None)


def enforce_declared() -> None:
    """``before_request`` hook: an endpoint without a declared rule is never served."""
    if request.endpoint is None:
        return  # 404/405: the error handler answers
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and rule_of(view) is None:
        current_app.logger.error("endpoint %s declares no access rule; refused", request.endpoint)
        abort(403)
