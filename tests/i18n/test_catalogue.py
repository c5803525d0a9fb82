"""The Welsh catalogue: the compiled .mo (committed, so `make run` needs no gettext) says what the
.po says, and every string of the person's and carer's templates has its Welsh."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

_STRING = r'"((?:[^"\\]|\\.)*)"'


def _unquote(lines: str) -> str:
    text = "".join(re.findall(_STRING, lines))
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def po_entries() -> dict:
    """msgid (or (msgid, n) for plural forms) -> msgstr, as msgfmt reads them (no fuzzy ones)."""
    entries = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        if "#, fuzzy" in block or "\nmsgid " not in f"\n{block}":
            continue
        msgid = _unquote(re.search(r"^msgid ((?:\"[^\n]*\"\n?)+)", block, re.M).group(1))
        if not msgid:
            continue
        context = re.search(r"^msgctxt ((?:\"[^\n]*\"\n?)+)", block, re.M)
        key = f"{_unquote(context.group(1))}\x04{msgid}" if context else msgid
        plural = re.findall(r"^msgstr\[(\d)\] ((?:\"[^\n]*\"\n?)+)", block, re.M)
        if plural:
            for n, text in plural:
                if _unquote(text):
                    entries[(key, int(n))] = _unquote(text)
        else:
            text = _unquote(re.search(r"^msgstr ((?:\"[^\n]*\"\n?)+)", block, re.M).group(1))
            if text:
                entries[key] = text
    return entries


class CatalogueTests:
    def test_the_compiled_catalogue_is_up_to_date_with_the_po(self):
        with MO.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)._catalog
        compiled = {key: value for key, value in compiled.items() if key != ""}
        assert compiled == po_entries(), "Run: manage.py compilemessages -l cy -i .venv (and commit the .mo)"

    def test_every_string_of_the_persons_templates_is_in_welsh(self):
        translated = {key if isinstance(key, str) else key[0] for key in po_entries()}
        templates = Path(settings.BASE_DIR) / "templates"
        person_templates = [
            *templates.glob("people/my_*.html"),
            templates / "people" / "carer_home.html",
            templates / "careplans" / "my_plan.html",
            templates / "careplans" / "carer_plan.html",
            templates / "careplans" / "easy_read_pdf.html",
            templates / "careplans" / "pdf.html",
            *templates.glob("registration/sign_in_link*.html"),
            templates / "registration" / "login.html",
            templates / "base.html",
        ]
        missing = []
        for path in person_templates:
            for msgid in re.findall(r'{% translate "([^"]+)"', path.read_text(encoding="utf-8")):
                if msgid not in translated:
                    missing.append(f"{path.name}: {msgid}")
        assert not missing, missing
