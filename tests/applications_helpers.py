"""Files for the public application form's identity document (身份证明): real ones and hostile ones."""
from __future__ import annotations

import base64
import io
import struct
import zlib


def _png(width: int = 2, height: int = 2) -> bytes:
    """A tiny valid PNG (grey pixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


ID_PNG = _png()
ID_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def id_file(data: bytes = ID_PNG, name: str = "身份证.png") -> tuple[io.BytesIO, str]:
    """The form field's value for Flask's test client (a multipart file)."""
    return io.BytesIO(data), name


def id_json(data: bytes = ID_PNG, name: str = "id.png") -> dict[str, str]:
    """The API's form of the identity document."""
    return {"filename": name, "content_base64": base64.b64encode(data).decode("ascii")}
