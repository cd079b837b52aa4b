"""The public name of a published attachment: the masking mark goes, the document's name stays."""
from __future__ import annotations

from hypothesis import given, strategies as st

from workflow.public_names import public_filename


def test_masking_marks_are_dropped() -> None:
    for stored in ("奖学金名单-脱敏.xlsx", "奖学金名单_脱敏.xlsx", "奖学金名单（脱敏）.xlsx", "奖学金名单(已脱敏).xlsx",
                   "奖学金名单 脱敏版.xlsx", "奖学金名单【脱敏后】.xlsx"):
        assert public_filename(stored) == "奖学金名单.xlsx", stored


def test_other_names_are_kept() -> None:
    for stored in ("脱敏.xlsx", "关于脱敏工作的通知.docx", "README", "名单.tar.gz"):
        assert public_filename(stored) == stored


@given(st.text(alphabet=st.characters(blacklist_characters="./\\", blacklist_categories=("Cs",)), min_size=1,
               max_size=30), st.sampled_from(["xlsx", "pdf", "docx"]))
def test_the_extension_is_kept_and_cleaning_twice_changes_nothing(stem: str, extension: str) -> None:
    name = public_filename(f"{stem}.{extension}")
    assert name.endswith(f".{extension}") and public_filename(name) == name
