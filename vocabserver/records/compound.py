"""The verdict on one value of a field, from the verdicts on its parts (records/syntax.py reads them):

- a value of one term is that term's verdict, as records/verdicts.py gives it;
- a compound value's verdict is the worst of its parts' (malformed, unknown, ambiguous, deprecated, guide-term,
  non-preferred, valid), with `parts` (each part's text, vocabulary, kind, level, verdict, preferred form, URI,
  suggestions) and `part`, the text of the part that decided it;
- its `preferred` is the value as written with every part in its preferred form (the syntax kept);
- its suggestions are whole values: the value with the failing part replaced by each of that part's
  candidates (or, when nothing is close to it, with that qualifier left out);
- a value that does not follow the syntax is `malformed`, with where (`at`, 0-based) and why (`reason`), and the
  value mended when a closing bracket too many or too few is all that is wrong.
"""

from __future__ import annotations

from vocabserver.records import syntax

ORDER = ("malformed", "unknown", "ambiguous", "deprecated", "guide-term", "non-preferred", "valid")
RANK = {name: rank for rank, name in enumerate(ORDER)}
OFFERS = {"unknown": "suggestions", "ambiguous": "candidates", "guide-term": "narrower"}


def part_verdict(checker, part: syntax.Part) -> dict:
    verdict = checker.check(part.text, part.vocabularies, part.heading)
    if verdict["verdict"] == "unknown" and part.also:  # a person represented (REPR) is in AUTR
        other = checker.check(part.text, part.also, part.heading)
        if other["verdict"] != "unknown":
            return other
    return verdict


def value_verdict(checker, rule, value: str) -> tuple[dict, syntax.Parsed] | None:
    """The verdict on `value` (one value of a field of `rule`), and how it was read; None when it holds no term
    (a DECV value that is only a bracket: "(1977, date de découverte)")."""
    parsed = syntax.parse(rule.parts, value, rule.vocabularies, whole_label(checker))
    if parsed.error:
        return malformed(checker, rule, parsed), parsed
    if not parsed.parts:
        return None
    verdicts = [part_verdict(checker, part) for part in parsed.parts]
    if not parsed.compound:
        return verdicts[0], parsed
    return compose(parsed, verdicts), parsed


def _shape(text: str) -> tuple[int, int]:
    return text.count("("), text.count(":")


def whole_label(checker):
    """Whether a text with brackets or a path is a label as a whole ("faux (affixe de typologie)"): a label that
    folds to the same key and has the same brackets and steps — folding drops punctuation, and "affique (?)"
    must not be read as the label "affique", which would lose the doubt."""
    def test(text: str, vocabularies: tuple[str, ...]) -> bool:
        if "(" not in text and ":" not in text:
            return checker.is_label(text, vocabularies)
        shape, labels = _shape(text), checker.index.label_text
        return any(_shape(labels[label]) == shape for _concept, label in checker.matches(text, vocabularies))
    return test


def _preferred_of(part: syntax.Part, verdict: dict) -> str | None:
    """The part's form to write, when it is the same concept written otherwise."""
    name = verdict["verdict"]
    if name in ("valid", "non-preferred", "deprecated") and verdict.get("preferred"):
        return verdict["preferred"] if verdict["preferred"] != part.text else None
    return None


