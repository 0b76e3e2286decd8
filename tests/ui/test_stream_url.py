#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Copy stream URL, Open in another player and LAN sharing, through AT-SPI.

Run it with its own X server and D-Bus session (see meson.build):

    /usr/bin/python3 test_stream_url.py --own-display TORRENTSTREAM

A complete single-file torrent of a 2 s film made here (its file already in
the download folder, so no peer is involved) is opened from a second
launch. The test then checks:
- the row's "More actions" menu: Copy stream URL puts a working loopback URL
  on the clipboard (a byte range fetched with it equals the file's bytes; the
  same URL without its token gets 403);
- Open in another player launches the default app for video/mp4 (a fake one,
  registered in the private XDG dirs) with that http URL;
- the player page's "More actions" menu copies the same URL;
- LAN sharing turned on in Preferences: Copy now gives the LAN URL
  (http://192.0.2.10:PORT/...), which streams the same bytes and refuses
  requests without the token; turned off, the LAN port refuses connections
  and Copy gives the loopback URL again.

The LAN is a veth with the TEST-NET-1 address 192.0.2.10 in the private
network namespace of tests/lib/netns.sh: it reaches no real network. Since
LAN sharing is refused while TS_LOOPBACK_ONLY is set, the application runs
without it there, with DHT, LSD, UPnP and NAT-PMP off and a torrent with no
tracker: it has no peer to talk to. Without root or that namespace the
application keeps TS_LOOPBACK_ONLY=1 and the test checks that turning
sharing on is refused with a toast instead.
Screenshots go to $TS_ARTIFACTS_DIR/ui-stream-url.
"""

import errno
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsdesktop  # noqa: E402

if __name__ == "__main__" and sys.argv[1:2] == ["--own-display"]:
    sys.exit(tsdesktop.with_own_display(__file__, sys.argv[2:]))

import pyatspi  # noqa: E402  (not needed, nor usable, before the display)

from test_shell import (  # noqa: E402  (the AT-SPI helpers of the shell test)
    gui_test_main, TestFailure, app_env, do_action, find, find_app, find_button, find_menu_item, find_window,
    has_state, log, press, quit_with_sigterm, require, screenshot, stop, wait_for,
)

APP_NAMES = ("TorrentStream", "torrentstream")
NAME = "LAN Film.mp4"
LAN_ADDRESS = "192.0.2.10"
LAN_PORT = 8791   # TS_STREAM_SERVER_LAN_PORT
TSSWARM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "tsswarm.py")
PYTHON = "/usr/bin/python3"

# Reads the X clipboard with GTK 4 in a process of its own: the text, or
# exit status 1.
CLIPBOARD_READER = r"""
import sys
import gi
gi.require_version("Gdk", "4.0")
gi.require_version("Gtk", "4.0")
from gi.repository import Gdk, GLib, Gtk

Gtk.init()
clipboard = Gdk.Display.get_default().get_clipboard()
loop = GLib.MainLoop()
out = {}

def done(source, result):
    try:
        out["text"] = source.read_text_finish(result)
    except GLib.Error as e:
        out["error"] = e.message
    loop.quit()

clipboard.read_text_async(None, done)
GLib.timeout_add_seconds(10, loop.quit)
loop.run()
if out.get("text"):
    print(out["text"])
    sys.exit(0)
print(out.get("error", "no text on the clipboard"), file=sys.stderr)
sys.exit(1)
"""

# The "other player": records the arguments it was started with.
RECORDER = r"""
import json, sys
with open(sys.argv[1], "w") as f:
    json.dump(sys.argv[2:], f)
"""


def clipboard_text():
    result = subprocess.run([PYTHON, "-c", CLIPBOARD_READER], capture_output=True, text=True,
                            timeout=30)
    return result.stdout.strip() if result.returncode == 0 else None


def fetch(url, byte_range=None):
    """(status, body) of a GET, straight (no proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url)
    if byte_range:
        request.add_header("Range", byte_range)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def check_url(url, source, host_port):
    """@url streams @source's bytes with its token and nothing without."""
    match = re.fullmatch(r"http://([^/]+)/([0-9a-f]{32})/([0-9a-f]{40})/0/(.+)", url)
    if match is None or match.group(1) != host_port:
        raise TestFailure(f"“{url}” is not a stream URL on {host_port}")
    if urllib.request.unquote(match.group(4)) != NAME:
        raise TestFailure(f"“{url}” does not end in the file's name")
    with open(source, "rb") as f:
        data = f.read()
    start, end = len(data) // 3, len(data) // 3 + len(data) // 4
    status, body = fetch(url, f"bytes={start}-{end - 1}")
    if status != 206 or body != data[start:end]:
        raise TestFailure(f"bytes {start}-{end - 1} of {url} gave {status} and {len(body)} "
                          f"bytes that {'match' if body == data[start:end] else 'differ'}")
    status, body = fetch(url)
    if status != 200 or body != data:
        raise TestFailure(f"{url} gave {status} and {len(body)} of {len(data)} bytes")
    without_token = url.replace(match.group(2) + "/", "")
    status, _ = fetch(without_token)
    if status != 403:
        raise TestFailure(f"{without_token} (no token) gave {status}, not 403")
    wrong_token = url.replace(match.group(2), "0" * 32)
    status, _ = fetch(wrong_token)
    if status != 403:
        raise TestFailure(f"{wrong_token} (a wrong token) gave {status}, not 403")


def refused(host, port):
    try:
        with socket.create_connection((host, port), timeout=5):
            return False
    except OSError as e:
        return e.errno == errno.ECONNREFUSED


def make_test_lan():
    """A veth with 192.0.2.10 in a private, empty network namespace: None,
    or why that cannot be done here."""
    if os.getuid() != 0:
        return "not root"
    if os.environ.get("TS_IN_NETNS") != "1":
        return "not in the private network namespace of tests/lib/netns.sh"
    # Never add an address where real interfaces are (netlink, not sysfs,
    # which shows the namespace it was mounted in).
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        return f"the network namespace is not private: {names}"
    for args in (["link", "add", "ts0", "type", "veth", "peer", "name", "ts1"],
                 ["addr", "add", LAN_ADDRESS + "/24", "dev", "ts0"],
                 ["link", "set", "ts0", "up"], ["link", "set", "ts1", "up"]):
        result = subprocess.run(["ip"] + args, capture_output=True, text=True, timeout=10)
        if result.returncode != 0:
            if args[0] == "link" and args[1] == "add":
                return f"no veth: {result.stderr.strip()}"
            raise TestFailure(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return None


def make_complete_torrent(downloads, workdir):
    """A 2 s film in the download folder and its torrent (no tracker)."""
    subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", "pattern=ball", "num-buffers=20", "!",
                    "video/x-raw,width=320,height=180,framerate=10/1", "!",
                    "x264enc", "speed-preset=ultrafast", "key-int-max=10", "!", "h264parse", "!",
                    "mp4mux", "!", "filesink", "location=" + os.path.join(downloads, NAME)],
                   check=True, timeout=120)
    torrent = os.path.join(workdir, "lan-film.torrent")
    out = subprocess.run([PYTHON, TSSWARM, "torrent", downloads, NAME, torrent],
                         check=True, timeout=60, capture_output=True, text=True).stdout
    return torrent, json.loads(out.strip().splitlines()[-1])["info_hash"]


