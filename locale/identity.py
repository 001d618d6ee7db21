"""Make a catalogue the identity (msgstr = msgid): German is the source language of every string.

    .venv/bin/python locale/identity.py locale/de/LC_MESSAGES/django.po

Called by `make messages`; it also drops gettext's fuzzy guesses, which would be wrong here.
"""

import sys

import polib


def main(path: str) -> None:
    catalogue = polib.pofile(path, wrapwidth=0)
    for entry in catalogue:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    catalogue.save(path)


if __name__ == "__main__":
    main(sys.argv[1])
