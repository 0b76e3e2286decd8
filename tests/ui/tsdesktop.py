#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers shared by test_downloads.py and test_open.py.

- FakeDesktop: a process that owns org.gtk.Notifications (GLib's GNotification
  backend on GNOME) and org.freedesktop.FileManager1 on the session bus and
  logs every call as one JSON line, so the tests can check what the
  application asked the desktop for.
- Clipboard: a process that holds text on the X clipboard (GTK 4), for paste.
- Swarm: tests/lib/tsswarm.py seeding on 127.0.0.1 (python3-libtorrent).
- keyfile settings, so the application starts with a known download folder.

Run as a script, it is one of those processes:
  tsdesktop.py fake-desktop LOG
  tsdesktop.py clipboard TEXT
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TSSWARM = os.path.join(HERE, "..", "lib", "tsswarm.py")
PYTHON = "/usr/bin/python3"

NOTIFICATIONS_XML = """
<node>
  <interface name="org.gtk.Notifications">
    <method name="AddNotification">
      <arg type="s" direction="in"/>
      <arg type="s" direction="in"/>
      <arg type="a{sv}" direction="in"/>
    </method>
    <method name="RemoveNotification">
      <arg type="s" direction="in"/>
      <arg type="s" direction="in"/>
    </method>
  </interface>
</node>
"""

FILE_MANAGER_XML = """
<node>
  <interface name="org.freedesktop.FileManager1">
    <method name="ShowFolders">
      <arg type="as" direction="in"/>
      <arg type="s" direction="in"/>
    </method>
    <method name="ShowItems">
      <arg type="as" direction="in"/>
      <arg type="s" direction="in"/>
    </method>
    <method name="ShowItemProperties">
      <arg type="as" direction="in"/>
      <arg type="s" direction="in"/>
    </method>
  </interface>
</node>
"""


class TestFailure(Exception):
    pass


