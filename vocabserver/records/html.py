"""The HTML report of a validation: counts per verdict, per field and per museum, then the problems, the
most frequent first (a value wrong in 800 records is one line with 800), each with its preferred form or
suggestions linked to the concepts. One partial template (`_validation_report.html`) serves the upload page
and the file `vocabserver validate --report out.html` writes."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from vocabserver.records.verdicts import VERDICTS
from vocabserver.resources import shipped

PROBLEMS_SHOWN = 300
MUSEUMS_SHOWN = 50


def context(validation, source) -> dict:
    summary = validation.summary
    by_field = summary.by_field
    museums = sorted(summary.by_museum.items(), key=lambda item: -sum(item[1].values()))
    return {"source": source.as_dict(), "verdicts": VERDICTS, "summary": summary.as_dict(),
            "fields": [{"field": f, "counts": c, "total": sum(c.values())} for f, c in sorted(by_field.items())],
            "museums": [{"museum": m, "counts": c, "total": sum(c.values())} for m, c in museums[:MUSEUMS_SHOWN]],
            "museums_total": len(museums),
            "problems": summary.top_problems(PROBLEMS_SHOWN), "problems_total": len(summary.problems)}


def _translate_fr(key: str, **values) -> str:
    from vocabserver.web.i18n import MESSAGES

    text = MESSAGES.get(key, (key, key))[0]
    return text.format(**values) if values else text


def write_html(path: Path, validation, source) -> None:
    """A standalone file (its style inside it), in French, concepts linked to their URIs."""
    environment = Environment(loader=FileSystemLoader(str(shipped("templates"))), autoescape=select_autoescape())
    page = environment.get_template("validation_file.html").render(
        r=context(validation, source), t=_translate_fr, link=lambda uri: uri)
    path.write_text(page, encoding="utf-8")
