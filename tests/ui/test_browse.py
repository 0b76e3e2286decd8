#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Browse page and the film page, driven through AT-SPI and the keyboard
as a person would, against a real catalog server on 127.0.0.1
(browse_fixture.py: Internet Archive shapes, 200 generated films with
coloured posters, torrents it web-seeds itself).

Run under a private D-Bus session and an X server (see meson.build):

    dbus-run-session -- xvfb-run -a /usr/bin/python3 test_browse.py TORRENTSTREAM

The catalog first answers 503: the error page offers Retry, which fills the
grid once the server recovers; the posters show; scrolling to the end loads
the next pages (a failing page keeps the grid and offers Retry in a toast);
typing a search narrows the grid; a tile opens the film page (title, year,
running time, synopsis, versions) and Back, Escape, Alt+Left and the mouse's
back button return; Preload downloads only the chosen file of the Archive
torrent from the web seed and shows the progress; Play starts the download
and says honestly that playback is not there yet; a torrent that cannot be
fetched is explained; the downloads show on the Downloads page; a film already
downloading shows its state when opened; the YTS catalog without an address
explains what to set; and a start without the network shows the saved first
page. Screenshots go to $TS_ARTIFACTS_DIR/ui-browse.
"""

import ctypes
import os
import random
import re
import subprocess
import sys
import time

if __name__ == "__main__" and sys.argv[1:2] == ["--own-display"]:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ownx
    sys.exit(ownx.run_on_own_display(__file__, sys.argv[2:]))


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _export_display_to_dbus():
    """The accessibility registry, started by D-Bus on first use, makes key
    and mouse events with XTest: it must know the X display."""
    names = [n for n in ("DISPLAY", "XAUTHORITY") if os.environ.get(n)]
    subprocess.run(["dbus-update-activation-environment"] + names, check=True, timeout=30)


_export_display_to_dbus()

import pyatspi  # noqa: E402

import browse_fixture as fixture  # noqa: E402
import test_shell as shell  # noqa: E402
from test_shell import TestFailure, find, find_all, log, press, require, wait_for  # noqa: E402

APP_NAMES = ("TorrentStream", "torrentstream")
TILE_NAME = re.compile(r"^.+ \((\d{4})\)$")
DOWNLOAD_TIMEOUT = 90

KEY_ESCAPE = 0xff1b
KEY_LEFT = 0xff51
KEY_TAB = 0xff09
KEY_END = 0xff57
ALT_MASK = 1 << 3   # Mod1


# Input ------------------------------------------------------------------------

def key(keysym):
    pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
    time.sleep(0.05)


def type_text(text):
    for ch in text:
        key(ord(ch))


def alt_key(keysym):
    pyatspi.Registry.generateKeyboardEvent(ALT_MASK, None, pyatspi.KEY_LOCKMODIFIERS)
    try:
        key(keysym)
    finally:
        pyatspi.Registry.generateKeyboardEvent(ALT_MASK, None, pyatspi.KEY_UNLOCKMODIFIERS)


def centre(node):
    """The middle of @node on the screen. GTK 4.8 reports positions in its
    window; without a window manager the window sits at the origin."""
    ext = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    return ext.x + ext.width // 2, ext.y + ext.height // 2


def x_button_click(button, x, y):
    """A click of any mouse button through XTest (the accessibility
    registry only makes buttons 1 to 5)."""
    x11 = ctypes.CDLL("libX11.so.6")
    xtst = ctypes.CDLL("libXtst.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    display = x11.XOpenDisplay(None)
    if not display:
        raise TestFailure("could not open the X display for XTest")
    handle = ctypes.c_void_p(display)
    try:
        xtst.XTestFakeMotionEvent(handle, -1, x, y, 0)
        xtst.XTestFakeButtonEvent(handle, button, 1, 0)
        xtst.XTestFakeButtonEvent(handle, button, 0, 0)
        x11.XFlush(handle)
    finally:
        x11.XCloseDisplay(handle)


def mouse(x, y, event):
    pyatspi.Registry.generateMouseEvent(x, y, event)
    time.sleep(0.05)


# The tree ---------------------------------------------------------------------

def tiles(root):
    """Names of the film tiles in the grid (“Title (Year)” with a tile.open
    action)."""
    names = []
    for node in find_all(root, "panel"):
        try:
            if not TILE_NAME.match(node.name):
                continue
            action = node.queryAction()
            if any(action.getName(i) == "tile.open" for i in range(action.nActions)):
                names.append(node.name)
        except Exception:
            continue
    return names


def shown(node):
    """GTK 4.8 marks hidden widgets “visible” too; only shown ones have a
    size."""
    try:
        ext = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        return ext.width > 0 and ext.height > 0
    except Exception:
        return False


def find_shown(root, role, name):
    return next((n for n in find_all(root, role, name) if shown(n)), None)


def player_back_button(root):
    """The shown Back button of the window's player (the film page has one
    too): the one that shares an ancestor with the player's video. The
    player hides its controls while it plays; moving the mouse brings them
    back."""
    node = find_shown(root, "image", "Video")
    x, y = (centre(node) if node is not None else (600, 400))
    mouse(x + random.randint(-40, 40), y + random.randint(-40, 40), "abs")
    while node is not None:
        buttons = [b for b in find_all(node, "push button", "Back") if shown(b)]
        if buttons:
            return buttons[0]
        node = node.parent
    return None


def tile_name(number):
    return "%s (%d)" % (fixture.film_title(number), fixture.film_year(number))


def find_tile(root, number):
    for node in find_all(root, "panel", tile_name(number)):
        return node
    return None


def label_starting(root, prefix):
    for node in shell.walk(root):
        try:
            if node.getRoleName() in ("label", "heading") and node.name.startswith(prefix):
                return node
        except Exception:
            continue
    return None


def has_text(root, text):
    for node in shell.walk(root):
        try:
            if node.getRoleName() in ("label", "heading") and node.name == text:
                return node
        except Exception:
            continue
    return None


def toast_button(root, title_prefix, text):
    """The button @text of the toast whose title starts with @title_prefix
    (other Retry buttons reload everything). libadwaita 1.2 names toast
    buttons oddly (“Retry Retry”): match the label inside."""
    for button in find_all(root, "push button"):
        try:
            if button.name != text and find(button, "label", text) is None:
                continue
            if any(label.name.startswith(title_prefix)
                   for label in find_all(button.parent, "label")):
                return button
        except Exception:
            continue
    return None


def focused_cell(root):
    for node in find_all(root, "table cell"):
        try:
            if node.getState().contains(pyatspi.STATE_FOCUSED):
                return node
        except Exception:
            continue
    return None


def browse_page(root):
    node = find(root, None, "TsBrowsePage")
    if node is None:
        raise TestFailure("no Browse page in the accessibility tree")
    return node


def film_page_open(root, number):
    return has_text(root, fixture.film_synopsis(number)) is not None


# Screenshots ------------------------------------------------------------------

def poster_colours(path):
    """How many of the fixture's poster colours cover a good patch of the
    screenshot (a poster shown, not its placeholder)."""
    raw = subprocess.run(["/usr/bin/convert", path, "-depth", "8", "rgb:-"],
                         check=True, capture_output=True, timeout=60).stdout
    counts = {}
    wanted = {bytes(c) for c in fixture.POSTER_COLOURS}
    view = memoryview(raw)
    for i in range(0, len(raw) - 2, 3):
        pixel = bytes(view[i:i + 3])
        if pixel in wanted:
            counts[pixel] = counts.get(pixel, 0) + 1
    return sum(1 for n in counts.values() if n >= 2000)


# Setup ------------------------------------------------------------------------

def write_settings(server, downloads):
    """The keyfile GSettings backend reads this; the app is pointed at the
    fixture server without any code of its own for it."""
    folder = os.path.join(os.environ["XDG_CONFIG_HOME"], "glib-2.0", "settings")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "keyfile")
    with open(path, "w") as f:
        f.write("[org/example/TorrentStream]\n")
        f.write("archive-url='%s'\n" % server.base)
        f.write("archive-query='%s'\n" % fixture.COLLECTION)
        f.write("download-folder='%s'\n" % downloads)
        f.write("listen-port=0\n")
        f.write("window-width=1180\nwindow-height=760\n")
    return path


def set_setting(path, name, value):
    with open(path) as f:
        lines = [line for line in f if not line.startswith(name + "=")]
    lines.append("%s=%s\n" % (name, value))
    with open(path + ".tmp", "w") as f:
        f.writelines(lines)
    os.replace(path + ".tmp", path)


def app_env():
    env = shell.app_env()
    env["GSETTINGS_BACKEND"] = "keyfile"
    return env


def start_app(binary, env, app_log):
    app = subprocess.Popen([binary], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    root = wait_for(lambda: shell.find_app(APP_NAMES, app.pid),
                    "the application on the accessibility bus")
    wait_for(lambda: app.poll() is None and find(root, "frame", "TorrentStream"),
             "the main window")
    # Key events go to the window under the pointer (no window manager).
    mouse(600, 400, "abs")
    return app, root


# The steps --------------------------------------------------------------------

def check_error_and_retry(root, server, artifacts):
    message = "The catalog server answered 503"
    wait_for(lambda: label_starting(root, message), "the error page saying the server answered 503")
    retry = wait_for(lambda: find_shown(root, "push button", "Retry"), "a Retry button")
    time.sleep(0.5)
    shell.screenshot(artifacts, "01-error")
    if tiles(root):
        raise TestFailure("tiles are shown while the catalog fails")

    server.search_status = 200
    requests = len(server.list_requests())
    press(retry)
    wait_for(lambda: len(server.list_requests()) > requests, "Retry to ask the catalog again")
    wait_for(lambda: len(tiles(root)) >= 20, "the grid to fill after Retry")
    names = tiles(root)
    newest = tile_name(fixture.FILM_COUNT)
    if names[0] != newest:
        raise TestFailure(f"the first tile is “{names[0]}”, not the newest film “{newest}”")
    log(f"{len(names)} tiles after Retry")


def check_posters(artifacts):
    def enough():
        path = shell.screenshot(artifacts, "02-grid")
        return poster_colours(path) >= 5
    wait_for(enough, "the posters to replace their placeholders", timeout=30)


def check_infinite_scroll(root, server, artifacts):
    pages = lambda: sorted({int(p["page"][0]) for p in server.list_requests()
                            if "AND" not in p["q"][0]})
    if pages() != [1]:
        raise TestFailure(f"pages {pages()} were fetched before any scrolling")
    before = len(tiles(root))

    # Into the grid from the search entry, then to its end.
    shell.do_action(browse_page(root), "browse.search")
    for _ in range(10):
        if focused_cell(root) is not None:
            break
        key(KEY_TAB)
    if focused_cell(root) is None:
        raise TestFailure("Tab never reached the grid")
    key(KEY_END)
    wait_for(lambda: 2 in pages(), "the second page to be fetched near the end of the grid")
    # Page 2 starts with film 150 (50 per page, newest first).
    wait_for(lambda: find_tile(root, 150), "a film of the second page in the grid")
    wait_for(lambda: len(tiles(root)) > before, "more tiles after the second page")

    # A page that fails keeps the grid and offers Retry in a toast.
    server.search_status = 503
    key(KEY_END)
    toast = wait_for(lambda: label_starting(root, "Could not load more films: "),
                     "a toast saying the next page could not be loaded")
    log(f"toast: {toast.name}")
    if find_tile(root, 150) is None:
        raise TestFailure("the films shown went away when a page failed")
    time.sleep(0.5)
    shell.screenshot(artifacts, "03-page-failed")
    server.search_status = 200
    retry = wait_for(lambda: toast_button(root, "Could not load more films: ", "Retry"),
                     "the toast's Retry button")
    press(retry)
    wait_for(lambda: 3 in pages(), "the third page after Retry")
    wait_for(lambda: find_tile(root, 100), "a film of the third page in the grid")
    log(f"pages fetched: {pages()}; {len(tiles(root))} tiles")
    time.sleep(0.5)
    shell.screenshot(artifacts, "04-scrolled")


def check_search(root, server, artifacts):
    seen = len(server.list_requests())
    shell.do_action(browse_page(root), "browse.search")
    type_text("nebula")
    expected = sorted(tile_name(n) for n in fixture.NEBULA_FILMS)
    wait_for(lambda: sorted(tiles(root)) == expected,
             f"the grid to show only {expected}")
    queries = [p["q"][0] for p in server.list_requests()[seen:]]
    if not queries or any("(nebula)" not in q for q in queries):
        raise TestFailure(f"the search was not sent once, as typed and debounced: {queries}")
    time.sleep(0.5)
    shell.screenshot(artifacts, "05-search")


def open_film(root, number):
    tile = wait_for(lambda: find_tile(root, number), f"the tile of “{tile_name(number)}”")
    shell.do_action(tile, "tile.open")
    wait_for(lambda: film_page_open(root, number), f"the page of “{tile_name(number)}”")


def wait_closed(root, number, how):
    wait_for(lambda: not film_page_open(root, number),
             f"{how} to go back from the film page")
    wait_for(lambda: find_tile(root, number), "the grid after going back")


def check_film_page(root, artifacts):
    number = fixture.PRELOAD_FILM
    open_film(root, number)
    require(root, "heading", fixture.film_title(number), "the film's title as a heading")
    facts = wait_for(lambda: label_starting(root, "%d · 1 h 32 min" % fixture.film_year(number)),
                     "the year and running time")
    log(f"facts: {facts.name}")
    wait_for(lambda: has_text(root, "MP4 · 480p") and has_text(root, "Ogg · 300p"),
             "the versions of the film (MP4 and Ogg)")
    require(root, "push button", "Play")
    require(root, "push button", "Preload")
    time.sleep(0.8)
    shell.screenshot(artifacts, "06-film")

    press(require(root, "push button", "Back"))
    wait_closed(root, number, "the Back button")

    open_film(root, number)
    time.sleep(0.5)
    key(KEY_ESCAPE)
    wait_closed(root, number, "Escape")

    open_film(root, number)
    time.sleep(0.5)
    alt_key(KEY_LEFT)
    wait_closed(root, number, "Alt+Left")

    open_film(root, number)
    time.sleep(0.5)
    x, y = centre(has_text(root, fixture.film_synopsis(number)))
    x_button_click(8, x, y)
    wait_closed(root, number, "the mouse's back button")


def check_preload(root, server, workdir, downloads, artifacts):
    number = fixture.PRELOAD_FILM
    open_film(root, number)
    press(require(root, "push button", "Preload"))
    wait_for(lambda: has_text(root, "Preloading %s" % fixture.film_title(number)),
             "the “Preloading …” toast")
    state = wait_for(lambda: label_starting(root, "Downloading — ") or
                     has_text(root, "Downloaded"), "the download state on the film page")
    log(f"state: {state.name}")
    time.sleep(0.3)
    shell.screenshot(artifacts, "07-preloading")
    wait_for(lambda: has_text(root, "Downloaded"), "the film to be downloaded from the web seed",
             timeout=DOWNLOAD_TIMEOUT)
    time.sleep(0.5)
    shell.screenshot(artifacts, "08-downloaded")

    # Only the chosen file and its subtitles came down.
    ident = fixture.film_id(number)
    stem = "film_%03d" % number
    source = os.path.join(workdir, "content", ident)
    target = os.path.join(downloads, ident)
    with open(os.path.join(source, stem + ".mp4"), "rb") as a, \
         open(os.path.join(target, stem + ".mp4"), "rb") as b:
        if a.read() != b.read():
            raise TestFailure("the downloaded film differs from the original")
    if not os.path.exists(os.path.join(target, stem + ".srt")):
        raise TestFailure("the film's subtitles were not downloaded")
    # The engine adds a torrent running, and the selection follows at once:
    # the web seed may serve a piece or two of the other version meanwhile,
    # not the file.
    ogv = stem + ".ogv"
    ogv_size = os.path.getsize(os.path.join(source, ogv))
    with server.lock:
        served = server.served.get(ident + "/" + ogv, 0)
    if served > 4 * 65536:
        raise TestFailure(f"the other version was downloaded too ({served} of {ogv_size} bytes)")
    if os.path.exists(os.path.join(target, ogv)):
        with open(os.path.join(source, ogv), "rb") as a, open(os.path.join(target, ogv), "rb") as b:
            if a.read() == b.read():
                raise TestFailure("the other version (.ogv) is complete on disk")
    log(f"only the MP4 version and its subtitles were downloaded ({served} bytes of the "
        f"{ogv_size}-byte .ogv were fetched before the selection applied)")

    press(require(root, "push button", "Back"))
    wait_closed(root, number, "the Back button")


def check_play_and_errors(root, artifacts):
    # Play downloads the film first and fast and hands its file to the
    # window's player (the action win.play).
    number = fixture.PLAY_FILM
    open_film(root, number)
    press(require(root, "push button", "Play"))
    wait_for(lambda: find_shown(root, "image", "Video"), "the player to show over the window")
    time.sleep(2)
    shell.screenshot(artifacts, "09-play")
    press(wait_for(lambda: player_back_button(root), "the player's Back button"))
    wait_for(lambda: not find_shown(root, "image", "Video"), "the player to close")
    wait_for(lambda: label_starting(root, "Downloading — ") or has_text(root, "Downloaded"),
             "the film page to show the download Play started")
    press(find_shown(root, "push button", "Back"))
    wait_closed(root, number, "the Back button")

    number = fixture.BROKEN_FILM
    open_film(root, number)
    press(require(root, "push button", "Preload"))
    toast = wait_for(lambda: label_starting(root, "Could not download the film: "),
                     "a toast explaining why the torrent could not be added")
    log(f"toast: {toast.name}")
    time.sleep(0.3)
    shell.screenshot(artifacts, "10-add-error")
    press(require(root, "push button", "Back"))
    wait_closed(root, number, "the Back button")


def check_downloads_and_state(root, artifacts):
    press(find(root, "page tab", "Downloads"))
    for number in (fixture.PRELOAD_FILM, fixture.PLAY_FILM):
        ident = fixture.film_id(number)
        require(root, "push button", f"Remove {ident}", f"the download row of {ident}")
    time.sleep(0.5)
    shell.screenshot(artifacts, "11-downloads")

    press(find(root, "page tab", "Browse"))
    number = fixture.PRELOAD_FILM
    open_film(root, number)
    wait_for(lambda: has_text(root, "Downloaded"),
             "the film page to show the finished download when opened again")
    if find(root, "push button", "Show in Downloads") is None:
        raise TestFailure("no “Show in Downloads” button on a downloaded film")
    press(require(root, "push button", "Back"))
    wait_closed(root, number, "the Back button")


def check_yts_setup(root, settings_path, artifacts):
    set_setting(settings_path, "catalog-provider", "'yts'")
    wait_for(lambda: has_text(root, "Set the YTS Address"), "the page asking for the YTS address")
    button = require(root, "push button", "Browse the Internet Archive")
    time.sleep(0.5)
    shell.screenshot(artifacts, "12-yts-setup")
    press(button)
    wait_for(lambda: len(tiles(root)) >= 3, "the Internet Archive's films again")


def check_offline_start(binary, env, app_log, server, artifacts):
    server.stop()
    app, root = start_app(binary, env, app_log)
    try:
        # With downloads saved, the window may open on them.
        press(require(root, "page tab", "Browse"))
        wait_for(lambda: label_starting(root, "You are offline."), "the offline banner")
        wait_for(lambda: tile_name(fixture.FILM_COUNT) in tiles(root),
                 "the saved first page of films")
        time.sleep(0.5)
        shell.screenshot(artifacts, "13-offline")
        shell.quit_with_sigterm(app)
    finally:
        shell.stop(app, "torrentstream")


def run(binary, artifacts, workdir):
    server = fixture.Server(workdir)
    downloads = os.path.join(workdir, "downloads")
    os.makedirs(downloads)
    server.start()
    server.search_status = 503
    settings_path = write_settings(server, downloads)
    env = app_env()
    app_log = open(os.path.join(artifacts, "torrentstream.log"), "w")
    app = None

    try:
        log(f"catalog server at {server.base}; starting {binary}")
        app, root = start_app(binary, env, app_log)

        check_error_and_retry(root, server, artifacts)
        check_posters(artifacts)
        check_infinite_scroll(root, server, artifacts)
        check_search(root, server, artifacts)
        check_film_page(root, artifacts)
        check_preload(root, server, workdir, downloads, artifacts)
        check_play_and_errors(root, artifacts)
        check_downloads_and_state(root, artifacts)
        check_yts_setup(root, settings_path, artifacts)

        shell.quit_with_sigterm(app)
        check_offline_start(binary, env, app_log, server, artifacts)
    finally:
        shell.stop(app, "torrentstream")
        server.stop()
        app_log.close()

    with open(os.path.join(artifacts, "torrentstream.log")) as f:
        # Asking for positions (centre()) makes GTK 4.8 warn once per call.
        problems = [line for line in f if "-CRITICAL **" in line or
                    (("Gtk-WARNING **" in line or "ts-" in line and "-WARNING **" in line)
                     and "Screen coordinates not supported" not in line)]
    if problems:
        raise TestFailure(f"torrentstream logged criticals or warnings: {problems}")


def main():
    return shell.gui_test_main(run, "ui-browse")


if __name__ == "__main__":
    sys.exit(main())
