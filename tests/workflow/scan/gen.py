"""Generators of valid personal data and of real attachment files, for the scanner tests."""
from __future__ import annotations

import io
import random
from datetime import date, datetime
from typing import Sequence

from workflow.scan.ids import PROVINCE_CODES, luhn_check_digit, resident_id_check_char

MOBILE_PREFIXES = ("130", "139", "145", "150", "153", "159", "162", "166", "170", "178", "180",
                   "189", "191", "195", "199")


def resident_id(province: str = "35", born: date = date(2003, 5, 6), seq: int = 123,
                area: str = "0102") -> str:
    """A valid 18-character ID (check character computed)."""
    first17 = f"{province}{area}{born:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def wrong_check(number: str) -> str:
    """The same ID with a wrong check character."""
    right = number[-1]
    wrong = "0" if right != "0" else "1"
    return number[:-1] + wrong


def bank_card(prefix: str = "622202", length: int = 19, body: str = "") -> str:
    """A Luhn-valid card number."""
    rng = random.Random(prefix + body + str(length))
    partial = (prefix + body)[: length - 1]
    while len(partial) < length - 1:
        partial += str(rng.randint(0, 9))
    return partial + luhn_check_digit(partial)


def random_resident_id(rng: random.Random) -> str:
    born = date(rng.randint(1930, 2010), rng.randint(1, 12), rng.randint(1, 28))
    return resident_id(rng.choice(sorted(PROVINCE_CODES)), born, rng.randint(0, 999),
                       f"{rng.randint(0, 9999):04d}")


def docx_bytes(paragraphs: Sequence[str] = (), table: Sequence[Sequence[str]] | None = None,
               header: str | None = None) -> bytes:
    """A real .docx made with python-docx."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    if header is not None:
        document.sections[0].header.is_linked_to_previous = False
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    """A real .xlsx made with openpyxl; one entry per sheet, rows of cell values."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf_bytes(pages: Sequence[Sequence[str]]) -> bytes:
    """A minimal hand-written PDF: one Helvetica text line per string (ASCII only)."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for pid, lines in zip(page_ids, pages):
        stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(
            f"({line.replace(chr(92), chr(92) * 2).replace('(', chr(92) + '(').replace(')', chr(92) + ')')}) Tj T*"
            for line in lines) + " ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {pid + 1} 0 R >>".encode())
        data = stream.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def scholarship_rows(count: int = 20) -> tuple[list[list[object]], list[dict[str, str]]]:
    """A 奖学金公示 sheet: a title row, a header row, ``count`` people. Returns (rows, people)."""
    rng = random.Random(2023)
    rows: list[list[object]] = [["2023年国家奖学金获奖学生名单公示"],
                                ["姓名", "学号", "身份证号", "手机号", "银行卡号", "家庭住址", "出生日期"]]
    people = []
    for i in range(count):
        born = date(2002 + i % 3, 1 + i % 12, 1 + i % 28)
        person = {
            "name": "张三李四王五赵六"[i % 8] + "同学",
            "student_no": f"2021{i % 1000000:06d}",
            "id": resident_id("35", born, (100 + i) % 1000),
            "phone": f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99999999):08d}",
            "card": bank_card("622202", 19, f"{i:04d}"),
            "address": f"福建省漳州市芗城区胜利西路{i + 1}号",
        }
        people.append(person)
        rows.append([person["name"], person["student_no"], person["id"], int(person["phone"]),
                     person["card"], person["address"], datetime(born.year, born.month, born.day)])
    return rows, people
