#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Opening torrents, driven through AT-SPI and real key presses.

Run it with its own X server and D-Bus session (see meson.build):

    /usr/bin/python3 test_open.py --own-display TORRENTSTREAM

When run as root, the test moves into a private mount namespace (unshare -m)
and downloads into a 16 MiB tmpfs there, which vanishes with it; otherwise
the application is told the free space through TS_TEST_FREE_SPACE.

Against a python3-libtorrent seeder on 127.0.0.1, with the application
running, it checks that:
- a malformed magnet link and an invalid .torrent file from a second launch
  are refused with a message that says why, and change nothing;
- a torrent too big for the free space is refused with a message naming both
  sizes, and changes nothing (no row, no file, nothing saved);
- a multi-file torrent too big with its default choice asks for the files,
  says what does not fit with Download off, and Cancel changes nothing;
- a magnet link from a second launch asks which files to fetch once its
  metadata has arrived, and downloads the choice;
- a .torrent from a second launch is added without questions;
- Ctrl+V in the window adds the magnet link on the clipboard, but not while
  a text field has the focus (it pastes there);
- Ctrl+O opens the Open Torrent dialog, which adds the file chosen;
- a download that fails shows the error in its row and sends a "Download
  Failed" notification.
Screenshots go to $TS_ARTIFACTS_DIR/ui-open.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsdesktop  # noqa: E402

if __name__ == "__main__" and sys.argv[1:2] == ["--own-display"]:
    sys.exit(tsdesktop.with_own_display(__file__, sys.argv[2:]))

# As root, into a private mount namespace for the tmpfs: it goes away with
# the test, mounted or not, and nobody else sees it. Before anything talks
# to the display or the accessibility bus.
if __name__ == "__main__" and os.geteuid() == 0 and \
   os.environ.get("TS_OPEN_IN_MOUNTNS") is None and shutil.which("unshare") and \
   subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0:
    os.environ["TS_OPEN_IN_MOUNTNS"] = "1"
    os.execv(shutil.which("unshare"), ["unshare", "-m", "--propagation", "private",
                                       tsdesktop.PYTHON, os.path.abspath(__file__)] + sys.argv[1:])

import pyatspi  # noqa: E402  (not needed, nor usable, before the display)

from test_shell import (  # noqa: E402  (the AT-SPI helpers of the shell test)
    gui_test_main, TestFailure, app_env, find, find_all, find_app, find_button, find_window, log,
    page_tab_pressed, press, quit_with_sigterm, require, screenshot, stop, wait_for,
)

APP_NAMES = ("TorrentStream", "torrentstream")
MIB = 1024 * 1024
SMALL_DISK = 16 * MIB
# X keycodes of Xvfb's default (evdev) keymap.
KEYCODES = {"Control": 37, "v": 55, "o": 32, "l": 46, "Return": 36, "Escape": 9}


def keys(*names):
    """Presses a key with modifiers, e.g. keys("Control", "v")."""
    registry = pyatspi.Registry
    *modifiers, key = names
    for name in modifiers:
        registry.generateKeyboardEvent(KEYCODES[name], None, pyatspi.KEY_PRESS)
    registry.generateKeyboardEvent(KEYCODES[key], None, pyatspi.KEY_PRESSRELEASE)
    for name in reversed(modifiers):
        registry.generateKeyboardEvent(KEYCODES[name], None, pyatspi.KEY_RELEASE)
    time.sleep(0.3)


def window_origin(title):
    """Where the largest X window called @title is (GTK also names a 1×1
    leader window after the application)."""
    out = subprocess.run(["/usr/bin/xwininfo", "-root", "-tree"], capture_output=True,
                         text=True, timeout=10)
    best = None
    for line in out.stdout.splitlines():
        m = re.search(r'"(.*)": \(.*\)\s+(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)', line)
        if m and m.group(1) == title:
            area = int(m.group(2)) * int(m.group(3))
            if best is None or area > best[0]:
                best = (area, int(m.group(4)), int(m.group(5)))
    if best is None or best[0] <= 1:
        raise TestFailure(f"no X window called “{title}”")
    return best[1], best[2]


