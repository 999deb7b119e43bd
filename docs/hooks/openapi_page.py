"""MkDocs hook: the OpenAPI document of /api/v1 (vocabserver/web/openapi.py) rendered as the page
api/reference.md at build time, so the reference cannot drift from what the server serves."""

from __future__ import annotations

import json

from mkdocs.structure.files import File

BASE = "http://localhost:8080/"


def _schema_text(schema: dict) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return "`" + schema["$ref"].rsplit("/", 1)[-1] + "`"
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    extra = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "maxLength", "default") if k in schema]
    if "enum" in schema:
        extra.append("one of " + ", ".join(f"`{v}`" for v in schema["enum"]))
    return f"{kind}" + (f" ({'; '.join(str(e) for e in extra)})" if extra else "")


def _cell(text) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def render(document: dict) -> str:
    info = document.get("info", {})
    out = [f"# OpenAPI reference: {info.get('title', 'API')}", "",
           _cell(info.get("description", "")), "",
           "The server serves this document at `/api/openapi.json` and renders it at `/api/`; this page is made "
           "from the same document when the documentation is built.", ""]
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            out += [f"## `{method.upper()} {path}`", "", _cell(operation.get("summary", "")), ""]
            if operation.get("description"):
                out += [operation["description"], ""]
            parameters = operation.get("parameters", [])
            if parameters:
                out += ["| parameter | in | required | type | description |", "|---|---|---|---|---|"]
                for p in parameters:
                    out.append(f"| `{p['name']}` | {p.get('in', '')} | {'yes' if p.get('required') else ''} | "
                               f"{_cell(_schema_text(p.get('schema', {})))} | {_cell(p.get('description', ''))}"
                               + (f" Example: `{_cell(p['example'])}`." if "example" in p else "") + " |")
                out.append("")
            responses = operation.get("responses", {})
            if responses:
                out += ["| status | meaning |", "|---|---|"]
                for status, response in responses.items():
                    out.append(f"| {status} | {_cell(response.get('description', ''))} |")
                out.append("")
    schemas = document.get("components", {}).get("schemas", {})
    if schemas:
        out += ["## Schemas", ""]
        for name, schema in schemas.items():
            out += [f"### {name}", "", "```json", json.dumps(schema, indent=1, ensure_ascii=False), "```", ""]
    return "\n".join(out)


def on_files(files, config):
    from vocabserver.web.openapi import openapi_document

    files.append(File.generated(config, "api/reference.md", content=render(openapi_document(BASE))))
    return files
