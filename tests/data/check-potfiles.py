#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check po/POTFILES.in: every listed file exists, and every file with translatable strings
(C sources using _() and friends, .ui files with translatable="yes", the desktop entry, the
metainfo and the schema) is listed, so nothing is left out of the translation template.

Usage: check-potfiles.py SOURCE_ROOT
"""

import os
import re
import sys

C_MARKS = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|g_dpgettext2|ngettext)\s*\(')
UI_MARKS = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')


def listed(root):
    path = os.path.join(root, 'po', 'POTFILES.in')
    with open(path, encoding='utf-8') as f:
        entries = [line.strip() for line in f]
    return [e for e in entries if e and not e.startswith('#')]


def translatable(root):
    found = set()
    data = os.path.join(root, 'data')
    for name in os.listdir(data):
        if name.endswith(('.desktop.in', '.metainfo.xml.in', '.gschema.xml')):
            found.add('data/' + name)
    for top, dirs, files in os.walk(os.path.join(root, 'src')):
        dirs.sort()
        for name in files:
            path = os.path.join(top, name)
            if name.endswith(('.c', '.cpp', '.h')):
                marks = C_MARKS
            elif name.endswith('.ui'):
                marks = UI_MARKS
            else:
                continue
            with open(path, encoding='utf-8') as f:
                # Skip comments so a mention of _() in one does not count.
                text = re.sub(r'/\*.*?\*/|//[^\n]*', '', f.read(), flags=re.S)
            if marks.search(text):
                found.add(os.path.relpath(path, root))
    return found


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    entries = listed(root)
    failures = []
    for entry in sorted(set(e for e in entries if entries.count(e) > 1)):
        failures.append(f'po/POTFILES.in lists {entry} twice')
    for entry in entries:
        if not os.path.isfile(os.path.join(root, entry)):
            failures.append(f'po/POTFILES.in lists {entry}, which does not exist')
    for path in sorted(translatable(root) - set(entries)):
        failures.append(f'{path} has translatable strings but is not in po/POTFILES.in')
    for message in failures:
        print(message, file=sys.stderr)
    if not failures:
        print(f'po/POTFILES.in: {len(entries)} files, ok')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
