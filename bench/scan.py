"""Benchmark of the secrecy/personal-information scanner against a bare regular expression.

    .venv/bin/python -m bench.scan            # ~50 MB of text
    .venv/bin/python -m bench.scan --mb 5     # quicker

Generates mixed Chinese text (disclosure-style prose, dates, amounts, document numbers,
harmless 保守国家秘密/商业秘密 phrases and, now and then, real matches — valid IDs, phones,
bank cards, markings, birth dates, addresses, sensitive words — and near misses the checks
must reject — wrong check digits, Luhn failures, non-mobile 11-digit numbers), then times

- the scanner: ``workflow.scan.scan_text`` on every document (full detector set, check
  digits, Luhn, dates, masked excerpts, findings);
- the baseline: the scanner's combined pattern compiled on its own with ``re`` and run with
  ``finditer`` over the same documents, with no validation at all.

Both run in the same process on the same data, alternating document by document; each
document's best time over ``--repeat`` rounds counts. The ratio scanner/baseline is the
figure to watch (target ≤ 2×).
"""
from __future__ import annotations

import argparse
import random
import re
import time
from typing import Callable

from tqdm import tqdm

from workflow.scan import scan_text
from workflow.scan.ids import luhn_check_digit, resident_id_check_char
from workflow.scan.options import options_for
from workflow.scan.patterns import combined_source

DOC_CHARS = 20_000          # ~60 KB of UTF-8 per document, a long item body

PROSE = [
    "本学年，我校坚持以习近平新时代中国特色社会主义思想为指导，把信息公开作为促进依法治校的重要抓手。",
    "学校认真贯彻执行《中华人民共和国保守国家秘密法》，妥善处理公开与保密的关系。",
    "各职能部门各负其责，师生积极参与，进一步完善了信息公开工作机制。",
    "通过学校官网、微信公众号等新媒体平台主动公开信息，畅通信息公开渠道。",
    "严格按照有关法律规定，建立健全保密审查机制，从源头上保障信息公开前的保密审查。",
    "合同中涉及的商业秘密依法不予公开，个人隐私信息经去标识化处理后方可公开。",
    "教职工培训、人事任免信息、招考录用、职称评审办法和结果等人事工作信息已按规定公开。",
    "学院科研项目申报、科研奖励制度和科研项目结果等科研管理信息均在专栏发布。",
    "饮食服务、校园安保、户籍管理等后勤保卫信息通过宣传栏和电子屏向校内外公开。",
    "财务规章制度、年度财务收支情况等财务信息在信息公开专栏集中公开。",
    "本次评审共收到申报材料一百余份，经专家组评议，拟推荐以下项目。",
    "请各学院于规定时间前将材料报送至教务处，逾期不予受理。",
    "手机密码和校园卡密码请妥善保管，切勿告知他人。",
    "学生资助工作坚持公平、公正、公开的原则，接受全校师生监督。",
    "学校图书馆新增电子资源数据库三个，全校师生均可在校园网内免费访问。",
]
NUMBERS: list[Callable[[random.Random], str]] = [
    lambda r: f"{r.randint(2015, 2024)}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
    lambda r: f"漳理工〔{r.randint(2018, 2024)}〕{r.randint(1, 200)}号",
    lambda r: f"共计{r.randint(1, 9999)}.{r.randint(0, 99):02d}万元",
    lambda r: f"学号{r.randint(10**9, 10**10 - 1)}",
    lambda r: f"联系电话：0596-{r.randint(2000000, 2999999)}",
    lambda r: f"第{r.randint(1, 50)}条",
    lambda r: f"订单号{r.randint(10**19, 10**20 - 1)}",
]


def _resident_id(r: random.Random) -> str:
    first = f"350{r.randint(100, 999)}{r.randint(1960, 2005)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(0, 999):03d}"
    return first + resident_id_check_char(first)


def _card(r: random.Random) -> str:
    partial = "622202" + "".join(r.choice("0123456789") for _ in range(12))
    return partial + luhn_check_digit(partial)


