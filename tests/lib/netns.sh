#!/bin/sh
# Runs a command in a private network namespace with only loopback up, when
# we are root and can: then nothing a test starts can reach another host.
# Otherwise it runs the command as it is (tests still bind 127.0.0.1 only).
set -eu
if [ "$(id -u)" = 0 ] && [ -z "${TS_IN_NETNS:-}" ] && command -v unshare >/dev/null 2>&1 \
   && unshare -n true 2>/dev/null; then
  export TS_IN_NETNS=1
  exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
fi
exec "$@"
