#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Downloads page against a real local swarm, driven through AT-SPI.

Run it with its own X server and D-Bus session (see meson.build):

    /usr/bin/python3 test_downloads.py --own-display TORRENTSTREAM

A python3-libtorrent seeder on 127.0.0.1 serves a multi-file torrent at a
limited rate. The library is given a link from that torrent to a catalog
film beforehand (title, year, a poster served on 127.0.0.1) and a playback
position. The test opens the torrent from a second launch, takes the default
file choice (the film and its subtitles), and checks that:
- the row appears with the film's title, and its progress and rates change
  with no user action;
- Pause stops it (the progress stands still), Resume starts it again, and
  Pause All / Resume All do the same for all;
- Delete on a focused control of the row asks to remove it (keyboard);
- the finished download announces itself (GNotification with a Play button
  for app.play-torrent), its files equal the seeder's, and Open Folder asks
  the file manager to show the torrent's folder (org.freedesktop.FileManager1);
- after kill -9 and a restart, the download and the library (link, position,
  preloaded flag) are intact;
- Remove with "Delete files" deletes exactly the torrent's files.
Screenshots go to $TS_ARTIFACTS_DIR/ui-downloads.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import http.server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsdesktop  # noqa: E402

if __name__ == "__main__" and sys.argv[1:2] == ["--own-display"]:
    sys.exit(tsdesktop.with_own_display(__file__, sys.argv[2:]))

import pyatspi  # noqa: E402  (not needed, nor usable, before the display)

from test_shell import (  # noqa: E402  (the AT-SPI helpers of the shell test)
    gui_test_main, TestFailure, app_env, find, find_all, find_app, find_button, find_window, log, press,
    quit_with_sigterm, require, screenshot, stop, wait_for,
)

APP_NAMES = ("TorrentStream", "torrentstream")
FILM = "Night of the Living Dead"
SEC = 1000000000
KEYCODES = {"Delete": 119, "Escape": 9, "Tab": 23}


def key(name):
    pyatspi.Registry.generateKeyboardEvent(KEYCODES[name], None, pyatspi.KEY_PRESSRELEASE)
    time.sleep(0.3)


