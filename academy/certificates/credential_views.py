"""What machines read: the deployment's DID document and its Bitstring Status Lists.

Both are public and cacheable for a short while: a wallet or another platform resolves the issuer's
``did:web`` to find the keys, and reads a status list to see whether a credential was revoked.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, make_response
from werkzeug.wrappers import Response

from academy import access
from academy.certificates import credentials, keys
from academy.db import get_session, utcnow

bp = Blueprint("credentials", __name__)
MAX_LIST = 10**6  # far beyond any deployment; larger numbers are not lists
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
    if number >= MAX_LIST:
        abort(404)
    document = credentials.status_list_credential(get_session(), number, utcnow())
    return _json(document, "application/vc+ld+json", STATUS_MAX_AGE)
