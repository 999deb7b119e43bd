"""Joconde notices in the field-code text format museums send to POP.

A record is a sequence of "CODE" lines each followed by its value lines;
records are separated by a line "//". Values continued over several lines
end with " -" on the line before (POP's export convention).
"""

from __future__ import annotations

import re
from pathlib import Path

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,11}$")


class NoticeError(ValueError):
    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = path, line


def read_notices(path: Path) -> list[dict[str, str]]:
    """Records as {field code: value}; raises NoticeError on undecodable text."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NoticeError(str(path), line, f"not UTF-8 ({exc.reason})") from None
    records: list[dict[str, str]] = []
    record: dict[str, str] = {}
    code = None
    for raw in text.splitlines():
        line = raw.strip()
        if line == "//":
            if record:
                records.append(record)
            record, code = {}, None
        elif _CODE.match(line) and (code is None or line not in record):
            code = line
            record[code] = ""
        elif code is not None:
            previous = record[code]
            if previous.endswith(" -"):
                record[code] = previous[:-2] + " " + line
            else:
                record[code] = f"{previous}\n{line}" if previous else line
    if record:
        records.append(record)
    return records
