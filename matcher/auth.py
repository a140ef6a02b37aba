"""Bearer-token authentication for the JSON API: agency tokens and coordinator (user) tokens.

Every failure to authenticate gets the same 401 answer, whichever check failed (no header,
malformed, unknown, revoked, inactive owner). The audit actor is the agency or the user, never
the token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g, request

from matcher import audit, db
from matcher.errors import Forbidden, Unauthorized
from matcher.models import Agency, UserAccount, UserRole
from matcher.services import federation, users

P = ParamSpec("P")
R = TypeVar("R")

_UNAUTHORIZED = "A valid API token is required: send the header 'Authorization: Bearer <token>'."
_COORDINATOR_ROLES = {UserRole.COORDINATOR, UserRole.ADMIN}


@dataclass(frozen=True)
class Caller:
    """Who is calling: an agency, or a coordinator/admin user."""

    actor: str
    scopes: frozenset[str]
    agency: Agency | None = None
    user: UserAccount | None = None

    @property
    def agency_id(self) -> int:
        if self.agency is None or self.agency.id is None:
            raise Forbidden("This endpoint is for agency tokens.", code="agency_token_required")
        return self.agency.id

    @property
    def viewer_regions(self) -> set[str] | None:
        if self.user is None:
            return set()
        return users.viewer_regions(self.user)


def _presented_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_UNAUTHORIZED)
    return token.strip()


def authenticate() -> Caller:
    """Return the request's caller or raise Unauthorized, the same way for every failure."""
    session = db.session()
    row = federation.find_active_token(session, _presented_token())
    if row is None:
        raise Unauthorized(_UNAUTHORIZED)
    scopes = frozenset(row.scopes.split())
    if row.agency_id is not None:
        agency = session.get(Agency, row.agency_id)
        if agency is None:
            raise Unauthorized(_UNAUTHORIZED)
        return Caller(actor=audit.agency_actor(row.agency_id), scopes=scopes, agency=agency)
    user = session.get(UserAccount, row.user_id) if row.user_id is not None else None
    if user is None or not user.active or user.role not in _COORDINATOR_ROLES:
        raise Unauthorized(_UNAUTHORIZED)
    return Caller(actor=audit.user_actor(row.user_id or 0), scopes=scopes, user=user)


def current_caller() -> Caller:
    """Return the caller authenticated for this request."""
    caller: Caller = g.caller
    return caller


def agency_required(scope: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let a view run only for an agency token that holds scope."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            caller = authenticate()
            if caller.agency is None:
                raise Forbidden("This endpoint is for agency tokens.", code="agency_token_required")
            if scope not in caller.scopes:
                raise Forbidden(
                    f"This token lacks the '{scope}' scope; ask the matcher's administrator.",
                    code="insufficient_scope",
                )
            g.caller = caller
            return view(*args, **kwargs)

        return guarded

    return decorate


def coordinator_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let a view run only for the token of an active coordinator or admin."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        caller = authenticate()
        if caller.user is None or "coordinator" not in caller.scopes:
            raise Forbidden(
                "This endpoint is for coordinators' tokens.", code="coordinator_token_required"
            )
        g.caller = caller
        return view(*args, **kwargs)

    return guarded
