#!/usr/bin/env python3
"""Fill msgstr of the zh_Hans catalog from a Python file defining T = {msgid: msgstr}.

Usage: python bin/po_fill.py translations.py   (then `make messages` compiles the catalog)
Lists the msgids still untranslated afterwards, so nothing is left in English by accident.
"""

import runpy
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> int:
    table = runpy.run_path(sys.argv[1])["T"] if len(sys.argv) > 1 else {}
    po = polib.pofile(str(PO))
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    for entry in po:
        if entry.msgid in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[entry.msgid]}
            else:
                entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save()
    missing = [
        e.msgid
        for e in po
        if not e.obsolete and (not (e.msgstr or any(e.msgstr_plural.values())) or "fuzzy" in e.flags)
    ]
    for m in missing:
        print("untranslated:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