class PosterServer:
    """One PNG on 127.0.0.1, for the film's poster."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "poster.png")
        subprocess.run(["/usr/bin/convert", "-size", "200x300", "gradient:#1c3f6e-#e8a33d",
                        "-fill", "white", "-pointsize", "28", "-gravity", "center",
                        "-annotate", "0", "NIGHT", self.path], check=True, timeout=30)
        handler = http.server.SimpleHTTPRequestHandler
        directory = folder

        class Handler(handler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=directory, **kwargs)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/poster.png"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def library_path():
    return os.path.join(os.environ["XDG_DATA_HOME"], "torrentstream", "library.json")


def write_library(info_hash, poster_url):
    os.makedirs(os.path.dirname(library_path()), exist_ok=True)
    now = int(time.time())
    library = {"version": 1, "items": [{
        "info-hash": info_hash, "title": FILM, "year": 1968, "poster-url": poster_url,
        "provider-id": "archive", "movie-id": "night_of_the_living_dead",
        "preloaded": False, "watched": False, "last-file": 0, "last-played": now - 60,
        "added": now - 3600,
        "files": [{"index": 0, "position": 600 * SEC, "duration": 5760 * SEC}],
    }]}
    with open(library_path(), "w") as f:
        json.dump(library, f)


def read_library_item(info_hash):
    with open(library_path()) as f:
        library = json.load(f)
    for item in library["items"]:
        if item["info-hash"] == info_hash:
            return item
    return None


def progress_of(root):
    bar = find(root, "progress bar", f"Progress of {FILM}")
    return bar.queryValue().currentValue if bar is not None else None


def label_starting(root, prefix):
    for node in find_all(root, "label"):
        try:
            if node.name.startswith(prefix):
                return node.name
        except Exception:
            continue
    return None


def start_app(binary, env, app_log):
    app = subprocess.Popen([binary], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    root = wait_for(lambda: find_app(APP_NAMES, app.pid), "the application on the accessibility bus")
    wait_for(lambda: app.poll() is None and find(root, "frame", "TorrentStream"), "the main window")
    return app, root


def check_files_match(swarm, downloads, paths):
    for path in paths:
        got = os.path.join(downloads, path)
        if not os.path.exists(got):
            raise TestFailure(f"{path} was not downloaded")
        if not tsdesktop.same_bytes(swarm.source(path), got):
            raise TestFailure(f"{path} differs from the seeder's copy")


def run(binary, artifacts, workdir):
    downloads = os.path.join(workdir, "downloads")
    os.makedirs(os.path.join(downloads, "Another Film"))
    # What is in the folder before: the torrent's removal must leave it.
    sentinels = {"keep-me.txt", os.path.join("Another Film", "another.mkv")}
    for name in sentinels:
        with open(os.path.join(downloads, name), "wb") as f:
            f.write(os.urandom(4096))

    # A known port (TS_LOOPBACK_ONLY listens on 127.0.0.1:TS_LISTEN_PORT),
    # so the seeder can dial us after a pause: libtorrent 2.0.8 does not get
    # back to a loopback peer that came from the tracker.
    port = tsdesktop.free_port()
    tsdesktop.write_settings({
        "download-folder": tsdesktop.gvariant_string(downloads),
    })
    env = app_env()
    env["GSETTINGS_BACKEND"] = "keyfile"
    env["TS_LISTEN_PORT"] = str(port)

    swarm = desktop = poster = app = None
    app_log = open(os.path.join(artifacts, "torrentstream.log"), "w")
    try:
        # About 22 MB wanted at 1.5 MB/s: several status updates to watch.
        swarm = tsdesktop.Swarm(os.path.join(workdir, "swarm"), "--layout", "multi",
                                "--size-mib", "32", "--rate", "1500000", "--tracker")
        info_hash = swarm.info["info_hash"]
        poster = PosterServer(workdir)
        write_library(info_hash, poster.url)
        desktop = tsdesktop.FakeDesktop(workdir)

        log(f"starting {binary}")
        app, root = start_app(binary, env, app_log)

        # Opened from a second launch: the multi-file torrent asks which
        # files to fetch, the film and its subtitles picked.
        subprocess.run([binary, swarm.info["torrent"]], env=env, stdout=app_log,
                       stderr=subprocess.STDOUT, timeout=30, check=True)
        dialog = wait_for(lambda: find_window(root, "Choose Files"), "the file choice dialog")
        expected = {
            "Test Film 1/film.mp4": True, "Test Film 1/film.srt": True,
            "Test Film 1/extras/notes.txt": False, "Test Film 1/extras/trailer.mkv": False,
        }
        for path, checked in expected.items():
            box = require(dialog, "check box", path, f"a check box for {path}")
            if box.getState().contains(pyatspi.STATE_CHECKED) != checked:
                raise TestFailure(f"{path} should {'' if checked else 'not '}be chosen at first")
        time.sleep(0.5)
        screenshot(artifacts, "01-choose-files")
        press(find_button(dialog, "Download"))

        # The row: the catalog film's title, through the library link.
        pause = require(root, "push button", f"Pause {FILM}", "the row, named after the film")
        require(root, "push button", f"Play {FILM}")
        require(root, "push button", f"Open the folder of {FILM}")
        require(root, "push button", f"Remove {FILM}")
        require(root, "label", FILM)
        require(root, "label", "1968 · Test Film 1", "the film's year and the torrent's name")
        require(root, "label", "1 download")

        # Progress and rates move by themselves.
        seen = set()
        rates = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (len(seen) < 3 or len(rates) < 2):
            value = progress_of(root)
            if value is not None and 0 < value < 1:
                seen.add(round(value, 4))
            rate = label_starting(root, "↓ ")
            if rate:
                rates.add(rate)
            time.sleep(0.3)
        log(f"progress values seen: {sorted(seen)}; rate texts: {len(rates)}")
        if len(seen) < 3:
            raise TestFailure(f"the progress did not move by itself: {sorted(seen)}")
        if len(rates) < 2:
            raise TestFailure("the rates did not change by themselves")
        if not label_starting(root, "Downloading"):
            raise TestFailure("the row does not say Downloading")
        screenshot(artifacts, "02-downloading")

        # Pause: it stands still.
        press(pause)
        require(root, "label", "Paused", "the row to say Paused")
        resume = require(root, "push button", f"Resume {FILM}")
        time.sleep(2.5)
        before = progress_of(root)
        time.sleep(3)
        after = progress_of(root)
        if before != after:
            raise TestFailure(f"the progress moved while paused ({before} → {after})")
        wait_for(lambda: find_button(root, "Resume All"), "Resume All while everything is paused")
        screenshot(artifacts, "03-paused")

        # Resume: it moves again.
        press(resume)
        require(root, "push button", f"Pause {FILM}", "Resume to take")
        swarm.command(f"connect 127.0.0.1:{port}")
        wait_for(lambda: (progress_of(root) or 0) > after, "the download to go on after Resume")
        pause = require(root, "push button", f"Pause {FILM}")

        # Pause All and Resume All.
        press(wait_for(lambda: find_button(root, "Pause All"), "Pause All"))
        require(root, "push button", f"Resume {FILM}", "Pause All to pause the download")
        press(wait_for(lambda: find_button(root, "Resume All"), "Resume All"))
        pause = require(root, "push button", f"Pause {FILM}", "Resume All to resume it")
        swarm.command(f"connect 127.0.0.1:{port}")

        # Keyboard: Tab reaches the row's controls; Delete there asks to
        # remove it, Escape cancels.
        for _ in range(20):
            if pause.getState().contains(pyatspi.STATE_FOCUSED):
                break
            key("Tab")
        if not pause.getState().contains(pyatspi.STATE_FOCUSED):
            raise TestFailure("Tab never reached the row's Pause button")
        key("Delete")
        wait_for(lambda: find_button(root, "Keep files"), "Delete to ask about removing")
        key("Escape")
        wait_for(lambda: find_button(root, "Keep files") is None, "Escape to close the question")
        require(root, "push button", f"Pause {FILM}", "the download to stay")

        # Done: a notification, the files, the folder.
        swarm.command("rate 0")
        require(root, "label", "Seeding", "the download to finish", )
        check_files_match(swarm, downloads, ["Test Film 1/film.mp4", "Test Film 1/film.srt"])
        notes = os.path.join(downloads, "Test Film 1", "extras", "notes.txt")
        if os.path.exists(notes) and os.path.getsize(notes) == 660 and \
           tsdesktop.same_bytes(notes, swarm.source("Test Film 1/extras/notes.txt")):
            log("notes.txt came along in a shared piece")

        def finished_notification():
            for call in desktop.calls("AddNotification"):
                app_id, notification_id, notification = call["args"]
                if notification_id == f"finished-{info_hash}":
                    return notification
            return None

        notification = wait_for(finished_notification, "the “Download Complete” notification")
        log(f"notification: {notification}")
        if notification.get("title") != "Download Complete" or FILM not in notification.get("body", ""):
            raise TestFailure(f"unexpected notification {notification}")
        buttons = notification.get("buttons", [])
        if not any(b.get("label") == "Play" and b.get("action") == "app.play-torrent" and
                   b.get("target") == info_hash for b in buttons):
            raise TestFailure(f"the notification has no Play button for app.play-torrent: {buttons}")
        time.sleep(0.5)
        screenshot(artifacts, "04-seeding")

        # The notification's Play, as the desktop activates it: the player.
        subprocess.run(["/usr/bin/gdbus", "call", "--session", "--dest", "org.example.TorrentStream",
                        "--object-path", "/org/example/TorrentStream",
                        "--method", "org.gtk.Actions.Activate", "play-torrent",
                        f"[<'{info_hash}'>]", "{}"], check=True, timeout=30,
                       stdout=subprocess.DEVNULL)
        back = require(root, "push button", "Back", "the player, from the notification's action")
        time.sleep(0.5)
        screenshot(artifacts, "05-player")
        press(back)
        require(root, "push button", f"Open the folder of {FILM}", "the downloads again")

        press(require(root, "push button", f"Open the folder of {FILM}"))
        shown = wait_for(lambda: desktop.calls("ShowItems"), "a FileManager1.ShowItems call")
        uris = shown[0]["args"][0]
        want = "file://" + os.path.join(downloads, "Test%20Film%201")
        if uris != [want]:
            raise TestFailure(f"ShowItems got {uris}, not [{want}]")

        # kill -9, then start again: download and library intact.
        wait_for(lambda: (read_library_item(info_hash) or {}).get("preloaded"),
                 "the library to record the download as preloaded")
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
        log("killed with SIGKILL; starting again")
        item = read_library_item(info_hash)
        if item is None or item["title"] != FILM or item["year"] != 1968 or \
           item["files"] != [{"index": 0, "position": 600 * SEC, "duration": 5760 * SEC}]:
            raise TestFailure(f"the library lost something: {item}")
        app, root = start_app(binary, env, app_log)
        require(root, "push button", f"Remove {FILM}", "the download after the restart")
        require(root, "label", "Seeding", "the restored download to be complete")
        time.sleep(1)
        screenshot(artifacts, "06-after-kill")

        # Remove, deleting the files: exactly the torrent's files go.
        press(require(root, "push button", f"Remove {FILM}"))
        delete = wait_for(lambda: find_button(root, "Delete files"), "the remove dialog")
        screenshot(artifacts, "07-remove-dialog")
        press(delete)
        require(root, "label", "No downloads", "the empty downloads page")
        wait_for(lambda: tsdesktop.files_below(downloads) == sentinels,
                 f"only {sorted(sentinels)} to stay in the download folder")
        wait_for(lambda: read_library_item(info_hash) is None,
                 "the library to forget the removed download")
        time.sleep(0.5)
        screenshot(artifacts, "08-empty")

        quit_with_sigterm(app)
    except TestFailure:
        try:
            screenshot(artifacts, "failure")
        except Exception as e:  # the failure matters more than its picture
            log(f"no screenshot of the failure: {e}")
        raise
    finally:
        stop(app, "torrentstream")
        for helper in (desktop, swarm, poster):
            if helper is not None:
                helper.stop()
        app_log.close()

    with open(os.path.join(artifacts, "torrentstream.log")) as f:
        criticals = [line for line in f if "-CRITICAL **" in line or "-WARNING **" in line]
    if criticals:
        raise TestFailure(f"torrentstream logged warnings: {criticals}")


def main():
    return gui_test_main(run, "ui-downloads")


if __name__ == "__main__":
    sys.exit(main())
