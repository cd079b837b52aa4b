"""The OpenAPI 3.1 document of API v1.

Every operation states its parameters (types and bounds), its request body (required fields
marked) and every response: the success body as a shared component schema and each error
status with the ``Error`` schema. Two tests keep it honest (docs/api.md): one compares the
document with the URL map and checks that nothing is left loose, the other fuzzes every
operation with schemathesis and fails on any 5xx or any response the document does not describe.

A constraint written here must be one the handler enforces (a value the document calls invalid
is refused with a 4xx), and every response shape must be what the serialisers produce.
"""
from __future__ import annotations

from typing import Any

from workflow import channels, checklist
from workflow.access import ADMIN, APPROVER, DRAFTER, REVIEWER
from workflow.item_spec import ITEM_SPEC, OPEN_STATES, STATES
from workflow.report.model import TABLE3_COLUMNS, TABLE3_ROWS
from workflow.spec import Field, WorkflowSpec
from workflow.services.notifications import NOTIFY_PREFS

ROLES = (DRAFTER, REVIEWER, APPROVER, ADMIN)

JSON = "application/json"
MAX_ID = 2**31 - 1  # ids are INTEGER columns (PostgreSQL int4); no object has a larger id

CHANNELS = list(channels.CODES)
RUNGS = ["due_soon", "overdue", "very_overdue"]
# The yearly report's table 4 (docs/report.md): each row counted by outcome, as the State Council format.
COMPLAINT_ROW = {"type": "object", "properties": {key: {"type": "integer", "minimum": 0} for key in (
    "maintained", "corrected", "other", "pending", "total")}, "required": ["total"]}
COMPLAINTS = {"type": "object", "properties": {row: COMPLAINT_ROW for row in (
    "reports", "reconsideration", "litigation_direct", "litigation_after_reconsideration")},
    "required": ["reports", "reconsideration", "litigation_direct", "litigation_after_reconsideration"]}

# Table 3 (收到和处理政府信息公开申请情况) by applicant type: row key → applicant kind → count, and total.
TABLE3_CELLS = {"type": "object", "properties": {key: {"type": "integer", "minimum": 0} for key in TABLE3_COLUMNS},
                "required": list(TABLE3_COLUMNS)}
APPLICATIONS = {"type": "object", "properties": {
    **{key: {"type": "integer", "minimum": 0} for key in ("received", "carried_over", "replied", "carried_forward")},
    "by_outcome": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    "by_applicant": {"type": "object", "properties": {row: TABLE3_CELLS for row in TABLE3_ROWS},
                     "required": list(TABLE3_ROWS),
                     "description": "Table 3 by applicant type (docs/report.md §3); 视为放弃 under results.other.1"}},
    "required": ["received", "carried_over", "replied", "carried_forward", "by_outcome", "by_applicant"]}

ERROR_DESCRIPTIONS = {
    "400": "Malformed request: invalid JSON, a body that is not an object, non-UTF-8, an unknown trigger or "
           "action, a malformed academic year",
    "401": "Not logged in and no valid bearer token",
    "403": "The caller lacks the role or department scope, or a session write without its CSRF token",
    "404": "No such object, or not visible to the caller (never a hint that it exists)",
    "409": "Wrong state for the action, or a stale version (optimistic lock), or blocking findings",
    "413": "Request body larger than the configured limit",
    "422": "A missing or invalid field; ``field`` names it",
    "429": "Too many requests from this client address; try again later",
    "503": "This server cannot make the document now (e.g. the PDF renderer or its Chinese fonts are missing)",
}


def ref(name: str) -> dict[str, Any]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict[str, Any]) -> dict[str, Any]:
    """A JSON array of ``items``."""
    return {"type": "array", "items": items}


