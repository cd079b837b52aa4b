"""API: the caller's 常用意见 (opinion phrases), one list per decision (workflow/services/phrases.py)."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import _op, array, nullable, obj, ref, register_paths, register_schemas
from web.api.request import acting_user, json_body
from web.core import core
from workflow.item_spec import ITEM_SPEC
from workflow.opinions import phrase_triggers
from workflow.services import phrases as service


@bp.get("/me/phrases")
def get_phrases() -> ResponseReturnValue:
    return jsonify(service.my_phrases(core(), acting_user()))


@bp.put("/me/phrases")
def put_phrases() -> ResponseReturnValue:
    actor = acting_user()
    return jsonify(service.set_my_phrases(core(), actor, json_body()))


_DECISIONS = tuple(phrase_triggers(ITEM_SPEC))
_PHRASE = {"type": "string", "minLength": 1, "maxLength": service.PHRASE_MAX,
           "description": "One line (no control characters, no line breaks)"}
register_schemas({
    "Phrases": obj({name: array({"type": "string"}) for name in _DECISIONS}),
    "PhrasesInput": obj({name: nullable({**array(_PHRASE), "maxItems": service.PHRASES_MAX})
                         for name in _DECISIONS}, required=[], additional=False),
})
register_paths({
    "/api/v1/me/phrases": {
        "get": _op("The caller's 常用意见 per decision (their own list, or the built-in phrases)",
                   schema=ref("Phrases")),
        "put": _op("Replace the caller's 常用意见 of the decisions named (null: the built-in phrases again; "
                   "decisions left out stay as they are)", body=ref("PhrasesInput"), schema=ref("Phrases")),
    },
})
