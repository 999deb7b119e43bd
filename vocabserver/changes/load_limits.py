"""Bounds on what one load may read, checked while reading, before anything is expanded in memory.

A hostile or broken file must not exhaust the machine: a small gzip that inflates to gigabytes, an
RDF/XML document whose nested DTD entities expand exponentially ("billion laughs"), a file of
hundreds of millions of triples. Each is refused with a message naming the limit and its setting.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from vocabserver.config import LoadLimits


class LoadTooLarge(ValueError):
    pass


_CHUNK = 1 << 20


def read_bounded(path: Path, limits: LoadLimits) -> bytes:
    """The file's bytes (decompressed for .gz), refused beyond `limits.max_bytes`."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix != ".gz":
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise LoadTooLarge(f"{path}: {size} bytes; the limit is {limits.max_bytes} "
                               "(VOCABSERVER_MAX_LOAD_BYTES)")
        return path.read_bytes()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing
    parts, total = [], 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            while chunk:
                # Never inflate more than what is left under the cap (+1 to notice going over).
                out = inflater.decompress(chunk, limits.max_bytes - total + 1)
                total += len(out)
                if total > limits.max_bytes:
                    raise LoadTooLarge(f"{path}: decompresses to more than {limits.max_bytes} bytes "
                                       "(VOCABSERVER_MAX_LOAD_BYTES)")
                parts.append(out)
                chunk = inflater.unconsumed_tail
            if inflater.eof:
                break
    if not inflater.eof:
        raise LoadTooLarge(f"{path}: truncated gzip data")
    return b"".join(parts)


_DOCTYPE = re.compile(rb"<!DOCTYPE\b")
_ENTITY = re.compile(rb"""<!ENTITY\s+(%\s+)?([^\s"'>]+)\s+(?:"([^"]*)"|'([^']*)'|(\S+))""")
_REFERENCE = re.compile(rb"&([A-Za-z_][\w.-]*);")
_PREDEFINED = {b"lt", b"gt", b"amp", b"apos", b"quot"}


def check_xml_entities(data: bytes, source: str, limits: LoadLimits) -> None:
    """Refuse DTD entities that could expand without bound; allow the common namespace abbreviations.

    Accepted: internal general entities whose text references no other entity (`<!ENTITY skos "http://…">`),
    as long as the document once expanded stays under the size cap. Refused: entities defined through other
    entities (the exponential "billion laughs"), parameter entities and external (SYSTEM/PUBLIC) entities.
    """
    doctype = _DOCTYPE.search(data, 0, 65_536)
    if doctype is None:
        return
    subset_end = data.find(b"]>", doctype.end())
    declarations = data[doctype.end():subset_end if subset_end > 0 else doctype.end()]
    sizes: dict[bytes, int] = {}
    for match in _ENTITY.finditer(declarations):
        line = data.count(b"\n", 0, doctype.end() + match.start()) + 1
        where = f"{source}:{line}"
        name, value = match.group(2), match.group(3) if match.group(3) is not None else match.group(4)
        if match.group(1):
            raise LoadTooLarge(f"{where}: parameter entity {name.decode(errors='replace')!r} refused (DTD "
                               "parameter entities are not accepted)")
        if value is None:
            raise LoadTooLarge(f"{where}: external entity {name.decode(errors='replace')!r} refused (entities "
                               "that name a file or URL are not accepted)")
        if b"&" in value or b"%" in value:
            raise LoadTooLarge(f"{where}: entity {name.decode(errors='replace')!r} is defined through other "
                               "entities; nested entity expansion is not accepted")
        sizes[name] = len(value)
    if not sizes:
        return
    expanded = len(data)
    for reference in _REFERENCE.finditer(data, subset_end if subset_end > 0 else 0):
        expanded += sizes.get(reference.group(1), 0)
    if expanded > limits.max_bytes:
        raise LoadTooLarge(f"{source}: expands to {expanded} bytes through its DTD entities; the limit is "
                           f"{limits.max_bytes} (VOCABSERVER_MAX_LOAD_BYTES)")
