"""The single combined regular expression of the scanner.

Every detector is one alternative (a named group) of ONE compiled pattern, so a text is
read once whatever the number of detectors; the Python-side checks (check digits, Luhn,
dates, harmless phrases) run only on the few candidates the pattern yields. Each
alternative begins with a literal or a character class, which lets ``re`` reject a
position with one test per alternative.

The benchmark (``python -m bench.scan``) compiles :func:`combined_source` on its own and
times it against the full scanner.
"""
from __future__ import annotations

import re
from typing import Iterable

D = "[0-9０-９]"                       # a digit, half- or full-width
SEP = "[ \\-－]"                       # a separator inside a grouped number
SP = "[ \\t\\u3000]*"                  # optional spacing inside a marking (not a newline)
NOT_DIGIT_BEFORE = f"(?<!{D}{D})(?<!{D}[.．]{D})"   # after consuming the first digit
NOT_DIGIT_AFTER = f"(?!{D})"

# ---------------------------------------------------------------------------------------
# Classification markings (密级标志), GB/T 9704-2012 style: 密级★保密期限.
STAR = "[★☆*＊]"
PERIOD = (
    f"(?:{SP}(?:{D}{{1,3}}{SP}(?:个月|年|月|日|天)|长期|永久"
    "|(?:解密(?:条件|时间|日期)|保密期限)[^\\n。；;]{0,40}))?"
)
MARKING = (
    f"(?P<mark>[绝机秘]{SP}密{SP}{STAR}{PERIOD})"
    f"|(?P<level>[绝机秘]{SP}密)"
    f"|(?P<internal>内{SP}部{SP}(?:资{SP}料|文{SP}件)|注{SP}意{SP}保{SP}密)"
)

# ---------------------------------------------------------------------------------------
# Numbers: IDs, mobile numbers, bank cards. One alternative; the digits decide the kind.
NUMBER = (
    "(?P<num>"
    f"[+＋]{D}{{2}}{SEP}?(?:{D}{{3}}{SEP}?{D}{{4}}{SEP}?{D}{{4}}){NOT_DIGIT_AFTER}"
    f"|{D}{NOT_DIGIT_BEFORE}(?:"
    f"{D}{{5}}{SEP}{D}{{8}}{SEP}{D}{{3}}[0-9０-９XxＸｘ](?![0-9０-９A-Za-z])"   # 6-8-4 ID
    f"|{D}{{3}}(?:{SEP}{D}{{4}}){{3}}(?:{SEP}{D}{{1,3}})?{NOT_DIGIT_AFTER}"      # 4-4-4-4(-3) card
    f"|{D}{{2}}{SEP}{D}{{4}}{SEP}{D}{{4}}{NOT_DIGIT_AFTER}"                      # 3-4-4 mobile
    f"|{D}{{1,3}}{SEP}(?:{D}{{3}}{SEP}{D}{{4}}{SEP}{D}{{4}}|{D}{{11}}){NOT_DIGIT_AFTER}"  # 86 / 0086
    f"|{D}{{13,16}}[XxＸｘ](?![0-9０-９A-Za-z])"                                 # ID ending in X
    f"|{D}{{10,18}}{NOT_DIGIT_AFTER}"                                            # 11–19 digits
    "))"
)

# ---------------------------------------------------------------------------------------
# Dates of birth: after a label, or a date followed by 生/出生 (「1985年3月生」).
CN_NUM = "[〇零○一二三四五六七八九十]"
DATE = (
    f"(?:{D}{{4}} ?(?:年|[-/.．／]) ?{D}{{1,2}}(?: ?(?:月|[-/.．／]) ?{D}{{1,2}} ?日?| ?月)?"
    f"|{D}{{8}}{NOT_DIGIT_AFTER}|{D}{{6}}{NOT_DIGIT_AFTER}"
    f"|{D}{{1,2}} ?月 ?{D}{{1,2}} ?日"
    f"|{CN_NUM}{{4}}年{CN_NUM}{{1,2}}月(?:{CN_NUM}{{1,3}}日)?)"
)
BIRTH_LABEL = "出生(?:年月日|日期|年月|时间)|生日"
BIRTH = (
    f"(?P<birth>(?P<blabel>{BIRTH_LABEL}){SP}[:：]?{SP}(?P<bval>{DATE}))"
    f"|(?P<bdate>{D}{NOT_DIGIT_BEFORE}{D}{{3}} ?(?:年|[-/.．]) ?{D}{{1,2}}"
    f"(?: ?(?:月|[-/.．]) ?{D}{{1,2}} ?日?| ?月)? ?(?:出生|生(?![产活态物效成长命存日源涯病意动]))"
    ")"
)

# ---------------------------------------------------------------------------------------
# Home addresses after a label. The value stops at punctuation, whitespace and '*', so a
# masked address (「福建省漳州市芗城区****」) ends at the district and no longer qualifies.
ADDRESS_LABEL = "家庭(?:住址|地址|住所)|现?住址|居住地址|户籍地址"
ADDRESS_VALUE = "[^\\s,，。;；:：、|()（）<>《》\"“”'‘’\\[\\]【】*＊]{2,60}"
ADDRESS = f"(?P<addr>(?P<alabel>{ADDRESS_LABEL})(?P<asep>{SP}[:：]?{SP})(?P<aval>{ADDRESS_VALUE}))"


def word_trie(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` factored as a trie (one test per first character)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return render(trie)


def combined_source(words: Iterable[str] = ()) -> str:
    """The source of the combined pattern, with ``words`` as the sensitive-word alternative."""
    parts = [MARKING, NUMBER, BIRTH, ADDRESS]
    words = [w for w in words if w]
    if words:
        parts.append(f"(?P<word>{word_trie(words)})")
    return "|".join(parts)


def compile_combined(words: Iterable[str] = ()) -> re.Pattern[str]:
    """The compiled combined pattern."""
    return re.compile(combined_source(words))


# Helpers used on candidates and spreadsheet cells (not part of the main pass).
DATE_RE = re.compile(DATE)
ADMIN_PREFIX_RE = re.compile(
    "(?:[^省市区县\\d\\s]{1,10}?(?:省|自治区|特别行政区))?"
    "(?:[^省市区县\\d\\s]{1,10}?(?:市|自治州|州(?!市)|盟|地区))?"
    "(?:[^省市区县\\d\\s]{1,10}?(?:区|县|旗|市))?"
)
ADDRESS_DETAIL_RE = re.compile("[镇乡村屯组路街巷弄号栋幢楼室苑院0-9０-９]|小区|社区|单元|大道|胡同")
