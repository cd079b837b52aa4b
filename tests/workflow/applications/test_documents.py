"""The identity document's checks (workflow/applications/documents.py): a parser of untrusted uploads, so a
property test — whatever the name and bytes, the answer is a document whose bytes are what its name says, or a
clear refusal; never anything else."""
from __future__ import annotations

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from tests.applications_helpers import ID_PDF, ID_PNG
from workflow.applications.documents import KINDS, Upload, check, from_json
from workflow.errors import TooLarge, ValidationFailed
from workflow.settings import load_settings

SETTINGS = load_settings(overrides={"applications": {"identity_max_bytes": 4096}})
SIGNATURES = [signature for _type, signature in KINDS.values()]
names = st.one_of(st.text(max_size=40), st.sampled_from(["id.png", "id.PDF", "a.jpeg", "../x.jpg", ".png", "证件.png"]))
contents = st.one_of(st.binary(max_size=64), st.builds(lambda sig, rest: sig + rest, st.sampled_from(SIGNATURES),
                                                       st.binary(max_size=64)), st.just(b"\x00" * 5000))


@hypothesis_settings(max_examples=300, deadline=None)
@given(name=names, data=contents)
def test_an_upload_is_what_its_name_says_or_is_refused(name: str, data: bytes) -> None:
    try:
        document = check(Upload(name, data), SETTINGS)
    except (ValidationFailed, TooLarge) as refused:
        assert refused.message and getattr(refused, "status", 0) in (413, 422)
        return
    assert document is not None
    extension = document.filename.rsplit(".", 1)[-1].lower()
    content_type, signature = KINDS[extension]
    assert document.content_type == content_type and document.data.startswith(signature)
    assert "/" not in document.filename and "\\" not in document.filename and len(document.data) <= 4096


def test_required_unless_switched_off() -> None:
    with pytest.raises(ValidationFailed) as missing:
        check(None, SETTINGS)
    assert missing.value.field == "identity_document"
    optional = load_settings(overrides={"applications": {"identity_required": False}})
    assert check(None, optional) is None
    assert check(Upload("id.pdf", ID_PDF), optional).content_type == "application/pdf"


@pytest.mark.parametrize("value", ["id.png", {"filename": "id.png"}, {"filename": 3, "content_base64": ""},
                                   {"filename": "id.png", "content_base64": "not base64!"}])
def test_the_api_form_is_refused_when_malformed(value) -> None:
    with pytest.raises(ValidationFailed):
        from_json(value)


def test_the_api_form_decodes() -> None:
    import base64
    upload = from_json({"filename": "id.png", "content_base64": base64.b64encode(ID_PNG).decode()})
    assert upload == Upload("id.png", ID_PNG) and from_json(None) is None
