"""`python -m pos_app.i18n check|update`: are the catalogs complete for the code?

check  - prints, per language, every text the code marks that the catalog lacks (or has with
         an empty translation), every catalog entry the code no longer uses, every translation
         whose {parameters} differ from the source's, and every t() whose text is not a
         literal. Exit 1 if anything is listed.
update - adds the missing texts to each catalog with an empty translation (and where they
         are used), drops unused ones; then a translator fills in the empty ones.
Thread: a command-line process.
"""
from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field

from pos_app.i18n.catalog import SOURCE_LANGUAGE, available_languages, catalog_path, read_po
from pos_app.i18n.extract import Extraction, extract, placeholders


@dataclass
class Report:
    language: str
    missing: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    wrong_parameters: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.untranslated or self.unused or self.wrong_parameters)


def _key(message_id: object) -> str:
    return message_id[0] if isinstance(message_id, (list, tuple)) else str(message_id)


def check_language(language: str, found: Extraction) -> Report:
    report = Report(language)
    po = read_po(language)
    entries = {_key(m.id): m for m in po if m.id}
    for source, text in found.texts.items():
        entry = entries.get(source)
        if entry is None:
            report.missing.append(source)
            continue
        forms = list(entry.string) if isinstance(entry.string, (list, tuple)) else [entry.string]
        if not all(forms) or entry.fuzzy:
            report.untranslated.append(source)
            continue
        wanted = placeholders(source) | (placeholders(text.plural) if text.plural else set())
        if text.plural:
            wanted.add("n")
        for form in forms:
            if not placeholders(form) <= wanted or (not text.plural and placeholders(form) != placeholders(source)):
                report.wrong_parameters.append(f"{source!r} -> {form!r}")
    report.unused = [source for source in entries if source not in found.texts]
    return report


def update_language(language: str, found: Extraction) -> int:
    """Add missing texts (empty translation), drop unused ones; returns how many were added."""
    from babel.messages.pofile import write_po

    po = read_po(language)
    present = {_key(m.id) for m in po if m.id}
    added = 0
    for source, text in found.texts.items():
        if source not in present:
            message_id = (source, text.plural) if text.plural else source
            po.add(message_id, ("", "") if text.plural else "",
                   locations=[(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1])) for p in text.places[:3]])
            added += 1
    for message in list(po):
        if message.id and _key(message.id) not in found.texts:
            po.delete(message.id)
    buffer = io.BytesIO()  # written whole, so a failure leaves the catalog as it was
    write_po(buffer, po, width=100, omit_header=False, sort_output=False, include_lineno=False)
    catalog_path(language).write_bytes(buffer.getvalue())
    return added


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    found = extract()
    languages = [lang for lang in available_languages() if lang != SOURCE_LANGUAGE]
    if command == "update":
        for language in languages:
            print(f"{language}: {update_language(language, found)} texts added to {catalog_path(language).name}")
        return 0
    if command != "check":
        print(__doc__)
        return 2
    failed = bool(found.not_literal)
    print(f"{len(found.texts)} texts marked in the code")
    for place in found.not_literal:
        print(f"not a literal (cannot be translated): {place}")
    for language in languages:
        report = check_language(language, found)
        failed |= not report.ok
        for title, items in (("missing", report.missing), ("untranslated", report.untranslated),
                             ("unused", report.unused), ("parameters differ", report.wrong_parameters)):
            for item in items:
                where = found.texts[item].places[0] if item in found.texts else ""
                print(f"{language}: {title}: {item!r} {where}".rstrip())
        print(f"{language}: {'complete' if report.ok else 'INCOMPLETE'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
