"""The report's narrative editor (/admin/reports/, issue 15): plain text with named placeholders, a palette
with this year's figures, previews, 422s that name an unknown placeholder, English names on the English
screen while the report stays Chinese, older templates kept working — on both databases."""
from __future__ import annotations

import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from sqlalchemy import select

from db.models.reports import ReportNarrative
from tests.web.test_reports import _published
from workflow.services import reports

YEAR = "2022-2023"
EDITOR = f"/admin/reports/?year={YEAR}"
SAVE = f"/admin/reports/narratives?year={YEAR}"
PREVIEW = f"/api/v1/reports/narratives/preview?year={YEAR}"
HIDDEN = {"script", "style", "noscript", "template"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _Visible(HTMLParser):
    """What a person reads: text outside script/style, and the title/placeholder/aria-label/alt attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.pieces: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.depth += tag in HIDDEN
        self.pieces += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag) -> None:
        self.depth -= tag in HIDDEN

    def handle_data(self, data) -> None:
        if not self.depth and data.strip():
            self.pieces.append(data.strip())


def visible(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.pieces


def _stored(world) -> dict[str, str]:
    with world.app.db.read() as session:
        return {row.section: row.text for row in session.scalars(select(ReportNarrative))}


def test_the_editor_shows_no_template_syntax_in_either_language(as_user, world) -> None:
    _published(world)
    admin = as_user("admin")
    for lang in ("zh", "en"):
        page = admin.get(f"{EDITOR}&lang={lang}")
        assert page.status_code == 200
        pieces = visible(page.get_data(as_text=True))
        assert not [piece for piece in pieces if "{{" in piece or "{%" in piece or "{#" in piece], lang
        assert not [piece for piece in pieces if "docs/report.md" in piece]


def test_the_palette_lists_each_placeholder_with_this_years_figure(as_user, world) -> None:
    _published(world)
    html = as_user("admin").get(EDITOR).get_data(as_text=True)
    pieces = visible(html)
    at = pieces.index("〔主动公开总数〕")
    assert pieces[at + 1] == "1"                       # one item published in the year
    assert "〔统计期限〕" in pieces and "“2022年9月1日至2023年8月31日”" in pieces
    assert 'data-insert="〔主动公开总数〕"' in html and 'data-insert="〔若主动公开总数不为零〕" data-close="〔结束〕"' in html
    # the parts are plain text, and each has its preview with the figures
    overview = re.search(r'<textarea[^>]*id="section_active"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "〔主动公开总数〕" in overview and "{{" not in overview
    assert "全校新增的主动公开信息共1条" in html


def test_the_english_screen_shows_english_names_and_the_report_stays_chinese(as_user, world) -> None:
    _published(world)
    admin = as_user("admin")
    html = admin.get(f"{EDITOR}&lang=en").get_data(as_text=True)
    pieces = visible(html)
    assert "〔Total published〕" in pieces and "〔主动公开总数〕" not in pieces
    assert "Figures to insert" in pieces and "How to edit the report text" in pieces
    active = re.search(r'<textarea[^>]*id="section_active"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "〔Total published〕" in active and "〔if Share published on time is not empty〕" in active
    assert "全校新增的主动公开信息共1条" in html        # the preview: the document is Chinese

    # saved from the English screen: stored with the Chinese names, printed in Chinese
    saved = admin.post(f"{SAVE}&lang=en", data={"year": YEAR,
                       "section_evaluation": "评议：公开〔Total published〕条〔if Items taken down is zero〕，无撤下〔end〕。"})
    assert saved.status_code == 302
    assert _stored(world)["evaluation"] == "评议：公开〔主动公开总数〕条〔若撤下条数为零〕，无撤下〔结束〕。"
    view = admin.get(f"/admin/reports/view?year={YEAR}&lang=en").get_data(as_text=True)
    assert "评议：公开1条，无撤下。" in view


def test_preview_endpoint_renders_a_part_with_the_years_figures_and_stores_nothing(api, world) -> None:
    _published(world)
    admin = api("admin")
    shown = admin.post(PREVIEW, json={"section": "active", "text": "（一）数量\n共〔主动公开总数〕条。"})
    assert shown.status_code == 200
    assert shown.json == {"section": "active", "text": "（一）数量\n共1条。",
                          "paragraphs": [{"kind": "subheading", "text": "（一）数量"},
                                         {"kind": "paragraph", "text": "共1条。"}]}
    default = admin.post(PREVIEW, json={"section": "complaints", "text": ""})
    assert default.json["text"] == "本学年学校无因信息公开工作而被申请行政复议、行政诉讼或举报情况。"
    assert _stored(world) == {}
    assert api("drafter").post(PREVIEW, json={"section": "active", "text": "x"}).status_code == 403
    assert admin.post(PREVIEW, json={"section": "nonsense", "text": "x"}).status_code == 422
    assert admin.post(PREVIEW, json={"section": "active", "text": 5}).status_code == 422


def test_an_unknown_placeholder_is_a_422_naming_it_and_nothing_is_stored(api, as_user, world) -> None:
    _published(world)
    admin = api("admin")
    refused = admin.post(PREVIEW, json={"section": "overview", "text": "共〔公开总数〕条"})
    assert refused.status_code == 422
    assert refused.json["error"] == "unknown_placeholder" and refused.json["field"] == "sections.overview"
    assert "〔公开总数〕" in refused.json["message"] and refused.json["details"]["placeholder"] == "公开总数"
    english = admin.post(PREVIEW, json={"section": "overview", "text": "共〔公开总数〕条"},
                         headers={"Accept-Language": "en"})
    assert "no placeholder 〔公开总数〕" in english.json["message"]

    put = admin.client.put(f"/api/v1/reports/narratives?year={YEAR}", headers=admin.headers,
                           json={"sections": {"overview": "共〔公开总数〕条", "evaluation": "好"}})
    assert put.status_code == 422 and "〔公开总数〕" in put.json["message"]

    page = as_user("admin").post(SAVE, data={"year": YEAR, "section_overview": "共〔公开总数〕条",
                                             "section_evaluation": "好"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "is-invalid" in html and "〔公开总数〕不存在" in html
    assert "共〔公开总数〕条" in html                   # the clerk's words are kept on the page
    assert _stored(world) == {}

    unbalanced = admin.post(PREVIEW, json={"section": "overview", "text": "〔若新收申请数为零〕无"})
    assert unbalanced.status_code == 422 and "〔结束〕" in unbalanced.json["message"]


def test_the_preview_button_works_without_javascript_and_stores_nothing(as_user, world) -> None:
    _published(world)
    page = as_user("admin").post(SAVE, data={"year": YEAR, "preview": "evaluation",
                                             "section_evaluation": "评议：〔若主动公开总数不为零〕已公开〔主动公开总数〕条〔结束〕。"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "评议：已公开1条。" in html
    assert _stored(world) == {}


def test_a_saved_placeholder_reaches_the_word_download(as_user, world) -> None:
    _published(world)
    admin = as_user("admin")
    assert admin.post(SAVE, data={"year": YEAR, "section_other_matters": "本学年公开〔主动公开总数〕条，统计期限为〔统计期限〕。"}) \
        .status_code == 302
    download = admin.get(f"/admin/reports/download?year={YEAR}&format=docx")
    texts = [p.text for p in Document(io.BytesIO(download.data)).paragraphs]
    assert "本学年公开1条，统计期限为2022年9月1日至2023年8月31日。" in texts


def test_older_templates_keep_rendering_and_the_editor_says_so(api, as_user, world) -> None:
    _published(world)
    admin = api("admin")
    sections = {"evaluation": "评议：公开{{ active.total }}条。",                       # maps onto a placeholder
                "improvements": "{% for c in channels %}{{ c.label }}{{ c.count }}条{% endfor %}"}   # a loop: kept
    assert admin.client.put(f"/api/v1/reports/narratives?year={YEAR}", headers=admin.headers,
                            json={"sections": sections}).status_code == 200
    report = admin.get(f"/api/v1/reports/annual?year={YEAR}").json
    assert report["narrative"]["evaluation"] == "评议：公开1条。"
    assert report["narrative"]["improvements"].endswith("1条")

    html = as_user("admin").get(EDITOR).get_data(as_text=True)
    evaluation = re.search(r'<textarea[^>]*id="section_evaluation"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert evaluation == "评议：公开〔主动公开总数〕条。"
    assert "已换成方括号名称的写法显示" in html          # converted, and said
    assert "这一部分是旧版的模板写法" in html            # the loop stays, and is said to be the older syntax


def test_charts_without_a_chinese_font_say_which_package_to_install(as_user, world, tmp_path, monkeypatch) -> None:
    _published(world)
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if latin.exists():
        shutil.copy(latin, tmp_path)
    monkeypatch.setitem(world.app.settings.data, "report", {"font_dir": str(tmp_path)})   # report.font_dir
    assert reports.font_dir(world.app) == str(tmp_path)
    admin = as_user("admin")
    editor = admin.get(EDITOR).get_data(as_text=True)
    assert "apt-get install fonts-noto-cjk" in editor
    download = admin.get(f"/admin/reports/download?year={YEAR}&format=docx")
    assert download.status_code == 503 and "apt-get install fonts-noto-cjk" in download.get_data(as_text=True)
    monkeypatch.undo()
    assert as_user("admin").get(f"/admin/reports/download?year={YEAR}&format=docx").status_code == 200