def click(node, window_title):
    """A real pointer click in the middle of @node (GTK 4 gives extents
    relative to its window; xwininfo says where the window is)."""
    ox, oy = window_origin(window_title)
    nx, ny, width, height = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    pyatspi.Registry.generateMouseEvent(ox + nx + width // 2, oy + ny + height // 2, "b1c")
    time.sleep(0.3)


def text_of(node):
    text = node.queryText()
    return text.getText(0, text.characterCount)


def state_dir():
    return os.path.join(os.environ["XDG_DATA_HOME"], "torrentstream")


def saved_list():
    path = os.path.join(state_dir(), "torrents.list")
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def rows(root):
    return sorted(node.name[len("Remove "):] for node in find_all(root, "push button")
                  if node.name.startswith("Remove "))


def expect_toast(root, prefix, what):
    toast = wait_for(lambda: next((n for n in find_all(root, "label")
                                   if n.name.startswith(prefix)), None), what)
    log(f"toast: {toast.name}")
    return toast.name


def toplevel_containing(root, label, required=True):
    """The window of the application that shows @label (AdwMessageDialog
    has no title of its own)."""
    for window in root:
        try:
            if window is not None and find(window, "label", label) is not None:
                return window
        except Exception:
            continue
    if required:
        raise TestFailure(f"no window shows “{label}”")
    return None


def second_launch(binary, env, app_log, *args):
    result = subprocess.run([binary] + list(args), env=env, stdout=app_log,
                            stderr=subprocess.STDOUT, timeout=30)
    if result.returncode != 0:
        raise TestFailure(f"the second launch with {args} exited with {result.returncode}")


def make_no_seed(workdir, *args):
    """Content and a .torrent only (nobody seeds it)."""
    out = subprocess.run([tsdesktop.PYTHON, tsdesktop.TSSWARM, "swarm", "--workdir", workdir,
                          "--no-seed"] + list(args), capture_output=True, text=True,
                         timeout=120, check=True)
    import json
    return json.loads(out.stdout.splitlines()[0])


def mount_small_disk(folder):
    """A 16 MiB tmpfs in our private mount namespace; False if not possible."""
    if os.environ.get("TS_OPEN_IN_MOUNTNS") != "1":
        return False
    result = subprocess.run(["/usr/bin/mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK}",
                             "ts-test-small", folder], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        log(f"no tmpfs ({result.stderr.strip()}): using TS_TEST_FREE_SPACE instead")
        return False
    return True


def run(binary, artifacts, workdir):
    downloads = os.path.join(workdir, "downloads")
    os.makedirs(downloads)
    real_disk = mount_small_disk(downloads)
    log(f"downloads in {'a 16 MiB tmpfs' if real_disk else 'a folder, free space faked'}")

    port = tsdesktop.free_port()
    tsdesktop.write_settings({"download-folder": tsdesktop.gvariant_string(downloads)})
    env = app_env()
    env["GSETTINGS_BACKEND"] = "keyfile"
    env["TS_LISTEN_PORT"] = str(port)
    if not real_disk:
        env["TS_TEST_FREE_SPACE"] = str(SMALL_DISK)

    swarm = app = clipboard = desktop = None
    app_log = open(os.path.join(artifacts, "torrentstream.log"), "w")
    try:
        # Seeded: a 12 MiB multi-file film and four small single files; at a
        # real network's pace, so that what arrives before the file choice
        # takes effect is little.
        swarm = tsdesktop.Swarm(os.path.join(workdir, "swarm"), "--layout", "multi",
                                "--size-mib", "12", "--extra-torrents", "4", "--tracker",
                                "--rate", "2000000")
        film, *extras = swarm.info["torrents"]
        # Too big for the disk, seeded by nobody.
        big = make_no_seed(os.path.join(workdir, "big"), "--layout", "single",
                           "--size-mib", "24", "--name", "Too Big.mkv", "--seed", "7")
        big_multi = make_no_seed(os.path.join(workdir, "bigmulti"), "--layout", "multi",
                                 "--size-mib", "30", "--name", "Big Film", "--seed", "8")
        bad = os.path.join(workdir, "not a torrent.torrent")
        with open(bad, "wb") as f:
            f.write(b"d8:announce this is not bencoded at all")

        # A notification server, as in a desktop session (downloads finish).
        desktop = tsdesktop.FakeDesktop(workdir)
        app = subprocess.Popen([binary], env=env, stdout=app_log, stderr=subprocess.STDOUT)
        root = wait_for(lambda: find_app(APP_NAMES, app.pid), "the application on the bus")
        wait_for(lambda: app.poll() is None and find(root, "frame", "TorrentStream"),
                 "the main window")
        time.sleep(1)
        list_before = saved_list()

        # Refused, with the reason, and nothing changes.
        second_launch(binary, env, app_log, "magnet:?xt=urn:btih:this-is-no-hash")
        expect_toast(root, "Could not add “magnet:?xt=urn:btih:this-is-no-hash”: ",
                     "a toast about the malformed magnet link")
        second_launch(binary, env, app_log, bad)
        expect_toast(root, f"Could not add “{bad}”: ", "a toast about the invalid file")
        screenshot(artifacts, "01-invalid-file")

        second_launch(binary, env, app_log, big["torrent"])
        message = expect_toast(root, "Not enough free space for “Too Big.mkv”: ",
                               "a dialog about the free space")
        # g_format_size() puts a no-break space before the unit.
        if "25.2\u00a0MB" not in message or f"“{downloads}”" not in message:
            raise TestFailure(f"the message does not give the size and the folder: {message}")
        screenshot(artifacts, "02-no-space")
        dialog = toplevel_containing(root, "Torrent Not Added")
        press(find_button(dialog, "Close"))
        wait_for(lambda: toplevel_containing(root, "Torrent Not Added", required=False) is None,
                 "the dialog to close")
        time.sleep(1)
        if rows(root):
            raise TestFailure(f"refused torrents left rows: {rows(root)}")
        if saved_list() != list_before or big["info_hash"] in saved_list():
            raise TestFailure("a refused torrent was saved")
        if tsdesktop.files_below(downloads):
            raise TestFailure(f"a refused torrent left files: {tsdesktop.files_below(downloads)}")

        # Multi-file and too big: the dialog says so, Download is off, and
        # Cancel leaves nothing.
        second_launch(binary, env, app_log, big_multi["torrent"])
        dialog = wait_for(lambda: find_window(root, "Choose Files"), "the file choice dialog")
        require(dialog, "label", "Big Film")
        wait_for(lambda: next((n for n in find_all(dialog, "label")
                               if n.name.startswith("Not enough free space: ")), None),
                 "the dialog to say the choice does not fit")
        download = find_button(dialog, "Download")
        if download.getState().contains(pyatspi.STATE_SENSITIVE):
            raise TestFailure("Download is on although the choice does not fit")
        screenshot(artifacts, "03-no-space-dialog")
        press(find_button(dialog, "Cancel"))
        wait_for(lambda: find_window(root, "Choose Files") is None, "the dialog to close")
        time.sleep(1.5)
        if rows(root) or big_multi["info_hash"] in saved_list():
            raise TestFailure("a cancelled torrent stayed")
        if tsdesktop.files_below(downloads):
            raise TestFailure(f"a cancelled torrent left files: {tsdesktop.files_below(downloads)}")

        # A magnet link from another application: the files are asked for
        # once the metadata came from the seeder.
        second_launch(binary, env, app_log, film["magnet"])
        dialog = wait_for(lambda: find_window(root, "Choose Files"),
                          "the file choice once the metadata arrived")
        require(dialog, "label", "Test Film 1")
        trailer = require(dialog, "check box", "Test Film 1/extras/trailer.mkv")
        if trailer.getState().contains(pyatspi.STATE_CHECKED):
            raise TestFailure("the trailer is chosen at first")
        press(find_button(dialog, "Download"))
        require(root, "push button", "Remove Test Film 1", "the magnet's row")
        require(root, "label", "Seeding", "the chosen files to download")
        for path in ("Test Film 1/film.mp4", "Test Film 1/film.srt"):
            if not tsdesktop.same_bytes(swarm.source(path), os.path.join(downloads, path)):
                raise TestFailure(f"{path} differs from the seeder's")
        trailer_path = os.path.join(downloads, "Test Film 1/extras/trailer.mkv")
        if os.path.exists(trailer_path):
            # libtorrent may make the file at its full size, sparse: count
            # what is really stored.
            stored = os.stat(trailer_path).st_blocks * 512
            log(f"trailer.mkv: {stored} bytes stored (pieces shared with chosen files)")
            if stored > 1 * MIB:
                raise TestFailure(f"the trailer, left out, was downloaded ({stored} bytes)")

        # A .torrent from a second launch: no question for one file.
        second_launch(binary, env, app_log, extras[0]["torrent"])
        require(root, "push button", f"Remove {extras[0]['name']}", "the .torrent's row")
        if find_window(root, "Choose Files") is not None:
            raise TestFailure("a single-file torrent asked which files to fetch")

        # Ctrl+V pastes a magnet link into the window...
        clipboard = tsdesktop.Clipboard(extras[1]["magnet"])
        keys("Control", "v")
        require(root, "push button", f"Remove {extras[1]['name']}", "the pasted magnet's row")
        clipboard.stop()

        # ...but into a text field that has the focus.
        clipboard = tsdesktop.Clipboard(extras[2]["magnet"])
        press(find(root, "page tab", "Browse"))
        wait_for(lambda: page_tab_pressed(root, "Browse"), "the Browse page")
        time.sleep(1)
        entry = wait_for(lambda: next((n for n in find_all(root, "entry")
                                       if n.getState().contains(pyatspi.STATE_EDITABLE)), None),
                         "a text field (the search) on the Browse page")
        # Its inner text widget takes the focus, which AT-SPI does not show
        # on the entry: the pasted text tells.
        click(entry, "TorrentStream")
        time.sleep(0.5)
        keys("Control", "v")
        wait_for(lambda: "magnet:" in text_of(entry), "the magnet link in the text field")
        time.sleep(2)
        if f"Remove {extras[2]['name']}" in [f"Remove {r}" for r in rows(root)]:
            raise TestFailure("Ctrl+V in a text field added the torrent")
        entry.queryEditableText().setTextContents("")
        clipboard.stop()
        clipboard = None

        # Ctrl+O: the Open Torrent dialog.
        press(find(root, "page tab", "Downloads"))
        keys("Control", "o")
        chooser = wait_for(lambda: next((w for w in root if w is not None and
                                         w.name == "Open Torrent"), None),
                           "the Open Torrent dialog")
        screenshot(artifacts, "04-open-dialog")
        keys("Control", "l")
        location = wait_for(lambda: next((n for n in find_all(chooser, "text")
                                          if n.getState().contains(pyatspi.STATE_EDITABLE)), None),
                            "the location field")
        location.queryEditableText().setTextContents(extras[3]["torrent"])
        time.sleep(0.5)
        keys("Return")
        require(root, "push button", f"Remove {extras[3]['name']}", "the row of the opened file")
        time.sleep(1)
        screenshot(artifacts, "05-opened")

        # A download that fails (a folder is in the way of its file): the
        # row says why, and so does a desktop notification.
        os.makedirs(os.path.join(downloads, extras[2]["name"], "in the way"))
        second_launch(binary, env, app_log, extras[2]["magnet"])
        require(root, "push button", f"Remove {extras[2]['name']}", "the failing torrent's row")
        state = wait_for(lambda: next((n.name for n in find_all(root, "label")
                                       if n.name.startswith("Error: ")), None),
                         "the row to show the error")
        log(f"error state: {state}")

        def failed_notification():
            for call in desktop.calls("AddNotification"):
                _app_id, notification_id, notification = call["args"]
                if notification_id == f"error-{extras[2]['info_hash']}":
                    return notification
            return None

        notification = wait_for(failed_notification, "the “Download Failed” notification")
        log(f"notification: {notification}")
        if notification.get("title") != "Download Failed" or \
           extras[2]["name"] not in notification.get("body", "") or \
           notification.get("default-action") != "app.show-downloads":
            raise TestFailure(f"unexpected notification {notification}")
        screenshot(artifacts, "06-failed")

        found = rows(root)
        want = sorted(["Test Film 1"] + [extras[i]["name"] for i in (0, 1, 2, 3)])
        if found != want:
            raise TestFailure(f"rows {found}, expected {want}")

        quit_with_sigterm(app)
        for hash_ in (film["info_hash"], extras[0]["info_hash"], extras[1]["info_hash"],
                      extras[2]["info_hash"], extras[3]["info_hash"]):
            if hash_ not in saved_list():
                raise TestFailure(f"{hash_} was not saved")
        for hash_ in (big["info_hash"], big_multi["info_hash"]):
            if hash_ in saved_list():
                raise TestFailure(f"{hash_} was saved although it was not added")
    except TestFailure:
        try:
            screenshot(artifacts, "failure")
        except Exception as e:  # the failure matters more than its picture
            log(f"no screenshot of the failure: {e}")
        raise
    finally:
        stop(app, "torrentstream")
        for helper in (clipboard, desktop, swarm):
            if helper is not None:
                helper.stop()
        app_log.close()
        if real_disk:
            subprocess.run(["/usr/bin/umount", downloads], timeout=30)

    with open(os.path.join(artifacts, "torrentstream.log")) as f:
        problems = [line for line in f if "-CRITICAL **" in line or "-WARNING **" in line]
    if problems:
        raise TestFailure(f"torrentstream logged warnings: {problems}")


def main():
    return gui_test_main(run, "ui-open")


if __name__ == "__main__":
    sys.exit(main())
