#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check what the validators cannot know: that the built desktop entry, the metainfo and the
icons describe this app (id, command, handled types, icon names, release).

Usage: check-data-files.py APP_ID DESKTOP_FILE METAINFO_FILE ICONS_DIR
"""

import configparser
import os
import sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'


def check_desktop(app_id, path, expect):
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str
    with open(path, encoding='utf-8') as f:
        entry.read_file(f)
    d = entry['Desktop Entry']
    expect(d.get('Name') == 'TorrentStream', f'{path}: Name is {d.get("Name")!r}')
    expect(d.get('Exec', '').split() == ['torrentstream', '%U'],
           f'{path}: Exec is {d.get("Exec")!r}, not "torrentstream %U"')
    expect(d.get('Icon') == app_id, f'{path}: Icon is {d.get("Icon")!r}, not {app_id}')
    mime = set(filter(None, d.get('MimeType', '').split(';')))
    for t in ('x-scheme-handler/magnet', 'application/x-bittorrent'):
        expect(t in mime, f'{path}: MimeType lacks {t}')
    categories = set(filter(None, d.get('Categories', '').split(';')))
    for c in ('AudioVideo', 'Video', 'Player', 'GTK'):
        expect(c in categories, f'{path}: Categories lacks {c}')
    expect(d.get('Keywords', '').endswith(';'), f'{path}: Keywords missing or not ;-terminated')
    # The app does not implement org.freedesktop.Application activation by D-Bus name.
    expect(d.get('DBusActivatable', 'false') == 'false', f'{path}: DBusActivatable is set')


def check_metainfo(app_id, path, expect):
    root = ET.parse(path).getroot()
    expect(root.tag == 'component' and root.get('type') == 'desktop-application',
           f'{path}: not a desktop-application component')
    expect(root.findtext('id') == app_id, f'{path}: id is {root.findtext("id")!r}')
    launchable = root.find('launchable')
    expect(launchable is not None and launchable.text == app_id + '.desktop',
           f'{path}: launchable is not {app_id}.desktop')
    expect(root.findtext('metadata_license') == 'CC0-1.0', f'{path}: metadata_license')
    expect(root.findtext('project_license') == 'GPL-3.0-or-later', f'{path}: project_license')
    expect(root.findtext('developer/name'), f'{path}: no developer/name')
    rating = root.find('content_rating')
    expect(rating is not None and rating.get('type') == 'oars-1.1',
           f'{path}: content_rating is not oars-1.1')
    releases = [(r.get('version'), r.get('date')) for r in root.iterfind('releases/release')]
    expect(('0.1.0', '2026-11-26') in releases, f'{path}: no release 0.1.0 of 2026-11-26')
    expect(root.findtext('provides/binary') == 'torrentstream', f'{path}: provides no binary')


def check_svg(path, size, expect):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        expect(False, f'{path}: {error}')
        return None
    expect(root.tag == SVG + 'svg', f'{path}: not an SVG document')
    expect(root.get('viewBox') == f'0 0 {size} {size}', f'{path}: viewBox is not 0 0 {size} {size}')
    # Icons must not depend on files or fonts that will not be there.
    for element in root.iter():
        expect(element.tag != SVG + 'image', f'{path}: embeds a bitmap <image>')
        expect(element.tag != SVG + 'text', f'{path}: uses <text>, which depends on fonts')
    return root


def check_icons(app_id, icons, expect):
    check_svg(os.path.join(icons, 'hicolor/scalable/apps', app_id + '.svg'), 128, expect)
    symbolic = check_svg(os.path.join(icons, 'hicolor/symbolic/apps', app_id + '-symbolic.svg'),
                         16, expect)
    if symbolic is not None:
        # GTK recolours symbolic icons, which only works when they use one colour.
        colours = set()
        for element in symbolic.iter():
            for attr in ('fill', 'stroke'):
                value = element.get(attr)
                if value and value != 'none':
                    colours.add(value.lower())
        expect(len(colours) == 1, f'symbolic icon uses colours {sorted(colours)}, not one')


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    app_id, desktop, metainfo, icons = argv[1:]
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    check_desktop(app_id, desktop, expect)
    check_metainfo(app_id, metainfo, expect)
    check_icons(app_id, icons, expect)
    for message in failures:
        print(message, file=sys.stderr)
    if not failures:
        print('desktop entry, metainfo and icons: ok')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