def with_own_display(script, args):
    """Runs @script with @args on a new Xvfb under a new D-Bus session and
    returns its exit status. Xvfb's -displayfd picks an unused display
    atomically (xvfb-run -a can hand two tests the same one); the X server
    comes first so the accessibility registry, started by D-Bus, can
    synthesize key presses on it."""
    import select

    xvfb_path = shutil.which("Xvfb")
    if xvfb_path is None:
        print("FAIL: Xvfb is not installed", file=sys.stderr)
        return 1
    read_fd, write_fd = os.pipe()
    # -noreset: a client that leaves (a process that execs, a helper) must
    # not reset the server under the others.
    xvfb = subprocess.Popen([xvfb_path, "-displayfd", str(write_fd), "-nolisten", "tcp",
                             "-noreset", "-screen", "0", "1280x800x24"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    # Meson stops a test that runs too long with SIGTERM: Xvfb goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        number = os.read(read_fd, 64).decode().strip() if ready else ""
        if not number.isdigit():
            print("FAIL: Xvfb did not start", file=sys.stderr)
            return 1
        env = dict(os.environ, DISPLAY=f":{number}")
        env.pop("XAUTHORITY", None)
        return subprocess.run(["dbus-run-session", "--", PYTHON, os.path.abspath(script)] +
                              list(args), env=env).returncode
    finally:
        os.close(read_fd)
        xvfb.terminate()
        try:
            xvfb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
            xvfb.wait(timeout=10)


def _fake_desktop_main(log_path):
    from gi.repository import Gio, GLib

    log = open(log_path, "a", buffering=1)
    loop = GLib.MainLoop()
    owned = set()

    def on_call(connection, sender, path, interface, method, params, invocation):
        entry = {"interface": interface, "method": method,
                 "args": params.unpack()}
        log.write(json.dumps(entry) + "\n")
        invocation.return_value(None)

    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    for xml, path in ((NOTIFICATIONS_XML, "/org/gtk/Notifications"),
                      (FILE_MANAGER_XML, "/org/freedesktop/FileManager1")):
        info = Gio.DBusNodeInfo.new_for_xml(xml).interfaces[0]
        bus.register_object(path, info, on_call, None, None)

    def acquired(connection, name):
        owned.add(name)
        if len(owned) == 2:
            print("ready", flush=True)

    def lost(connection, name):
        print(f"could not own {name}", file=sys.stderr, flush=True)
        loop.quit()

    for name in ("org.gtk.Notifications", "org.freedesktop.FileManager1"):
        Gio.bus_own_name_on_connection(bus, name, Gio.BusNameOwnerFlags.NONE, acquired, lost)

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    # Dies with the test: EOF on stdin.
    channel = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(channel, GLib.PRIORITY_DEFAULT, GLib.IOCondition.HUP | GLib.IOCondition.IN,
                      lambda *args: (loop.quit(), False)[1])
    loop.run()


def _clipboard_main(text):
    import gi
    gi.require_version("Gdk", "4.0")
    gi.require_version("Gtk", "4.0")
    from gi.repository import Gdk, GLib, Gtk

    Gtk.init()
    display = Gdk.Display.get_default()
    clipboard = display.get_clipboard()
    # No window: one would take the focus from the application.
    loop = GLib.MainLoop()

    def set_it():
        clipboard.set(text)
        print("ready", flush=True)
        return False

    GLib.timeout_add(300, set_it)
    channel = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(channel, GLib.PRIORITY_DEFAULT, GLib.IOCondition.HUP | GLib.IOCondition.IN,
                      lambda *args: (loop.quit(), False)[1])
    loop.run()


def _start_helper(args, what, timeout=20):
    proc = subprocess.Popen([PYTHON, os.path.abspath(__file__)] + args,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == "ready" or proc.poll() is not None:
            break
    if line.strip() != "ready":
        stop_process(proc, what)
        raise TestFailure(f"{what} did not start")
    return proc


def stop_process(proc, name, timeout=15):
    if proc is None or proc.poll() is not None:
        return
    try:
        if proc.stdin:
            proc.stdin.close()
    except OSError:
        pass
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"# {name} did not exit on SIGTERM, killing it", flush=True)
        proc.kill()
        proc.wait(timeout=10)


class FakeDesktop:
    def __init__(self, workdir):
        self.log_path = os.path.join(workdir, "desktop-calls.jsonl")
        open(self.log_path, "w").close()
        self.proc = _start_helper(["fake-desktop", self.log_path], "the fake desktop services")

    def calls(self, method=None):
        with open(self.log_path) as f:
            entries = [json.loads(line) for line in f if line.strip()]
        return [e for e in entries if method is None or e["method"] == method]

    def stop(self):
        stop_process(self.proc, "the fake desktop")


class Clipboard:
    def __init__(self, text):
        self.proc = _start_helper(["clipboard", text], "the clipboard holder")

    def stop(self):
        stop_process(self.proc, "the clipboard holder")


class Swarm:
    """tsswarm.py swarm: content, .torrent and a seeder on 127.0.0.1."""

    def __init__(self, workdir, *args, timeout=60):
        self.proc = subprocess.Popen([PYTHON, TSSWARM, "swarm", "--workdir", workdir] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline and not line:
            line = self.proc.stdout.readline()
            if self.proc.poll() is not None:
                break
        if not line:
            self.stop()
            raise TestFailure("the swarm did not start")
        self.info = json.loads(line)

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def source(self, path):
        return os.path.join(self.info["content_root"], path)

    def stop(self):
        stop_process(self.proc, "the swarm")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_settings(values):
    """GSettings through the keyfile backend: the application reads them at
    start (the memory backend of the other tests starts from defaults)."""
    folder = os.path.join(os.environ["XDG_CONFIG_HOME"], "glib-2.0", "settings")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "keyfile"), "w") as f:
        f.write("[org/example/TorrentStream]\n")
        for key, value in values.items():
            f.write(f"{key}={value}\n")


def gvariant_string(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def files_below(folder):
    found = set()
    for root, dirs, files in os.walk(folder):
        for name in files:
            found.add(os.path.relpath(os.path.join(root, name), folder))
    return found


def same_bytes(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x = fa.read(1 << 20)
            y = fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fake-desktop":
        _fake_desktop_main(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "clipboard":
        _clipboard_main(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
