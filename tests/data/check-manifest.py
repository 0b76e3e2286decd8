#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the Flatpak manifest: app id, runtime, permissions, modules and sources.

Usage: check-manifest.py MANIFEST            check it, list every problem, exit 1 on any
       check-manifest.py --self-test MANIFEST  check that broken copies of it are rejected
"""

import copy
import json
import re
import sys

APP_ID = 'org.example.TorrentStream'
FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--socket=pulseaudio',
    '--filesystem=xdg-videos',
}
REQUIRED_MODULES = ['libtorrent-rasterbar', 'torrentstream']
SHA256 = re.compile(r'^[0-9a-f]{64}$')


def problems(manifest):
    found = []

    def expect(condition, message):
        if not condition:
            found.append(message)

    if not isinstance(manifest, dict):
        return ['the manifest is not a JSON object']
    expect(manifest.get('app-id') == APP_ID,
           f'app-id is {manifest.get("app-id")!r}, not {APP_ID!r}')
    expect(manifest.get('runtime') == 'org.gnome.Platform',
           f'runtime is {manifest.get("runtime")!r}, not org.gnome.Platform')
    expect(manifest.get('sdk') == 'org.gnome.Sdk',
           f'sdk is {manifest.get("sdk")!r}, not org.gnome.Sdk')
    expect(isinstance(manifest.get('runtime-version'), str) and manifest['runtime-version'],
           'runtime-version is missing')
    expect(manifest.get('command') == 'torrentstream',
           f'command is {manifest.get("command")!r}, not torrentstream')

    args = manifest.get('finish-args', [])
    expect(len(args) == len(set(args)), 'finish-args has duplicates')
    extra = sorted(set(args) - FINISH_ARGS)
    missing = sorted(FINISH_ARGS - set(args))
    expect(not extra, f'finish-args grants more than needed: {", ".join(extra)}')
    expect(not missing, f'finish-args lacks: {", ".join(missing)}')

    modules = manifest.get('modules', [])
    expect(isinstance(modules, list) and modules, 'there are no modules')
    if not isinstance(modules, list):
        return found
    names = [m.get('name') if isinstance(m, dict) else m for m in modules]
    for name in REQUIRED_MODULES:
        expect(name in names, f'no module named {name}')
    for module in modules:
        if not isinstance(module, dict):
            found.append(f'module {module!r} is not inline: keep the manifest in one file')
            continue
        name = module.get('name', '?')
        sources = module.get('sources', [])
        expect(sources, f'module {name} has no sources')
        for source in sources:
            if source.get('type') != 'archive':
                continue
            url = source.get('url', '')
            expect(url.startswith('https://'), f'module {name}: archive without an https url')
            expect(SHA256.match(str(source.get('sha256', ''))),
                   f'module {name}: archive {url or "?"} lacks a sha256 of 64 hex digits')

    if modules and isinstance(modules[-1], dict):
        last = modules[-1]
        expect(last.get('name') == 'torrentstream',
               f'the last module is {last.get("name")!r}, not torrentstream')
        expect(last.get('buildsystem') == 'meson', 'the app module does not build with meson')
        expect({'type': 'dir', 'path': '.'} in last.get('sources', []),
               'the app module is not built from this folder (type dir, path ".")')
    lt = [m for m in modules if isinstance(m, dict) and m.get('name') == 'libtorrent-rasterbar']
    if lt:
        urls = [s.get('url', '') for s in lt[0].get('sources', [])]
        expect(any(re.search(r'libtorrent-rasterbar-2\.0\.\d+\.tar\.gz$', u) for u in urls),
               'libtorrent-rasterbar is not a 2.0.x release tarball')
        expect('-Dpython-bindings=OFF' in lt[0].get('config-opts', []),
               'libtorrent-rasterbar builds its Python bindings')
    return found


def self_test(manifest):
    """Every broken copy must be rejected, and the real one accepted."""
    def mutate(change):
        broken = copy.deepcopy(manifest)
        change(broken)
        return broken

    def archive(m):
        return next(s for mod in m['modules'] for s in mod.get('sources', [])
                    if s.get('type') == 'archive')

    cases = {
        'wrong app-id': mutate(lambda m: m.update({'app-id': 'org.example.Other'})),
        'freedesktop runtime': mutate(lambda m: m.update({'runtime': 'org.freedesktop.Platform'})),
        'other command': mutate(lambda m: m.update({'command': 'sh'})),
        'home access': mutate(lambda m: m['finish-args'].append('--filesystem=home')),
        'no network': mutate(lambda m: m['finish-args'].remove('--share=network')),
        'short sha256': mutate(lambda m: archive(m).update({'sha256': 'abc123'})),
        'no sha256': mutate(lambda m: archive(m).pop('sha256')),
        'upper-case sha256': mutate(lambda m: archive(m).update(
            {'sha256': archive(m)['sha256'].upper()})),
        'no libtorrent': mutate(lambda m: m.update({'modules': [
            x for x in m['modules'] if x.get('name') != 'libtorrent-rasterbar']})),
        'app not last': mutate(lambda m: m['modules'].reverse()),
        'app with cmake': mutate(lambda m: m['modules'][-1].update({'buildsystem': 'cmake'})),
    }
    failures = []
    real = problems(manifest)
    if real:
        failures.append(f'the real manifest is rejected: {real}')
    for label, broken in cases.items():
        if not problems(broken):
            failures.append(f'a manifest with {label} is accepted')
        else:
            print(f'ok: {label} is rejected ({problems(broken)[0]})')
    return failures


def main(argv):
    args = argv[1:]
    selftest = args[:1] == ['--self-test']
    if selftest:
        args = args[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        print(f'{args[0]}: cannot read the manifest: {error}', file=sys.stderr)
        return 1
    found = self_test(manifest) if selftest else problems(manifest)
    for problem in found:
        print(f'{args[0]}: {problem}', file=sys.stderr)
    if not found and not selftest:
        print(f'{args[0]}: ok')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