def register_fake_player(workdir, record):
    """The default app for video/mp4 in the private XDG dirs."""
    recorder = os.path.join(workdir, "recorder.py")
    with open(recorder, "w") as f:
        f.write(RECORDER)
    applications = os.path.join(os.environ["XDG_DATA_HOME"], "applications")
    os.makedirs(applications, exist_ok=True)
    with open(os.path.join(applications, "ts-test-player.desktop"), "w") as f:
        f.write("[Desktop Entry]\nType=Application\nName=Test Player\nNoDisplay=true\n"
                f"Exec={PYTHON} {recorder} {record} %U\nMimeType=video/mp4;\n")
    with open(os.path.join(os.environ["XDG_CONFIG_HOME"], "mimeapps.list"), "w") as f:
        f.write("[Default Applications]\nvideo/mp4=ts-test-player.desktop\n")


def menu_action(root, button_name, item_name, artifacts=None, shot=None):
    """Opens the menu of @button_name and activates @item_name in it."""
    press(require(root, "push button", button_name))
    item = wait_for(lambda: find_menu_item(root, item_name), f"“{item_name}” in the menu")
    if shot:
        time.sleep(0.4)
        screenshot(artifacts, shot)
    press(item)
    wait_for(lambda: not has_state(item, pyatspi.STATE_SHOWING), "the menu to close")


