# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs a GUI test script on its own Xvfb under its own D-Bus session.

Xvfb's -displayfd picks an unused display atomically, -noreset keeps it from
resetting (and refusing connections for a moment) each time its last client
leaves, and the X server starts before D-Bus so the accessibility registry
can synthesize keys on it.
"""
import os
import select
import shutil
import signal
import subprocess
import sys


def run_on_own_display(script, args):
    xvfb_path = shutil.which("Xvfb")
    if xvfb_path is None:
        print("FAIL: Xvfb is not installed", file=sys.stderr)
        return 1
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen([xvfb_path, "-displayfd", str(write_fd), "-nolisten", "tcp", "-noreset",
                             "-screen", "0", "1280x800x24"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    # Meson stops a test that runs too long with SIGTERM: stop Xvfb too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        number = os.read(read_fd, 64).decode().strip() if ready else ""
        if not number.isdigit():
            print("FAIL: Xvfb did not start", file=sys.stderr)
            return 1
        env = dict(os.environ, DISPLAY=f":{number}")
        env.pop("XAUTHORITY", None)
        return subprocess.run(["dbus-run-session", "--", sys.executable,
                               os.path.abspath(script), *args], env=env).returncode
    finally:
        os.close(read_fd)
        xvfb.terminate()
        try:
            xvfb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
            xvfb.wait(timeout=10)