MATCHES: list[Callable[[random.Random], str]] = [
    lambda r: f"身份证号{_resident_id(r)}",
    lambda r: f"手机{r.choice(['138', '159', '186', '199'])}{r.randint(0, 99999999):08d}",
    lambda r: f"银行卡号{_card(r)}",
    lambda r: "机密★10年",
    lambda r: "内部资料 注意保存",
    lambda r: f"出生日期：{r.randint(1980, 2005)}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
    lambda r: f"家庭住址：福建省漳州市芗城区胜利西路{r.randint(1, 200)}号",
    lambda r: "本方案为征求意见稿。",
]


def _bad_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


# Candidates the pattern yields but the checks reject (wrong check digit, no mobile prefix,
# Luhn failure, harmless phrase with spaced-out characters).
NEAR_MISSES: list[Callable[[random.Random], str]] = [
    lambda r: f"证件号{_bad_check(_resident_id(r))}",
    lambda r: f"编号12{r.randint(0, 999999999):09d}",
    lambda r: f"凭证号{_bad_check(_card(r))}",
    lambda r: "遵守《保 守 国 家 秘 密 法》",
]


def generate(total_mb: float, seed: int = 2023) -> list[str]:
    """Documents of mixed Chinese text totalling about ``total_mb`` MB of UTF-8."""
    r = random.Random(seed)
    target = int(total_mb * 1_000_000)
    docs: list[str] = []
    produced = 0
    with tqdm(total=target, unit="B", unit_scale=True, desc="generating") as bar:
        while produced < target:
            parts: list[str] = []
            length = 0
            while length < DOC_CHARS:
                roll = r.random()
                if roll < 0.002:
                    piece = r.choice(MATCHES)(r)
                elif roll < 0.004:
                    piece = r.choice(NEAR_MISSES)(r)
                elif roll < 0.25:
                    piece = r.choice(NUMBERS)(r) + "，"
                else:
                    piece = r.choice(PROSE)
                if r.random() < 0.05:
                    piece += "\n"
                parts.append(piece)
                length += len(piece)
            doc = "".join(parts)
            size = len(doc.encode("utf-8"))
            docs.append(doc)
            produced += size
            bar.update(size)
    return docs


def _interleaved(docs: list[str], bare: Callable[[str], int], scanner: Callable[[str], int],
                 repeat: int) -> tuple[float, float, int, int]:
    """Time both passes document by document, alternating, keeping each document's best time.

    Alternating per document and keeping minima makes the ratio robust against a busy
    machine: both passes see the same load at the same moment.
    """
    best_bare = [float("inf")] * len(docs)
    best_scan = [float("inf")] * len(docs)
    candidates = found = 0
    clock = time.perf_counter
    for round_no in range(repeat):
        candidates = found = 0
        for index, doc in enumerate(tqdm(docs, desc=f"timing round {round_no + 1}/{repeat}", leave=False)):
            start = clock()
            candidates += bare(doc)
            middle = clock()
            found += scanner(doc)
            end = clock()
            best_bare[index] = min(best_bare[index], middle - start)
            best_scan[index] = min(best_scan[index], end - middle)
    return sum(best_bare), sum(best_scan), candidates, found


def main(argv: list[str] | None = None) -> None:
    """Generate the corpus, time both passes, print throughputs and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the generated text in MB (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds; each document's best time counts (default 3)")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args(argv)

    docs = generate(args.mb, args.seed)
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1_000_000
    opts = options_for(None)
    bare = re.compile(combined_source(opts.engine.words))
    scan_text("预热 warm-up 机密★", location="body")

    def run_bare(doc: str) -> int:
        return sum(1 for _ in bare.finditer(doc))

    def run_scanner(doc: str) -> int:
        return len(scan_text(doc, location="body"))

    print(f"corpus: {megabytes:.1f} MB in {len(docs)} documents")
    bare_s, scan_s, candidates, found = _interleaved(docs, run_bare, run_scanner, args.repeat)
    print(f"bare regex (re, no validation): {megabytes / bare_s:8.1f} MB/s  ({candidates} candidates)")
    print(f"scanner (scan_text, validated): {megabytes / scan_s:8.1f} MB/s  ({found} findings)")
    print(f"ratio scanner/bare regex time:  {scan_s / bare_s:8.2f}×  (target ≤ 2×)")

if __name__ == "__main__":
    main()
