#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Engine benchmark (see engine-bench.py): in a private network namespace when
# root (loopback only), with private HOME/XDG dirs.
#   bench/engine-bench.sh BUILD_DIR [engine-bench.py options]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: engine-bench.sh BUILD_DIR [options]}
shift
exec "$here/../tests/lib/netns.sh" "$here/../tests/lib/isolate.sh" \
  /usr/bin/python3 "$here/engine-bench.py" --build-dir "$build" "$@"
