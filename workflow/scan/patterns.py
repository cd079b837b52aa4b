"""The single combined regular expression of the scanner.

Every detector is one alternative (a named group) of ONE compiled pattern, so a text is
read once whatever the number of detectors; the Python-side checks (check digits, Luhn,
dates, harmless phrases) run only on the few candidates the pattern yields.

Shape, for speed: ``[FIRST](?:(?<=[A…])(?:alternatives starting with A…)|(?<=[B…])(?:…)|…)``.
The pattern starts with ONE character class holding every character a match can start with;
``re`` then skips all other positions in a tight C loop (it only does so when a pattern
starts with a literal or a class) — about 15× faster on Chinese text than a plain
alternation. Alternatives are grouped in families by first character, each family entered
through a one-character lookbehind on the consumed character. Consequently the named groups
start one character after ``m.start()``: use ``m.start()``/``m.group()`` for the whole match.

The benchmark (``python -m bench.scan``) compiles :func:`combined_source` on its own and
times it against the full scanner.
"""
from __future__ import annotations

import re
from typing import Iterable

D = "[0-9０-９]"                       # a digit, half- or full-width
D_CHARS = "0-9０-９"
SEP = "[ \\-－]"                       # a separator inside a grouped number
SP = "[ \\t\\u3000]*"                  # optional spacing inside a marking (not a newline)
# Used right after the first digit has been consumed: the character before it is no digit
# and no Latin letter (「QQ12345678901」, 「…123X3501…」 are codes, not numbers), and the
# digit is not the fraction of a decimal number.
NOT_DIGIT_BEFORE = f"(?<![0-9０-９A-Za-zＸｘ]{D})(?<!{D}[.．]{D})"
NOT_DIGIT_AFTER = f"(?!{D})"
NOT_ALNUM_AFTER = "(?![0-9０-９A-Za-zＸｘ])"

# ---------------------------------------------------------------------------------------
# Classification markings (密级标志), GB/T 9704-2012 style: 密级★保密期限.
STAR = "[★☆*＊]"
PERIOD = (
    f"(?:{SP}(?:{D}{{1,3}}{SP}(?:个月|年|月|日|天)|长期|永久"
    "|(?:解密(?:条件|时间|日期)|保密期限)[^\\n。；;]{0,40}))?"
)
# A bare level word in the commonest harmless phrases (国家秘密, 商业秘密, 保守秘密, 工作秘密 …)
# or where 密 starts the next word (手机密码, 有机密封, 杜绝密集) is rejected by the pattern
# itself; ``detectors.level_word_is_harmless`` repeats these checks ignoring whitespace.
HARMLESS_BEFORE = ("商业", "国家", "工作", "技术", "经营", "个人", "军事", "核心", "商务", "企业",
                   "行业", "保守", "严守", "保护", "泄露", "泄漏", "窃取", "刺探", "出卖")
COMPOUND_NEXT = "封度码集切布实闭钥林云植纹友匙"
LEVEL_NOT_AFTER = "".join(f"(?<!{w}.)" for w in HARMLESS_BEFORE)
MARKING = (
    f"(?P<mark>(?<=[绝机秘]){SP}密{SP}{STAR}{PERIOD})"
    f"|(?P<level>(?<=[绝机秘]){LEVEL_NOT_AFTER}{SP}密(?![{COMPOUND_NEXT}]))"
    f"|(?P<internal>(?<=内){SP}部{SP}(?:资{SP}料|文{SP}件)|(?<=注){SP}意{SP}保{SP}密)"
)