def compose(parsed: syntax.Parsed, verdicts: list[dict]) -> dict:
    value = parsed.value
    parts, mends = [], []
    for part, verdict in zip(parsed.parts, verdicts):
        better = _preferred_of(part, verdict)
        if better is not None:
            mends.append((part.start, part.end, better))
        entry = {"text": part.text, "field": verdict.get("vocab") or part.vocabularies[0], "kind": part.kind,
                 "level": part.level, "verdict": verdict["verdict"]}
        for key in ("preferred", "uri", "asWritten", "replacement", "heading"):
            if key in verdict:
                entry[key] = verdict[key]
        entry["suggestions"] = [{"label": s["label"], "uri": s["uri"]}
                                for s in verdict.get(OFFERS.get(verdict["verdict"], ""), [])]
        parts.append(entry)
    worst = min(range(len(verdicts)), key=lambda i: (RANK[verdicts[i]["verdict"]], i))
    name = verdicts[worst]["verdict"]
    out: dict = {"verdict": name, "parts": parts}
    head = next((v for p, v in zip(parsed.parts, verdicts) if p.level == 0 and v.get("uri")), None)
    if head is not None:
        out["uri"], out["vocab"] = head["uri"], head.get("vocab")
    rewritten = syntax.rewritten(value, mends) if mends else value
    if name in ("valid", "non-preferred"):
        if rewritten != value:
            out["preferred"] = rewritten
            if name == "valid":
                out["asWritten"] = False
        else:
            out["preferred"] = value
            if name == "valid":
                out["asWritten"] = True
        return out
    failed, failed_verdict = parsed.parts[worst], verdicts[worst]
    out["part"] = failed.text
    others = [m for m in mends if m[0] != failed.start]
    if name == "deprecated":
        if failed_verdict.get("preferred"):
            out["preferred"] = syntax.rewritten(value, mends)
            out["replacement"] = failed_verdict.get("replacement")
        return out
    offers = failed_verdict.get(OFFERS[name], [])
    whole = [{"label": syntax.rewritten(value, others + [(failed.start, failed.end, s["label"])]),
              "uri": s["uri"], "part": failed.text, **({"why": s["why"]} if "why" in s else {})}
             for s in offers]
    if name == "unknown" and failed.level > 0:  # the qualifier left out: what the value says for certain
        cut = without(value, failed)
        if cut is not None:
            outside = [m for m in others if m[1] <= cut[0] or m[0] >= cut[1]]  # not the qualifier's own parts
            whole.append({"label": " ".join(syntax.rewritten(value, outside + [cut]).split()),
                          "uri": out.get("uri", ""), "part": failed.text, "why": "without"})
    out[OFFERS[name]] = whole
    return out


def without(value: str, part: syntax.Part) -> tuple[int, int, str] | None:
    """The span that leaves a qualifier out of the value — with its own brackets, and its comma, or the
    brackets it was alone in — as a replacement by nothing (for syntax.rewritten); None when there is none."""
    start, end, depth = part.start, part.end, 0
    while end < len(value):  # the qualifier's own brackets go with it: "cousu (traitements divers)"
        char = value[end]
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            break
        end += 1
    before = value[:start].rstrip()
    if end < len(value) and value[end] == ",":  # "(a, X, b)" -> "(a, b)"
        end += 1
        while end < len(value) and value[end] == " ":
            end += 1
        return (start, end, "")
    if before.endswith(","):  # "(a, X)" -> "(a)"
        return (len(before) - 1, end, "")
    if before.endswith("(") and end < len(value) and value[end] == ")":  # "(X)" -> ""
        return (len(before[:-1].rstrip()), end + 1, "")
    return None


def malformed(checker, rule, parsed: syntax.Parsed) -> dict:
    error = parsed.error
    out = {"verdict": "malformed", "at": error.position, "why": error.code, "reason": error.reason, "suggestions": []}
    mended = mend(parsed.value)
    if mended is not None:
        again = syntax.parse(rule.parts, mended, rule.vocabularies, whole_label(checker))
        if again.error is None and again.parts:
            verdicts = [part_verdict(checker, part) for part in again.parts]
            if all(v["verdict"] in ("valid", "non-preferred") for v in verdicts):
                composed = compose(again, verdicts) if again.compound else verdicts[0]
                out["suggestions"].append({"label": composed.get("preferred", mended), "uri": composed.get("uri", ""),
                                           "why": "mended"})
    return out


def mend(value: str) -> str | None:
    """The value with its brackets balanced: a stray ")" removed, a missing ")" added at the end, a ";" in
    brackets made a ",", empty brackets and empty items dropped."""
    out, depth = [], 0
    for char in value:
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                continue
            depth -= 1
        elif char == ";" and depth:
            char = ","
        out.append(char)
    text = "".join(out) + ")" * depth
    previous = None
    while previous != text:
        previous = text
        text = text.replace("()", "").replace("(,", "(").replace(",)", ")").replace(",,", ",").replace(", ,", ",")
        text = " ".join(text.replace("( ", "(").replace(" )", ")").split())
    return text if text != value and text else None