def obj(properties: dict[str, Any], required: list[str] | tuple[str, ...] | None = None, *,
        additional: bool | dict[str, Any] = True) -> dict[str, Any]:
    """A JSON object; ``required=None`` means every property is always present (response shapes)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else list(required)}
    if additional is not True:
        schema["additionalProperties"] = additional
    return schema


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
OPT_STRING, OPT_INTEGER, OPT_DATE, OPT_DATETIME = (nullable(STRING), nullable(INTEGER), nullable(DATE),
                                                   nullable(DATETIME))
BLANK = {"type": "string", "const": ""}


def optional(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field: ``schema``, null or an empty string (both mean "not given")."""
    return {"anyOf": [schema, {"type": "null"}, BLANK]}


def with_blank(values: list[str] | tuple[str, ...]) -> list[str]:
    """An enumeration whose empty value means the default."""
    return [*values, ""]


# The optimistic-lock version: an integer, also accepted as a numeric string (as in If-Match).
VERSION = {"type": ["integer", "string", "null"], "description": "Expected version (409 stale_version otherwise); "
                                                                  "the If-Match header wins when both are given"}


def _error_responses(statuses: tuple[str, ...]) -> dict[str, Any]:
    return {status: {"description": ERROR_DESCRIPTIONS[status], "content": {JSON: {"schema": ref("Error")}}}
            for status in statuses}


def _default_errors(method_writes: bool, auth: bool, has_path: bool, has_body: bool) -> tuple[str, ...]:
    statuses = ["400", "422"]
    if auth:
        statuses += ["401", "403"]
    if has_path:
        statuses.append("404")
    if method_writes:
        statuses.append("409")
    if has_body:
        statuses.append("413")
    return tuple(sorted(statuses))


def _op(summary: str, *, ok: str = "200", body: str | dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None, auth: bool = True, schema: dict[str, Any] | None = None,
        write: bool | None = None, errors: tuple[str, ...] | None = None, body_required: bool = True,
        headers: dict[str, Any] | None = None, content: dict[str, Any] | None = None,
        description: str | None = None) -> dict[str, Any]:
    """One operation.

    ``schema`` is the success body (required: a test fails on an empty one); ``body`` the request
    body (a component reference or a schema); ``errors`` the error statuses (default: derived from
    authentication, path parameters, writes and bodies).
    """
    if isinstance(body, str):
        body = {"$ref": body}
    writes = bool(body) if write is None else write
    has_path = any(p.get("in") == "path" for p in params or [])
    success: dict[str, Any] = {"description": "OK" if ok == "200" else "Created",
                               "content": content or {JSON: {"schema": schema or {}}}}
    if headers:
        success["headers"] = headers
    responses: dict[str, Any] = {ok: success}
    responses.update(_error_responses(errors or _default_errors(writes, auth, has_path, bool(body))))
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if description:
        op["description"] = description
    if body:
        op["requestBody"] = {"required": body_required, "content": {JSON: {"schema": body}}}
    if params:
        op["parameters"] = params
    if not auth:
        op["security"] = []
    return op


def _q(name: str, kind: str | dict[str, Any] = "string", *, required: bool = False,
       description: str | None = None) -> dict[str, Any]:
    """A query parameter (``kind``: a JSON type name or a schema)."""
    param: dict[str, Any] = {"name": name, "in": "query", "required": required,
                             "schema": {"type": kind} if isinstance(kind, str) else kind}
    if description:
        param["description"] = description
    return param


def path_id(name: str) -> dict[str, Any]:
    """An integer id in the path."""
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


