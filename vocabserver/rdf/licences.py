"""Names of the licences vocabularies state (`dct:license`), so that a page shows the licence a file
states — never another one. An IRI not listed here is shown as it is; a literal (`dct:rights`) as text."""

from __future__ import annotations

_KNOWN = {
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence": "Licence Ouverte / Etalab 2.0",
    "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/etalab-licence-ouverte-v2.0.pdf":
        "Licence Ouverte / Etalab 2.0",
    "https://creativecommons.org/publicdomain/zero/1.0": "CC0 1.0",
    "https://creativecommons.org/licenses/by/4.0": "CC BY 4.0",
    "https://creativecommons.org/licenses/by/3.0": "CC BY 3.0",
    "https://creativecommons.org/licenses/by-sa/4.0": "CC BY-SA 4.0",
    "https://creativecommons.org/licenses/by-sa/3.0": "CC BY-SA 3.0",
    "https://creativecommons.org/licenses/by-sa/3.0/igo": "CC BY-SA 3.0 IGO",
    "https://creativecommons.org/licenses/by-nc-sa/4.0": "CC BY-NC-SA 4.0",
    "https://opendatacommons.org/licenses/odbl/1-0": "ODbL 1.0",
    "https://opendatacommons.org/licenses/by/1-0": "ODC-By 1.0",
}


def licence_name(value: str | None) -> str | None:
    """A readable name for a licence IRI (http or https, with or without a trailing slash), else the value."""
    if not value:
        return None
    key = value.strip().lower().rstrip("/")
    if key.startswith("http://"):
        key = "https://" + key[len("http://"):]
    return _KNOWN.get(key, value)
