"""The sensitive-word list: warnings only, editable, loaded once."""
from __future__ import annotations

from workflow.scan import scan_text
from workflow.scan.detectors import load_words
from workflow.scan.result import SENSITIVE_WORD
from workflow.settings import config_path, load_settings


def test_default_list_loads_and_has_no_markings():
    words = load_words(config_path("sensitive_words.txt"))
    assert "涉密" in words and "征求意见稿" in words
    assert not any(w.startswith("#") for w in words)
    assert "秘密" not in words and "机密" not in words


def test_sensitive_words_are_warnings():
    found = scan_text("本方案为征求意见稿，涉密内容另行报送。", location="body", is_list=True)
    assert [(f.detector, f.match_masked, f.severity) for f in found] == [
        (SENSITIVE_WORD, "征求意见稿", "warning"), (SENSITIVE_WORD, "涉密", "warning")]
    assert all(f.acceptable for f in found)


def test_a_custom_word_file(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("# 测试\n保研名额  # 行尾注释\n\n食堂承包\n", encoding="utf-8")
    settings = load_settings().with_overrides({"scan": {"sensitive_words_file": str(words)}})
    found = scan_text("关于食堂承包和保研名额的说明，涉密", location="body", settings=settings)
    assert [f.match_masked for f in found] == ["食堂承包", "保研名额"]


def test_words_overlapping_by_prefix(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("内部\n内部传阅\n", encoding="utf-8")
    settings = load_settings().with_overrides({"scan": {"sensitive_words_file": str(words)}})
    assert [f.match_masked for f in scan_text("仅限内部传阅", location="b", settings=settings)] == ["内部传阅"]
    assert [f.match_masked for f in scan_text("内部讨论", location="b", settings=settings)] == ["内部"]
