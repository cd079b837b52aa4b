"""The DN parser behind department keys and entry links (workflow/identity/dn.py), with hypothesis."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ldap3.utils.dn import escape_rdn

from workflow.identity.dn import DnError, first_value, normalize_dn, parent_dn

values = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda v: v.strip() == v)  # leading/trailing spaces are not significant in a DN value
kinds = st.sampled_from(["ou", "OU", "cn", "uid", "dc", "Dc"])
rdn_parts = st.tuples(kinds, values)


def _dn(parts: list[tuple[str, str]], space: str = "") -> str:
    return ("," + space).join(f"{kind}={escape_rdn(value)}" for kind, value in parts)


@given(st.lists(rdn_parts, min_size=2, max_size=5))
def test_parent_is_the_dn_without_its_first_rdn(parts):
    assert parent_dn(_dn(parts)) == normalize_dn(_dn(parts[1:]))


@given(st.lists(rdn_parts, min_size=1, max_size=5))
def test_spacing_and_case_do_not_change_the_key(parts):
    key = normalize_dn(_dn(parts))
    assert normalize_dn(_dn(parts, space=" ")) == key
    assert normalize_dn(_dn([(kind.upper(), value) for kind, value in parts])) == key
    assert normalize_dn(key) == key  # idempotent


@given(st.lists(rdn_parts, min_size=1, max_size=5))
def test_first_value_round_trips_escaping(parts):
    assert first_value(_dn(parts)) == parts[0][1]


@given(st.text(max_size=40))
def test_any_text_is_a_dn_or_a_clear_dn_error(text):
    try:
        normalize_dn(text)
    except DnError:
        pass


def test_escaped_comma_forms_are_the_same_entry():
    assert normalize_dn(r"OU=Staff\, Old , DC=Example") == normalize_dn(r"ou=staff\2C old,dc=example")
    assert parent_dn("uid=a\\,b, ou=学生处 ,dc=edu") == "ou=学生处,dc=edu"


def test_not_a_dn():
    with pytest.raises(DnError):
        normalize_dn("just text")