# Empty means "no filter" for these filters (the staff pages send empty form fields).
def enum_filter(values: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A string filter restricted to ``values`` (or empty)."""
    return {"type": "string", "enum": [*values, ""]}


BOOL_ARG = {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no", ""],
            "description": "true/false (also 1/0, yes/no)"}
def or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """A query value that may also be empty, meaning its default (the staff pages send empty fields)."""
    return {"anyOf": [schema, {"type": "string", "const": ""}]}


PAGE = _q("page", or_empty({"type": "integer", "minimum": 1}), description="1-based page number (default 1)")
PER_PAGE = _q("per_page", or_empty({"type": "integer", "minimum": 1}),
              description="Page size (default `limits.page_size_default`; larger values are capped at "
                          "`limits.page_size_max`)")
PAGING = [PAGE, PER_PAGE]
DAY_FILTER = or_empty({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
ACADEMIC_YEAR = {"type": "string", "pattern": r"^\s*[0-9]{4}\s*[-–/]\s*[0-9]{4}\s*$", "example": "2022-2023",
                 "description": "Academic year `YYYY-YYYY` (the second year follows the first; 400 otherwise)"}

ID = path_id("item_id")
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
ETAG = {"ETag": {"description": "The item's version, for If-Match", "required": True, "schema": STRING}}
LOCATION = {"Location": {"description": "URL of the created object", "required": True, "schema": STRING}}


def item_response(summary: str, *, ok: str = "200", **kw: Any) -> dict[str, Any]:
    """An operation answering one Item (with its ETag; 201 also with Location)."""
    headers = {**ETAG, **(LOCATION if ok == "201" else {})}
    return _op(summary, ok=ok, schema=ref("Item"), headers=headers, **kw)


def page_of(item_schema: dict[str, Any], *, capped: bool = False) -> dict[str, Any]:
    """A paginated list; ``capped``: with ``total_capped`` (a search's count stops at 1,000, docs/search.md)."""
    properties = {"items": array(item_schema), "page": {"type": "integer", "minimum": 1},
                  "per_page": {"type": "integer", "minimum": 1}, "total": {"type": "integer", "minimum": 0},
                  "pages": {"type": "integer", "minimum": 1}}
    if capped:
        properties["total_capped"] = {
            "type": "boolean", "description": "True when a search (`q`) has more matches than `total`: it counts "
            "up to 1,000 (or to the end of the asked page beyond that); `pages` then includes the next page"}
    return obj(properties)


# ------------------------------------------------------------------ the item workflow (from its spec)

def _part_schema(part: checklist.Part, question: checklist.Question) -> dict[str, Any]:
    if part.kind == "choice":
        return {"type": "string", "enum": [ground.value for ground in question.grounds]}
    if part.kind == "attachment":
        return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string", "pattern": "^[0-9]{1,10}$"}],
                "description": "An attachment id of this item (the consent's evidence)"}
    if part.kind == "date":
        return {"type": "string", "format": "date", "description": "Not after today (Asia/Shanghai)"}
    if part.kind == "assessment":
        return obj({sub.name: {"type": "string", "minLength": 1, "maxLength": sub.max_len}
                    for sub in checklist.ASSESSMENT_PARTS}, additional=False,
                   required=list(checklist.ASSESSMENT_KEYS))
    return {"type": "string", "minLength": 1, "maxLength": part.max_len}


def justifications_schema() -> dict[str, Any]:
    """``justifications``: per question answered "yes" that needs them, the particulars it declares
    (workflow/checklist.py; GET /api/v1/checklist says which each answer and ground requires)."""
    schema = obj({question.key: obj({name: _part_schema(checklist.PARTS[name], question)
                                     for name in question.all_parts}, required=[], additional=False)
                  for question in checklist.QUESTIONS if question.needs_justification}, required=[], additional=False)
    schema["description"] = ("Only for questions answered true whose `requires` names `justifications.<key>.…`; "
                             "exactly the parts the chosen ground and the question need (422 otherwise)")
    return schema


# A transition input's JSON schema by its Field.kind (what workflow.inputs.parse_trigger_inputs accepts).
FIELD_KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    "text": nullable({"type": "string", "maxLength": 5000}),
    "multiline": nullable({"type": "string", "maxLength": 5000}),
    "checklist": {"type": "object", "additionalProperties": {"type": "boolean"},
                  "description": "The keys of GET /api/v1/checklist, each true or false: every key marked "
                                 "`required`; the others may be absent (recorded as not asked)"},
    "justifications": justifications_schema(),
    "datetime": optional(DATETIME),
    "date": optional(DATE),
    "integer": nullable(INTEGER),
    "confirm": nullable({"type": "boolean", "description": "true: the person confirms having checked what the "
                                                          "form asked (personal_info_confirmed: 个人信息=否 although "
                                                          "the scan found personal information)"}),
    "multi": {"type": "array", "items": {"type": "string"},
              "description": "A list of keys (accept_findings: personal-information findings accepted with "
                             "`legal_basis`)"},
}


