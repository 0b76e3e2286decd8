#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Count the results in meson test logs and print "N passed, N failed[, N skipped]".

Each log is meson's testlog*.json: one JSON object per line with a "result" field.
Exits 0 only when some test passed and none failed.
"""

import argparse
import json
import sys

PASSED = {'OK', 'EXPECTEDFAIL'}
SKIPPED = {'SKIP'}
# Everything else (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, INTERRUPT, ...) is a failure.


def count(paths):
    passed = failed = skipped = 0
    for path in paths:
        with open(path, encoding='utf-8') as log:
            for number, line in enumerate(log, 1):
                if not line.strip():
                    continue
                try:
                    result = json.loads(line)['result']
                except (ValueError, KeyError, TypeError) as error:
                    raise SystemExit(f'{path}:{number}: not a meson test log line: {error}')
                if result in PASSED:
                    passed += 1
                elif result in SKIPPED:
                    skipped += 1
                else:
                    print(f'failed: {json.loads(line).get("name", "?")} ({result})')
                    failed += 1
    return passed, failed, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--errors', type=int, default=0,
                        help='failures that left no log (e.g. a target that did not build)')
    parser.add_argument('logs', nargs='*')
    args = parser.parse_args()

    passed, failed, skipped = count(args.logs)
    failed += args.errors
    line = f'{passed} passed, {failed} failed'
    if skipped:
        line += f', {skipped} skipped'
    print(line)
    return 0 if passed > 0 and failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