def copy_url(root, button_name, previous=None, artifacts=None, shot=None):
    # Something else on the clipboard first, so a stale URL cannot pass.
    holder = tsdesktop.Clipboard("nothing yet")
    holder.stop()
    menu_action(root, button_name, "Copy stream URL", artifacts, shot)
    require(root, "label", "Stream URL copied", "the “Stream URL copied” toast")
    url = wait_for(lambda: (lambda t: t if t and t.startswith("http") and t != previous
                            else None)(clipboard_text()),
                   "a URL on the clipboard")
    log(f"copied: {url}")
    return url


def open_preferences_page(root, env):
    subprocess.run(["/usr/bin/gdbus", "call", "--session", "--dest", "org.example.TorrentStream",
                    "--object-path", "/org/example/TorrentStream",
                    "--method", "org.gtk.Actions.Activate", "preferences", "[]", "{}"],
                   check=True, timeout=30, stdout=subprocess.DEVNULL)
    prefs = wait_for(lambda: find_window(root, "Preferences"), "the Preferences window")
    tab = require(prefs, "page tab", "Streaming")
    press(tab)
    wait_for(lambda: has_state(tab, pyatspi.STATE_PRESSED), "the Streaming page")
    time.sleep(0.4)
    return prefs


def close_preferences(prefs):
    do_action(prefs, "window.close")
    wait_for(lambda: not has_state(prefs, pyatspi.STATE_VISIBLE), "Preferences to close")