def field_schema(field: Field, takers: list[tuple[str, bool]]) -> dict[str, Any]:
    """The schema of one transition input; its description names the triggers taking it."""
    if field.kind == "choice":
        schema: dict[str, Any] = nullable({"type": "string", "enum": [value for value, _label in field.choices]})
    else:
        schema = dict(FIELD_KIND_SCHEMAS[field.kind])
    if field.max_len is not None and field.kind in ("text", "multiline"):
        schema = nullable({"type": "string", "maxLength": field.max_len})
    taken = ", ".join(f"{name} (required)" if required else name for name, required in takers)
    note = schema.get("description")
    schema["description"] = f"Taken by: {taken}." + (f" {note}" if note else "")
    return schema


def transition_schema(spec: WorkflowSpec[Any]) -> dict[str, Any]:
    """The body of POST /items/{id}/transitions: the spec's triggers and one property per declared input."""
    fields: dict[str, Field] = {}
    takers: dict[str, list[tuple[str, bool]]] = {}
    for trigger in spec.triggers.values():
        for field in trigger.fields:
            for name in field.names:  # an alias is a property of its own, taken by the same triggers
                fields.setdefault(name, field)
                takers.setdefault(name, []).append((trigger.name, field.required))
    properties: dict[str, Any] = {"trigger": {"type": "string", "enum": list(spec.triggers)}}
    properties.update({name: field_schema(field, takers[name]) for name, field in fields.items()})
    for trigger in spec.triggers.values():
        for field in trigger.fields:
            for alias in field.aliases:
                properties[alias]["description"] += \
                    f" On {trigger.name} the same input as `{field.name}` (give either, or both alike)."
    properties["version"] = VERSION
    properties["on_behalf_of"] = {"type": ["string", "null"], "maxLength": 64, "description": (
        "委托: the user name of the person the caller acts for (乙 代 甲), when the caller represents several "
        "today (otherwise resolved: as oneself if one may, else for the one delegator who may); "
        "docs/delegation.md")}
    return obj(properties, required=["trigger"], additional=False)


VOTE = obj({"user": STRING, "name": STRING, "at": DATETIME, "decision": STRING, "opinion": OPT_STRING,
            "acted_by": OPT_STRING, "acted_by_name": STRING},
           required=["user", "name", "at", "decision", "opinion", "acted_by"])
ROUTE_PROGRESS = obj({
    "name": STRING,
    "steps": array(obj({"stage": STRING, "name": STRING,
                        "quorum": {"anyOf": [{"type": "string", "enum": ["any", "all"]}, INTEGER]},
                        "needed": INTEGER, "votes": array(VOTE),
                        "status": {"type": "string", "enum": ["done", "active", "pending"]}}))})
HOLDER = obj({"username": STRING, "name": STRING})
# Fields an item carries only for those who see its internals (its department, admins, its route's deciders).
INTERNAL_ONLY = ("route", "holders", "step")


