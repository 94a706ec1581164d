"""What machines read: the deployment's DID document and its Bitstring Status Lists.

Both are public and cacheable for a short while: a wallet or another platform resolves the issuer's
``did:web`` to find the keys, and reads a status list to see whether a credential was revoked.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, make_response
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from academy import access
from academy.certificates import credentials, keys
from academy.certificates.models import Certificate
from academy.db import get_session, utcnow

bp = Blueprint("credentials", __name__)
STATUS_MAX_AGE = 300  # seconds a verifier may cache a status list


def _json(document: object, media_type: str, max_age: int) -> Response:
    response = make_response(json.dumps(document, ensure_ascii=False, indent=2))
    response.mimetype = media_type
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/.well-known/did.json")
@bp.route("/did.json")  # where did:web looks when BASE_URL has a path: did:web:host:path -> /path/did.json
@access.public
def did_document() -> Response:
    return _json(keys.did_document(), "application/did+json", 3600)


@bp.route("/credentials/status/<int:number>")
@access.public
def status_list(number: int) -> Response:
    db = get_session()
    last = db.scalar(select(func.max(Certificate.id))) or 0
    if number > credentials.status_position(last)[0]:
        abort(404)  # no certificate points there: nothing to sign, nothing to keep
    document = credentials.status_list_credential(db, number, utcnow())
    return _json(document, credentials.MEDIA_TYPE, STATUS_MAX_AGE)