def run(binary, artifacts, workdir):
    downloads = os.path.join(workdir, "downloads")
    os.makedirs(downloads)
    torrent, info_hash = make_complete_torrent(downloads, workdir)
    source = os.path.join(downloads, NAME)
    record = os.path.join(workdir, "launched.json")
    register_fake_player(workdir, record)

    no_lan = make_test_lan()
    env = app_env()
    env["GSETTINGS_BACKEND"] = "keyfile"
    tsdesktop.write_settings({
        "download-folder": tsdesktop.gvariant_string(downloads),
        "enable-dht": "false", "enable-lsd": "false", "enable-upnp": "false",
        "enable-natpmp": "false", "listen-port": "0",
    })
    if no_lan is None:
        # See the docstring: the namespace holds nothing but lo and the
        # TEST-NET-1 veth.
        env.pop("TS_LOOPBACK_ONLY", None)
        log(f"LAN: {LAN_ADDRESS} on a veth in a private network namespace")
    else:
        log(f"no test LAN ({no_lan}): checking that sharing is refused under TS_LOOPBACK_ONLY")

    app = desktop = None
    app_log = open(os.path.join(artifacts, "torrentstream.log"), "w")
    try:
        # The finished download announces itself: somebody must listen.
        desktop = tsdesktop.FakeDesktop(workdir)
        app = subprocess.Popen([binary], env=env, stdout=app_log, stderr=subprocess.STDOUT)
        root = wait_for(lambda: find_app(APP_NAMES, app.pid), "the application on the accessibility bus")
        wait_for(lambda: app.poll() is None and find(root, "frame", "TorrentStream"), "the main window")

        # Sharing is off: nothing on the LAN address.
        if no_lan is None and not refused(LAN_ADDRESS, LAN_PORT):
            raise TestFailure("something listens on the LAN with sharing off")

        subprocess.run([binary, torrent], env=env, stdout=app_log, stderr=subprocess.STDOUT,
                       timeout=30, check=True)
        # The file is there already: the download checks it and is complete.
        choice = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            choice = find_window(root, "Choose Files")
            if choice is not None or find(root, "push button", f"Play {NAME}") is not None:
                break
            time.sleep(0.2)
        if choice is not None:
            press(find_button(choice, "Download"))
            time.sleep(1)
        require(root, "label", "Seeding", "the download to be complete (its file was there)")

        # The row's menu: Copy stream URL gives a working loopback URL.
        more = f"More actions for {NAME}"
        url = copy_url(root, more, artifacts=artifacts, shot="01-row-menu")
        match = re.match(r"http://127\.0\.0\.1:(\d+)/", url)
        if match is None or info_hash not in url:
            raise TestFailure(f"“{url}” is not this torrent's loopback URL")
        check_url(url, source, f"127.0.0.1:{match.group(1)}")
        time.sleep(0.3)
        screenshot(artifacts, "02-copied")

        # Open in another player: the default video/mp4 app gets the URL.
        menu_action(root, more, "Open in another player")
        launched = wait_for(lambda: os.path.exists(record) and json.load(open(record)),
                            "the other player to be started")
        if launched != [url]:
            raise TestFailure(f"the other player was started with {launched}, not [{url}]")

        # The player page's menu: the same URL.
        press(require(root, "push button", f"Play {NAME}"))
        require(root, "push button", "Back", "the player page")
        # The film lasts 2 s; at its end the controls stay up.
        require(root, "push button", "Play", "the film to end")
        player_url = copy_url(root, "More actions", artifacts=artifacts, shot="03-player-menu")
        if player_url != url:
            raise TestFailure(f"the player copied {player_url}, the row {url}")
        # Open in another player from the player page.
        os.remove(record)
        menu_action(root, "More actions", "Open in another player")
        wait_for(lambda: os.path.exists(record) and json.load(open(record)) == [url],
                 "the other player to be started from the player page")
        press(require(root, "push button", "Back"))
        require(root, "push button", more, "the downloads again")

        # LAN sharing on in Preferences.
        prefs = open_preferences_page(root, env)
        switch = require(prefs, "check box", "Share on the Home Network")
        do_action(switch, "toggle")
        wait_for(lambda: has_state(switch, pyatspi.STATE_CHECKED), "the switch to turn on")
        time.sleep(0.4)
        screenshot(artifacts, "04-sharing-on")
        close_preferences(prefs)

        if no_lan is not None:
            require(root, "label",
                    "Streams cannot be shared on the local network while only loopback "
                    "addresses may be used (TS_LOOPBACK_ONLY is set)",
                    "a toast saying why sharing is off")
            screenshot(artifacts, "05-sharing-refused")
            again = copy_url(root, more)
            if again != url:
                raise TestFailure(f"with sharing refused Copy gave {again}, not {url}")
        else:
            lan_url = copy_url(root, more)
            check_url(lan_url, source, f"{LAN_ADDRESS}:{LAN_PORT}")
            if lan_url.split("/", 3)[3] != url.split("/", 3)[3]:
                raise TestFailure(f"the LAN URL {lan_url} is not the loopback one's path")
            screenshot(artifacts, "05-lan-url-copied")

            # Off again: the LAN port refuses, Copy gives loopback.
            prefs = open_preferences_page(root, env)
            switch = require(prefs, "check box", "Share on the Home Network")
            do_action(switch, "toggle")
            wait_for(lambda: not has_state(switch, pyatspi.STATE_CHECKED), "the switch to turn off")
            wait_for(lambda: refused(LAN_ADDRESS, LAN_PORT), "the LAN listener to close", timeout=5)
            close_preferences(prefs)
            again = copy_url(root, more, previous=lan_url)
            if again != url:
                raise TestFailure(f"with sharing off Copy gave {again}, not {url}")
            check_url(url, source, f"127.0.0.1:{match.group(1)}")

        quit_with_sigterm(app)
    except TestFailure:
        try:
            screenshot(artifacts, "failure")
        except Exception as e:  # the failure matters more than its picture
            log(f"no screenshot of the failure: {e}")
        raise
    finally:
        stop(app, "torrentstream")
        if desktop is not None:
            desktop.stop()
        app_log.close()

    with open(os.path.join(artifacts, "torrentstream.log")) as f:
        problems = [line for line in f if "-CRITICAL **" in line or "-WARNING **" in line]
    if problems:
        raise TestFailure(f"torrentstream logged warnings: {problems}")


def main():
    return gui_test_main(run, "ui-stream-url")


if __name__ == "__main__":
    sys.exit(main())