# ---------------------------------------------------------------------------------------
# Numbers: IDs, mobile numbers, bank cards. The digits decide the kind. Two groups because
# a number may start with "+" (``intl``) or with a digit (``num``).
NUMBER_INTL = (
    f"(?P<intl>{D}{{2}}{SEP}?(?:{D}{{3}}{SEP}?{D}{{4}}{SEP}?{D}{{4}}){NOT_ALNUM_AFTER})"
)
NUMBER = (
    "(?P<num>(?:"
    f"{D}{{5}}{SEP}{D}{{8}}{SEP}{D}{{3}}[0-9０-９XxＸｘ]"                # 6-8-4 ID
    f"|{D}{{3}}(?:{SEP}{D}{{4}}){{3}}(?:{SEP}{D}{{1,3}})?"               # 4-4-4-4(-3) card
    f"|{D}{{2}}{SEP}{D}{{4}}{SEP}{D}{{4}}"                               # 3-4-4 mobile
    f"|{D}{{1,3}}{SEP}(?:{D}{{3}}{SEP}{D}{{4}}{SEP}{D}{{4}}|{D}{{11}})"  # 86 / 0086 prefix
    f"|{D}{{13,16}}[XxＸｘ]"                                             # ID ending in X
    f"|{D}{{10,18}}"                                                     # 11–19 digits
    f"){NOT_ALNUM_AFTER})"
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
BIRTH = (
    f"(?P<birth>(?P<blabel>(?<=出)生(?:年月日|日期|年月|时间)|(?<=生)日){SP}[:：]?{SP}(?P<bval>{DATE}))"
)
# After the first digit has been consumed (see the digit family in combined_source).
BIRTH_AFTER_DATE = (
    f"(?P<bdate>{D}{{3}} ?(?:年|[-/.．]) ?{D}{{1,2}}"
    f"(?: ?(?:月|[-/.．]) ?{D}{{1,2}} ?日?| ?月)? ?(?:出生|生(?![产活态物效成长命存日源涯病意动])))"
)

# ---------------------------------------------------------------------------------------
# Home addresses after a label. The value stops at punctuation, whitespace and '*', so a
# masked address (「福建省漳州市芗城区****」) ends at the district and no longer qualifies.
ADDRESS_LABEL = "(?<=家)庭(?:住址|地址|住所)|(?<=现)住址|(?<=住)址|(?<=居)住地址|(?<=户)籍地址"
ADDRESS_VALUE = "[^\\s,，。;；:：、|()（）<>《》\"“”'‘’\\[\\]【】*＊]{2,60}"
ADDRESS = f"(?P<addr>(?P<alabel>{ADDRESS_LABEL})(?P<asep>{SP}[:：]?{SP})(?P<aval>{ADDRESS_VALUE}))"


def _trie(words: Iterable[str]) -> dict[str, dict]:
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return trie


def _render(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return "(?:" + body + ")?" if "" in node else body


def word_alternative(words: Iterable[str]) -> tuple[str, str]:
    """(first characters, alternative) for the sensitive words, factored as a trie."""
    trie = _trie(w for w in words if w)
    branches = [f"(?<={re.escape(char)})" + _render(child) for char, child in sorted(trie.items())]
    return "".join(re.escape(char) for char in sorted(trie)), "(?P<word>" + "|".join(branches) + ")"


def combined_source(words: Iterable[str] = ()) -> str:
    """The source of the combined pattern, with ``words`` as the sensitive-word alternative.

    Alternatives are grouped in families by their first character; a family is entered
    only when its one-character lookbehind matches, so a position fails after a handful of
    tests (digits are the commonest candidates, so their family comes first).
    """
    families = [
        (D_CHARS, f"{NOT_DIGIT_BEFORE}(?:{NUMBER}|{BIRTH_AFTER_DATE})"),
        ("+＋", NUMBER_INTL),
        ("绝机秘内注", MARKING),
        ("出生", BIRTH),
        ("家现住居户", ADDRESS),
    ]
    words = [w for w in words if w]
    if words:
        families.append(word_alternative(words))
    first = "".join(chars for chars, _ in families)
    body = "|".join(f"(?<=[{chars}])(?:{alternative})" for chars, alternative in families)
    return f"[{first}](?:{body})"


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