def item_schema(spec: WorkflowSpec[Any]) -> dict[str, Any]:
    """The Item response, its ``state`` restricted to the spec's states. ``route`` and ``holders`` (DESIGN.md
    §7a: who must act now) come with one item (GET, POST, PATCH, transitions) its department sees; ``step``
    (the active route step's name) and ``holders`` with the rows of task lists and item lists."""
    properties = {
        "id": INTEGER, "title": STRING, "body": STRING, "department": STRING, "department_name": STRING,
        "catalog_code": STRING, "channels": array({"type": "string"}), "formed_on": OPT_DATE,
        "publish_deadline": OPT_DATE, "deadline_estimated": BOOLEAN,
        "state": {"type": "string", "enum": list(spec.state_values)},
        "stage_due": OPT_DATETIME, "overdue": BOOLEAN, "version": INTEGER, "revision": INTEGER,
        "content_hash": OPT_STRING, "author": OPT_STRING, "submitted_by": OPT_STRING, "publish_at": OPT_DATETIME,
        "published_at": OPT_DATETIME, "display_until": OPT_DATETIME, "supersedes": OPT_INTEGER,
        "superseded_by": OPT_INTEGER, "is_list": BOOLEAN, "doc_number": OPT_STRING, "archive_reason": OPT_STRING,
        "attachments": array(ref("Attachment")), "created_at": OPT_DATETIME, "updated_at": OPT_DATETIME,
        "route": ROUTE_PROGRESS, "holders": array(HOLDER), "step": OPT_STRING}
    return obj(properties, required=[name for name in properties if name not in INTERNAL_ONLY])


def spec_schemas(spec: WorkflowSpec[Any]) -> dict[str, Any]:
    """The component schemas that follow the item spec an instance runs."""
    return {"Transition": transition_schema(spec), "Item": item_schema(spec)}


# ------------------------------------------------------------------ request bodies

ITEM_PROPERTIES: dict[str, Any] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Trimmed; not blank"},
    "body": {"type": ["string", "null"]},
    "department": {"type": "string", "minLength": 1, "maxLength": 32, "description": "Department code"},
    "catalog_code": {"type": "string", "minLength": 1, "maxLength": 32, "description": "清单 entry code"},
    "channels": {"type": ["array", "null"], "items": {"type": "string", "enum": CHANNELS}},
    "formed_on": {"type": "string", "format": "date", "description": "Not after today"},
    "publish_at": optional(DATETIME), "display_until": optional(DATETIME),
    "is_list": BOOLEAN, "version": VERSION,
    "doc_number": {"type": ["string", "null"], "maxLength": 100,
                   "description": "文号 (e.g. 漳理工〔2025〕12号); optional, empty or null clears it"},
}

SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": {"type": "string", "description": "Stable machine code"},
                  "message": {"type": "string", "description": "In the caller's language"},
                  "field": {"type": "string", "description": "The offending field (422)"},
                  "details": {"description": "Extra data, e.g. the current version or state"}},
                 required=["error", "message"], additional=False),
    "ItemInput": obj(ITEM_PROPERTIES, required=["title", "department", "catalog_code", "formed_on"],
                     additional=False),
    "ItemUpdate": obj({k: v for k, v in ITEM_PROPERTIES.items() if k != "department"}, required=[],
                      additional=False),
    "VersionOnly": obj({"version": VERSION}, required=[]),
    # --- items and their records
    "Attachment": obj({"id": INTEGER, "filename": STRING, "size": INTEGER, "sha256": STRING}),
    **spec_schemas(ITEM_SPEC),
    "PublicItem": obj({
        "id": INTEGER, "title": STRING, "body": STRING, "department": STRING, "department_name": STRING,
        "catalog_code": STRING, "channels": array({"type": "string"}), "published_at": OPT_DATETIME,
        "display_until": OPT_DATETIME, "supersedes": OPT_INTEGER, "doc_number": OPT_STRING}, additional=False),
    "OverdueItem": {"allOf": [ref("Item"), obj({"rung": nullable({"type": "string", "enum": RUNGS}),
                                                "workdays_late": {"type": "integer", "minimum": 0}})]},
    "HistoryEntry": obj({"at": OPT_DATETIME, "actor": OPT_STRING, "trigger": STRING, "from": OPT_STRING,
                         "to": OPT_STRING, "reason": OPT_STRING, "revision": OPT_STRING,
                         "on_behalf_of": OPT_STRING, "acted_by": OPT_STRING,
                         "data": {"type": "object", "description": "What the event recorded besides, e.g. `opinion` "
                                                                   "(the opinion written with a decision), `step`"}}),
    "ScanFinding": obj({
        "key": STRING, "detector": STRING, "severity": {"type": "string", "enum": ["blocking", "warning"]},
        "location": STRING, "sublocation": STRING, "offset": INTEGER, "length": INTEGER, "excerpt": STRING,
        "match_masked": STRING, "message": STRING, "acceptable": BOOLEAN}),
    "Finding": {"allOf": [ref("ScanFinding"), obj({"accepted": BOOLEAN, "legal_basis": OPT_STRING})]},
    "Findings": obj({"item_id": INTEGER, "revision": INTEGER, "findings": array(ref("Finding")),
                     "blocking_open": INTEGER, "total": INTEGER}),
    "SelfCheck": obj({"item_id": INTEGER, "findings": array(ref("ScanFinding")), "total": INTEGER,
                      "blocking": INTEGER, "masked": nullable(obj({"title": STRING, "body": STRING}))}),
    "ItemPage": page_of(ref("Item"), capped=True),
    # 已退回: a draft sent back (退回修改, 不予批准) and not resubmitted, on the rows of /tasks, /me/done, /me/submitted
    "Returned": obj({"by": OPT_STRING, "at": DATETIME, "reason": OPT_STRING}),
    "TaskItem": {"allOf": [ref("Item"), obj({"returned": nullable(ref("Returned")),
                                             "on_behalf_of": nullable(obj({"username": STRING, "name": STRING}))})]},
    "TaskPage": page_of(ref("TaskItem")),
    "PublicItemPage": page_of(ref("PublicItem")),
    "OverduePage": page_of(ref("OverdueItem")),
    "DepartmentBoard": obj({
        "department": ref("Department"),
        "stages": {"type": "object", "additionalProperties": obj({
            "count": INTEGER, "overdue": INTEGER, "items": array(ref("Item"))})}}),
    # --- people and organisation
    "Department": obj({"code": STRING, "name": STRING}),
    "Me": obj({"id": INTEGER, "username": STRING, "roles": array({"type": "string", "enum": list(ROLES)}),
               "departments": {"anyOf": [{"const": "*"}, array({"type": "string"})],
                               "description": "\"*\" for every department"},
               "department_head": BOOLEAN, "office_head": BOOLEAN}),
    "ChecklistQuestion": obj({
        "key": STRING, "question": {"type": "string", "description": "In the caller's language"},
        "blocks_on": {"type": ["boolean", "null"], "description": "The answer that stops a pass (null: none)"},
        "source": {"type": "string", "description": "The rule's legal source, in the caller's language"},
        "required": {"type": "boolean", "description": "false: a question added later; an absent answer is "
                                                       "recorded as not asked"},
        "requires": array(obj({
            "when": BOOLEAN,
            "fields": array({"type": "string", "description": "`legal_basis` or `justifications.<key>.<part>`"}),
            "grounds": array(obj({"ground": STRING, "label": STRING, "source": STRING, "fields": array(STRING)})),
            "answers": {"type": "object", "additionalProperties": BOOLEAN,
                        "description": "Answers this one implies"}}, required=["when", "fields"]))},
        required=["key", "question", "source", "blocks_on", "required", "requires"]),
    "Catalog": obj({"categories": array(obj({
        "code": STRING, "title": STRING, "items": array(obj({
            "code": STRING, "title": STRING, "department": STRING, "rhythm": OPT_STRING,
            "number_confirmed": BOOLEAN, "local": BOOLEAN, "not_applicable": BOOLEAN,
            "not_applicable_reason": STRING}))}))}),
    "CatalogEntry": obj({"code": STRING, "title": STRING, "department": OPT_STRING, "rhythm": OPT_STRING,
                         "number_confirmed": BOOLEAN, "local": BOOLEAN, "not_applicable": BOOLEAN,
                         "not_applicable_reason": STRING}),
    "CatalogApplicabilityInput": obj({
        "not_applicable": {"type": "boolean", "description": "true: 「不适用」 for this institution"},
        "reason": {"type": "string", "maxLength": 500,
                   "description": "Why the entry does not apply (required, non-blank, when not_applicable is true)"}},
        required=["not_applicable"], additional=False),
    # --- notifications
    "Notification": obj({"id": INTEGER, "kind": STRING, "item_id": OPT_INTEGER, "application_id": OPT_INTEGER,
                         "title": STRING, "body": STRING, "created_at": OPT_DATETIME, "read_at": OPT_DATETIME}),
    "NotificationPage": page_of(ref("Notification")),
    "Preferences": obj({"notify_pref": {"type": "string", "enum": list(NOTIFY_PREFS)}, "email": OPT_STRING}),
    "PreferencesInput": obj({"notify_pref": {"type": "string", "enum": list(NOTIFY_PREFS)}},
                            required=["notify_pref"]),
    "MailFailure": obj({"id": INTEGER, "to": STRING, "subject": STRING, "kind": OPT_STRING, "attempts": INTEGER,
                        "last_error": OPT_STRING, "created_at": STRING, "key": OPT_STRING,
                        # email | wecom | wecom_robot | dingtalk | dingtalk_robot, and its name in words
                        "channel": STRING, "channel_label": STRING}),
    # --- reports and calendar
    "Period": obj({"start": DATE, "end": DATE}),
    "Report": obj({"schema": STRING, "title": STRING, "institution": STRING, "period": ref("Period"),
                   "issued_on": DATE, "active": {"type": "object"}, "applications": APPLICATIONS,
                   "fees": {"type": "object"}, "complaints": COMPLAINTS,
                   "secrecy_review": {"type": "object"}, "catalog_coverage": {"type": "array"}},
                  required=["schema", "title", "period", "active", "applications", "fees", "complaints",
                            "secrecy_review", "catalog_coverage"]),
    "Narratives": {"type": "object", "additionalProperties": obj({
        "text": STRING, "source": {"type": "string", "enum": ["year", "previous", "default"]},
        "from_year": OPT_STRING})},
    "Coverage": obj({
        "period": ref("Period"), "year": STRING, "months": array(STRING), "total": INTEGER, "covered": INTEGER,
        "entries": array(obj({
            "code": STRING, "title": STRING, "category": STRING, "category_title": STRING, "department": STRING,
            "department_name": STRING, "rhythm": STRING, "published": INTEGER, "covered": BOOLEAN,
            "not_applicable": BOOLEAN, "not_applicable_reason": STRING,
            "links": array(STRING), "by_month": {"type": "object", "additionalProperties": INTEGER}})),
        "missing": array(STRING), "not_applicable": array(STRING)}),
    "DayInfo": obj({"date": DATE, "weekday": STRING, "workday": BOOLEAN, "reason": STRING, "estimated": BOOLEAN,
                    "holiday": OPT_STRING, "layer": STRING, "source": OPT_STRING}),
    "Override": obj({"date": DATE, "kind": {"type": "string", "enum": ["rest", "work"]}, "reason": STRING,
                     "source": OPT_STRING}),
    "OpenAPI": obj({"openapi": STRING, "info": {"type": "object"}, "paths": {"type": "object"},
                    "components": {"type": "object"}}, required=["openapi", "info", "paths", "components"]),
}

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/me": {"get": _op("The caller", schema=ref("Me"))},
    "/api/v1/departments": {"get": _op("Departments", schema=array(ref("Department")))},
    "/api/v1/catalog": {"get": _op("The 清单: categories and items", schema=ref("Catalog"))},
    "/api/v1/catalog/{code}": {"patch": _op(
        "Admin: mark a 清单 entry 「不适用」 for this institution, with the reason, or applicable again",
        params=[CODE], body=ref("CatalogApplicabilityInput"), schema=ref("CatalogEntry"))},
    "/api/v1/checklist": {"get": _op("The secrecy-review questions: which answer blocks a pass and what each "
                                     "answer requires", schema=array(ref("ChecklistQuestion")))},
    "/api/v1/items": {
        "post": item_response("Create a draft", ok="201", body=ref("ItemInput")),
        "get": _op("List items in scope", schema=ref("ItemPage"), params=[
            _q("state", enum_filter(STATES)), _q("department", description="Department code (422 when unknown)"),
            _q("overdue", BOOL_ARG),
            _q("q", {"type": "string", "maxLength": 100},
               description="Full-text search over title, body, attachment names and texts (docs/search.md): every "
                           "word of two or more characters must occur (奖学, 招生); results newest first, counted up "
                           "to 1,000 (`total_capped`). 422 for a one-character word, control characters or more "
                           "than 100 characters"),
            _q("category", description="清单 category code, e.g. `zsks` (422 when unknown)"),
            _q("from", DAY_FILTER, description="信息形成日期 (formed_on) on or after this day, YYYY-MM-DD"),
            _q("to", DAY_FILTER, description="信息形成日期 (formed_on) on or before this day, YYYY-MM-DD (422 when "
                                             "before `from`)"),
            *PAGING]),
    },
    "/api/v1/items/{item_id}": {
        "get": item_response("One item", params=[ID]),
        "patch": item_response("Edit a draft (409 otherwise)", params=[ID], body=ref("ItemUpdate")),
    },
    "/api/v1/items/{item_id}/transitions": {
        "post": item_response("Fire a trigger", params=[ID], body=ref("Transition"))},
    "/api/v1/items/{item_id}/revisions": {
        "post": item_response("New draft superseding a published item (no body)", ok="201", params=[ID],
                              write=True)},
    "/api/v1/items/{item_id}/history": {"get": _op("Audit history of the item", params=[ID],
                                                   schema=array(ref("HistoryEntry")))},
    "/api/v1/items/{item_id}/findings": {"get": _op("Secrecy-scan findings of the current revision", params=[ID],
                                                    schema=ref("Findings"))},
    "/api/v1/items/{item_id}/self-check": {"get": _op("Drafter's pre-submit scan of the draft, with the masking "
                                                      "proposal (nothing stored)", params=[ID],
                                                      schema=ref("SelfCheck"))},
    "/api/v1/items/{item_id}/masking": {"post": item_response(
        "Apply the masking proposal to the draft's title and body", params=[ID], body=ref("VersionOnly"),
        body_required=False)},
    "/api/v1/tasks": {"get": _op("Items awaiting the caller's action; a draft sent back carries `returned`",
                                 params=PAGING, schema=ref("TaskPage"))},
    "/api/v1/departments/{code}/tasks": {"get": _op("Pending items of one department, by stage", params=[CODE],
                                                    schema=ref("DepartmentBoard"))},
    "/api/v1/overdue": {"get": _op("Admin: open items past due", schema=ref("OverduePage"), params=[
        _q("department"), _q("stage", enum_filter(OPEN_STATES)), *PAGING])},
    "/api/v1/public/items": {"get": _op("Published items (no auth)", auth=False, schema=ref("PublicItemPage"),
                                        params=[_q("q"), _q("department"), _q("catalog_code"), *PAGING])},
    "/api/v1/openapi.json": {"get": _op("This document", auth=False, schema=ref("OpenAPI"), errors=("400",))},
}

EXTRA_PATHS: dict[str, dict[str, Any]] = {}


def register_paths(paths: dict[str, dict[str, Any]]) -> None:
    """Features add their routes' documentation here (merged by method)."""
    for path, operations in paths.items():
        EXTRA_PATHS.setdefault(path, {}).update(operations)


def register_schemas(schemas: dict[str, Any]) -> None:
    """Features add their component schemas here."""
    SCHEMAS.update(schemas)


def openapi_document(spec: WorkflowSpec[Any] = ITEM_SPEC) -> dict[str, Any]:
    """The whole document, for an instance running the item workflow ``spec``."""
    paths = {path: dict(ops) for path, ops in PATHS.items()}
    for path, operations in EXTRA_PATHS.items():
        paths.setdefault(path, {}).update(operations)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Gongkai API", "version": "1.0.0",
                 "description": "信息公开保密审查与发布工作流 API（v1）"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": {**SCHEMAS, **spec_schemas(spec)},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
