#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plays a film inside the real application, driven through AT-SPI.

Run under a private D-Bus session and an X server (see meson.build):

    dbus-run-session -- xvfb-run -a /usr/bin/python3 test_player.py TORRENTSTREAM complete
    dbus-run-session -- xvfb-run -a /usr/bin/python3 test_player.py TORRENTSTREAM stream

Both generate a short film with GStreamer (a moving ball and a tone, in MP4)
and a .srt beside it, and make a torrent of the two.

complete: the data is already in the download folder, so the torrent is
complete; "Play" shows the film in the window. Screenshots prove that frames
reach the picture, and stop when paused; Space, ←/→, ↑/↓, M, F and Escape
work; the Subtitles menu offers the .srt; Back returns to the downloads, the
position is in the library, and playing again offers to resume.

stream: a python3-libtorrent seeder, throttled, is the only source; Play
starts while almost nothing is there: the buffering indicator shows, the
seek bar's downloaded part grows, and once the seeder is let loose the film
plays.

Screenshots go to $TS_ARTIFACTS_DIR/ui-player-MODE.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import threading

import libtorrent as lt
import pyatspi
from gi.repository import Gio, GLib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_shell import (  # noqa: E402  (the AT-SPI helpers of the shell test)
    TestFailure, app_env, find, find_all, find_app, find_button, find_menu_item, has_state,
    log, press, quit_with_sigterm, require, stop, wait_for, walk)

TIMEOUT = float(os.environ.get("TS_UI_TIMEOUT", "20"))
NAME = "TorrentStream Player Film"
FRAMES = 600          # 60 s at 10 frames per second
CONVERT = "/usr/bin/convert"
COMPARE = "/usr/bin/compare"
TSSWARM = os.path.join(os.environ.get("TS_TESTS_DIR",
                                      os.path.join(os.path.dirname(__file__), "..")),
                       "lib", "tsswarm.py")


# Media and torrent -------------------------------------------------------------

def make_film(folder):
    """NAME/NAME.mp4 (60 s: a ball over black, and a tone) and NAME/NAME.srt."""
    film_dir = os.path.join(folder, NAME)
    os.makedirs(film_dir)
    mp4 = os.path.join(film_dir, NAME + ".mp4")
    subprocess.run(
        ["gst-launch-1.0", "-q",
         "videotestsrc", "pattern=ball", f"num-buffers={FRAMES}", "!",
         "video/x-raw,width=640,height=360,framerate=10/1", "!",
         "x264enc", "speed-preset=ultrafast", "key-int-max=10", "!", "h264parse", "!",
         "mp4mux", "name=mux", "!", "filesink", f"location={mp4}",
         "audiotestsrc", f"num-buffers={FRAMES}", "samplesperbuffer=4410", "volume=0.2", "!",
         "audio/x-raw,rate=44100,channels=2", "!", "audioconvert", "!", "voaacenc", "!",
         "aacparse", "!", "mux."],
        check=True, timeout=120)
    # One line after the other for the whole film, so one is always shown.
    with open(os.path.join(film_dir, NAME + ".srt"), "w") as f:
        for i in range(FRAMES // 20):
            f.write(f"{i + 1}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},900\n"
                    f"Subtitle line {i + 1}\n\n")
    return film_dir


def make_torrent(content, out):
    result = subprocess.run(["/usr/bin/python3", TSSWARM, "torrent", content, NAME, out,
                             "--piece-size", "16384"],
                            check=True, capture_output=True, text=True, timeout=60)
    info = json.loads(result.stdout)
    files = lt.torrent_info(out).files()
    video_index = next(i for i in range(files.num_files()) if files.file_path(i).endswith(".mp4"))
    return info["info_hash"], video_index


# Screen ------------------------------------------------------------------------

def window_origin():
    """Where the main window is on the screen (GTK 4 reports positions
    relative to the window)."""
    out = subprocess.run(["xwininfo", "-name", "TorrentStream"], capture_output=True,
                         text=True, timeout=10).stdout
    x = re.search(r"Absolute upper-left X:\s+(-?\d+)", out)
    y = re.search(r"Absolute upper-left Y:\s+(-?\d+)", out)
    if not x or not y:
        raise TestFailure("the main window is not on the X server")
    return int(x.group(1)), int(y.group(1))


def window_size():
    out = subprocess.run(["xwininfo", "-name", "TorrentStream"], capture_output=True,
                         text=True, timeout=10).stdout
    return (int(re.search(r"Width:\s+(\d+)", out).group(1)),
            int(re.search(r"Height:\s+(\d+)", out).group(1)))


def extents(node):
    e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    ox, oy = window_origin()
    return ox + e.x, oy + e.y, e.width, e.height


def grab(artifacts, name, rect=None):
    """A screenshot; with @rect, also its crop to that (x, y, w, h)."""
    path = os.path.join(artifacts, name + ".png")
    subprocess.run(["/usr/bin/import", "-window", "root", path], check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if rect is None:
        return path
    x, y, w, h = rect
    crop = os.path.join(artifacts, "crop-" + name + ".png")
    subprocess.run([CONVERT, path, "-crop", f"{w}x{h}+{x}+{y}", "+repage", crop],
                   check=True, timeout=30)
    return crop


def pixels_differing(a, b):
    result = subprocess.run([COMPARE, "-metric", "AE", a, b, "null:"],
                            capture_output=True, text=True, timeout=30)
    return float(result.stderr.split()[0])


def colours(path):
    return int(subprocess.run(["/usr/bin/identify", "-format", "%k", path], check=True,
                              capture_output=True, text=True, timeout=30).stdout.strip())


# Real input through XTest: AT-SPI's synthesized pointer does not move on
# Xvfb.
def xdotool(*args):
    subprocess.run(["xdotool", *args], check=True, timeout=10)


def key(name):
    xdotool("key", name)


def move_pointer(x, y):
    xdotool("mousemove", str(x), str(y))


KEY_SPACE, KEY_LEFT, KEY_UP, KEY_RIGHT, KEY_DOWN = "space", "Left", "Up", "Right", "Down"
KEY_ESCAPE, KEY_F, KEY_M = "Escape", "f", "m"


# AT-SPI ------------------------------------------------------------------------

def on_screen(node):
    """GTK 4.8 sets no “showing” state: a control is on screen when it and
    its ancestors are visible (the player marks its hidden controls so) and
    it has a size (pages of a stack that are not shown have none). A
    control that went away is not on screen either."""
    try:
        e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        if e.width <= 0 or e.height <= 0:
            return False
        while node is not None and node.getRoleName() not in ("frame", "dialog", "window"):
            if not has_state(node, pyatspi.STATE_VISIBLE):
                return False
            node = node.parent
    except Exception:
        return False
    return True


def showing(root, role, name):
    for node in find_all(root, role, name):
        try:
            if on_screen(node):
                return node
        except Exception:
            continue
    return None


def controls_shown(root):
    toolbar = find(root, "tool bar", "Playback controls")
    return toolbar is not None and has_state(toolbar, pyatspi.STATE_VISIBLE)


def hold_controls(root, video):
    """Brings the controls up with a pointer motion and keeps the pointer
    over them (in the empty middle of the button row), which keeps them up."""
    x, y, w, h = extents(video)
    move_pointer(x + w // 2, y + h // 3)
    time.sleep(0.1)
    # The bar floats at the bottom of the video; there, between the volume
    # and the play buttons, nothing reacts to the pointer.
    move_pointer(x + w * 3 // 10, y + h - 40)
    wait_for(lambda: controls_shown(root), "the controls to show on pointer motion")


def let_controls_hide(root, video):
    x, y, w, h = extents(video)
    move_pointer(x + w // 2, y + h // 3)
    time.sleep(0.1)
    move_pointer(x + w // 2 + 15, y + h // 3 + 10)
    wait_for(lambda: not controls_shown(root), "the controls to hide while playing", timeout=10)


def why_hidden(root, role, name):
    """For a failure message: what keeps the control out of sight."""
    nodes = find_all(root, role, name)
    if not nodes:
        return "there is none"
    reasons = []
    for node in nodes:
        e = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        chain = []
        while node is not None and node.getRoleName() not in ("frame", "dialog", "window"):
            if not has_state(node, pyatspi.STATE_VISIBLE):
                chain.append(f"{node.getRoleName()} “{node.name}” not visible")
            node = node.parent
        reasons.append(f"{e.width}×{e.height} at {e.x},{e.y}" + (": " + ", ".join(chain)
                                                                  if chain else ""))
    return "; ".join(reasons)


def require_showing(root, role, name, what=None, timeout=TIMEOUT):
    try:
        return wait_for(lambda: showing(root, role, name),
                        what or f"a {role} “{name}” on screen", timeout)
    except TestFailure as e:
        raise TestFailure(f"{e} ({why_hidden(root, role, name)})")


def value_of(node):
    return node.queryValue().currentValue


def description_percent(node):
    """The seek bar says “42 % downloaded”."""
    match = re.match(r"(\d+) % downloaded", node.description or "")
    return int(match.group(1)) if match else -1


def checked(node):
    return has_state(node, pyatspi.STATE_CHECKED) or has_state(node, pyatspi.STATE_PRESSED)


def library_position(info_hash, index):
    path = os.path.join(os.environ["XDG_DATA_HOME"], "torrentstream", "library.json")
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return -1
    for item in data.get("items", []):
        if item.get("info-hash") == info_hash:
            for entry in item.get("files", []):
                if entry.get("index") == index:
                    return entry.get("position", -1)
    return -1


# A session manager -------------------------------------------------------------

SESSION_MANAGER_XML = """
<node>
  <interface name="org.gnome.SessionManager">
    <method name="RegisterClient">
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="o" direction="out"/>
    </method>
    <method name="Inhibit">
      <arg type="s" direction="in"/><arg type="u" direction="in"/>
      <arg type="s" direction="in"/><arg type="u" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="Uninhibit"><arg type="u" direction="in"/></method>
    <method name="IsInhibited">
      <arg type="u" direction="in"/><arg type="b" direction="out"/>
    </method>
  </interface>
  <interface name="org.gnome.SessionManager.ClientPrivate">
    <method name="EndSessionResponse">
      <arg type="b" direction="in"/><arg type="s" direction="in"/>
    </method>
  </interface>
</node>
"""
INHIBIT_SUSPEND, INHIBIT_IDLE = 4, 8


class SessionManager:
    """Stands in for gnome-session on the test's private bus, so that the
    application's inhibitions (gtk_application_inhibit) can be seen."""

    def __init__(self):
        self.lock = threading.Lock()
        self.inhibitions = {}     # cookie -> (flags, reason)
        self.next_cookie = 1
        self.context = GLib.MainContext.new()
        self.loop = GLib.MainLoop.new(self.context, False)
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(TIMEOUT):
            raise TestFailure("the stand-in session manager did not start")

    def _run(self):
        self.context.push_thread_default()
        node = Gio.DBusNodeInfo.new_for_xml(SESSION_MANAGER_XML)
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        for interface, path in ((node.interfaces[0], "/org/gnome/SessionManager"),
                                (node.interfaces[1], "/org/gnome/SessionManager/Client1")):
            bus.register_object(path, interface, self._call, None, None)
        Gio.bus_own_name_on_connection(bus, "org.gnome.SessionManager",
                                       Gio.BusNameOwnerFlags.NONE,
                                       lambda *args: self.ready.set(), None)
        self.loop.run()
        self.context.pop_thread_default()

    def _call(self, connection, sender, path, interface, method, params, invocation):
        args = params.unpack()
        if method == "RegisterClient":
            invocation.return_value(GLib.Variant("(o)", ("/org/gnome/SessionManager/Client1",)))
        elif method == "Inhibit":
            with self.lock:
                cookie = self.next_cookie
                self.next_cookie += 1
                self.inhibitions[cookie] = (args[3], args[2])
            invocation.return_value(GLib.Variant("(u)", (cookie,)))
        elif method == "Uninhibit":
            with self.lock:
                self.inhibitions.pop(args[0], None)
            invocation.return_value(None)
        elif method == "IsInhibited":
            with self.lock:
                inhibited = any(flags & args[0] for flags, _ in self.inhibitions.values())
            invocation.return_value(GLib.Variant("(b)", (inhibited,)))
        else:
            invocation.return_value(None)

    def active(self):
        with self.lock:
            return list(self.inhibitions.values())

    def stop(self):
        self.context.invoke_full(GLib.PRIORITY_DEFAULT, self.loop.quit)
        self.thread.join(timeout=10)


def inhibits_screensaver_and_suspend(manager):
    wanted = INHIBIT_IDLE | INHIBIT_SUSPEND
    return any(flags & wanted == wanted for flags, _ in manager.active())


# The application ---------------------------------------------------------------

class Session:
    """torrentstream (and a window manager, for fullscreen) for one test."""

    def __init__(self, binary, artifacts):
        self.binary = binary
        self.env = app_env()
        self.log = open(os.path.join(artifacts, "torrentstream.log"), "w")
        self.wm = None
        self.app = None
        self.session_manager = SessionManager()
        # A window manager grants fullscreen; without one X has no such thing.
        if shutil.which("openbox"):
            self.wm = subprocess.Popen(["openbox", "--sm-disable"], stdout=self.log,
                                       stderr=subprocess.STDOUT)
            time.sleep(0.5)

    def start(self):
        self.app = subprocess.Popen([self.binary], env=self.env, stdout=self.log,
                                    stderr=subprocess.STDOUT)
        root = wait_for(lambda: find_app(("TorrentStream", "torrentstream"), self.app.pid),
                        "the application on the accessibility bus")
        wait_for(lambda: self.app.poll() is None and find(root, "frame", "TorrentStream"),
                 "the main window")
        return root

    def open(self, source):
        second = subprocess.run([self.binary, source], env=self.env, stdout=self.log,
                                stderr=subprocess.STDOUT, timeout=TIMEOUT)
        if second.returncode != 0:
            raise TestFailure(f"the second launch exited with {second.returncode}")

    def close(self, artifacts):
        # What the screen showed when something went wrong.
        if sys.exc_info()[0] is not None and self.app is not None and self.app.poll() is None:
            try:
                grab(artifacts, "failure")
            except Exception:
                pass
        stop(self.app, "torrentstream")
        stop(self.wm, "openbox")
        self.session_manager.stop()
        self.log.close()


def add_torrent(session, root, source):
    """Adds @source from a second launch. The torrent holds two files, so
    the window asks which to download (once it knows them): all. Returns the
    row's Play button, once it can play."""
    session.open(source)

    def choice_window():
        # The choice comes in a window of its own.
        for window in root:
            try:
                if window.name != "TorrentStream":
                    button = find_button(window, "Download")
                    if button is not None:
                        return button
            except Exception:
                continue
        return None

    press(wait_for(choice_window, "the window that asks which files to download", timeout=60))
    # Not looking into the closing window: GTK 4.8 can crash on a question
    # about a window it is destroying.
    time.sleep(1)
    play_name = f"Play {NAME}"
    play = wait_for(lambda: showing(root, "push button", play_name),
                    f"the download row (a “{play_name}” button)")
    wait_for(lambda: has_state(play, pyatspi.STATE_SENSITIVE), "the Play button to be usable",
             timeout=60)
    return play


def open_player(root, play):
    """Presses @play; returns the player page and its video picture, with
    the controls held up."""
    wait_for(lambda: has_state(play, pyatspi.STATE_SENSITIVE), "the Play button to be usable",
             timeout=60)
    press(play)
    # Looking up the player's parts in its own subtree is quicker than in
    # the whole window, which counts: the controls hide after 3 s.
    page = wait_for(lambda: showing(root, "panel", "Player"), "the player")
    video = wait_for(lambda: showing(page, "image", "Video"), "the video picture")
    hold_controls(page, video)
    require_showing(page, "push button", "Back", "the player's Back button")
    return page, video


def check_criticals(artifacts):
    with open(os.path.join(artifacts, "torrentstream.log")) as f:
        criticals = [line for line in f if "-CRITICAL **" in line]
    if criticals:
        raise TestFailure(f"torrentstream logged criticals: {criticals}")


# Tests -------------------------------------------------------------------------

def run_complete(binary, artifacts, workdir):
    content = os.path.join(workdir, "content")
    make_film(content)
    torrent = os.path.join(workdir, NAME + ".torrent")
    info_hash, video_index = make_torrent(content, torrent)

    # The default download folder when none is set: the data is already
    # there, so the torrent is complete once checked.
    downloads = os.path.join(os.environ["HOME"], "Videos", "TorrentStream")
    os.makedirs(downloads, exist_ok=True)
    shutil.copytree(os.path.join(content, NAME), os.path.join(downloads, NAME))

    external_srt = os.path.join(workdir, "Other subtitles.srt")
    with open(external_srt, "w") as f:
        for i in range(FRAMES // 20):
            f.write(f"{i + 1}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},900\n"
                    f"External line {i + 1}\n\n")

    session = Session(binary, artifacts)
    try:
        root = session.start()
        play = add_torrent(session, root, torrent)
        require(root, "label", "Seeding", "the complete torrent to be seeding")
        time.sleep(0.5)
        grab(artifacts, "01-downloads")

        page, video = open_player(root, play)
        require_showing(page, "push button", "Pause", "playback to start")
        for name in ("Seek", "Volume"):
            require_showing(page, "slider", name)
        for name in ("Mute", "Fullscreen", "Audio track", "Subtitles"):
            require_showing(page, "push button", name)
        require(page, "label", NAME, "the film's title in the header")
        seek = showing(page, "slider", "Seek")
        wait_for(lambda: description_percent(seek) == 100,
                 "the seek bar to show the whole file downloaded")
        # No screensaver nor suspend during the film.
        wait_for(lambda: inhibits_screensaver_and_suspend(session.session_manager),
                 "the screensaver and suspend to be inhibited while playing")
        time.sleep(0.5)
        grab(artifacts, "02-playing-controls")

        # The controls go away after a few seconds without motion.
        let_controls_hide(page, video)
        rect = extents(video)
        log(f"video area {rect}")
        first = grab(artifacts, "03-playing-a", rect)
        time.sleep(1.0)
        second = grab(artifacts, "04-playing-b", rect)
        if colours(first) < 3:
            raise TestFailure("the video area is blank")
        if pixels_differing(first, second) == 0:
            raise TestFailure("the picture did not change while playing")
        if value_of(seek) <= 0:
            raise TestFailure("the seek bar did not move while playing")

        # Moving the pointer brings the controls back; Pause stops the picture.
        hold_controls(page, video)
        press(require_showing(page, "push button", "Pause", "the Pause button"))
        require_showing(page, "push button", "Play", "the player's Play button after Pause")
        time.sleep(0.7)
        paused_a = grab(artifacts, "05-paused-a", rect)
        time.sleep(1.0)
        paused_b = grab(artifacts, "06-paused-b", rect)
        if pixels_differing(paused_a, paused_b) != 0:
            raise TestFailure("the picture kept changing after Pause")
        wait_for(lambda: not session.session_manager.active(),
                 "the inhibition to end on Pause")

        # The keyboard: Space plays and pauses...
        key(KEY_SPACE)
        require_showing(page, "push button", "Pause", "Space to play")
        key(KEY_SPACE)
        require_showing(page, "push button", "Play", "Space to pause again")
        # ...← jumps 10 s back (to the start, from here), → 10 s forward...
        for _ in range(4):
            key(KEY_LEFT)
        wait_for(lambda: value_of(seek) < 1, "← to seek back to the start")
        key(KEY_RIGHT)
        wait_for(lambda: value_of(seek) >= 8, "→ to seek 10 s forward")
        key(KEY_RIGHT)
        wait_for(lambda: value_of(seek) >= 17, "→ to seek 20 s forward")
        key(KEY_LEFT)
        wait_for(lambda: 7.5 <= value_of(seek) <= 12.5, "← to seek back 10 s")
        for _ in range(2):
            key(KEY_RIGHT)
        wait_for(lambda: value_of(seek) >= 27, "→ to seek on to 30 s")
        # ...↑/↓ the volume, M mutes.
        volume = showing(page, "slider", "Volume")
        start_volume = value_of(volume)
        key(KEY_DOWN)
        key(KEY_DOWN)
        wait_for(lambda: value_of(volume) < start_volume - 0.05, "↓ to lower the volume")
        key(KEY_UP)
        wait_for(lambda: start_volume - 0.07 < value_of(volume) < start_volume - 0.03,
                 "↑ to raise the volume")
        mute = showing(page, "push button", "Mute")
        key(KEY_M)
        wait_for(lambda: checked(mute), "M to mute")
        key(KEY_M)
        wait_for(lambda: not checked(mute), "M to unmute")

        # F and Escape: fullscreen, when a window manager can grant it.
        if session.wm is not None:
            fullscreen = showing(page, "push button", "Fullscreen")
            normal_size = window_size()
            # A double-click on the picture, in and out; being no single
            # click, it neither plays nor pauses.
            x, y, w, h = extents(video)
            move_pointer(x + w // 2, y + h // 3)
            time.sleep(0.5)
            xdotool("click", "--repeat", "2", "--delay", "60", "1")
            wait_for(lambda: checked(fullscreen) and window_size() == (1280, 800),
                     "a double-click to make the window fullscreen")
            time.sleep(0.5)
            xdotool("click", "--repeat", "2", "--delay", "60", "1")
            wait_for(lambda: not checked(fullscreen) and window_size() == normal_size,
                     "a double-click to leave fullscreen")
            time.sleep(0.6)
            require_showing(page, "push button", "Play", "the film to stay paused")
            # Then F and Escape.
            key(KEY_F)
            wait_for(lambda: checked(fullscreen) and window_size() == (1280, 800),
                     "F to make the window fullscreen")
            time.sleep(0.5)
            grab(artifacts, "07-fullscreen")
            key(KEY_ESCAPE)
            wait_for(lambda: not checked(fullscreen) and window_size() == normal_size,
                     "Escape to leave fullscreen")
        else:
            log("no window manager (openbox) to grant fullscreen: F and Escape not checked")

        # The film's sound track is listed, and chosen.
        hold_controls(page, video)
        press(require_showing(page, "push button", "Audio track"))
        track = wait_for(lambda: next((n for n in find_all(page)
                                       if "menu item" in n.getRoleName() and on_screen(n)),
                                      None),
                         "the sound track in the Audio track menu")
        if not checked(track):
            raise TestFailure(f"the sound track “{track.name}” is not the chosen one")
        log(f"audio track: {track.name}")
        time.sleep(0.3)
        grab(artifacts, "08-audio-menu")
        key(KEY_ESCAPE)
        time.sleep(0.5)

        # The subtitle file of the torrent is offered, and loads.
        subtitles = require_showing(page, "push button", "Subtitles")
        press(subtitles)
        srt_item = wait_for(lambda: find_menu_item(page, NAME + ".srt"),
                            "the torrent's .srt in the Subtitles menu")
        require_showing(page, "push button", "Open subtitle file")
        off = find_menu_item(page, "Off")
        if off is None or not checked(off):
            raise TestFailure("subtitles are not “Off” to begin with")
        time.sleep(0.5)
        grab(artifacts, "09-subtitles-menu")
        press(srt_item)
        wait_for(lambda: not on_screen(srt_item), "the menu to close")
        time.sleep(1.5)

        def srt_checked():
            item = find_menu_item(page, NAME + ".srt")
            return item is not None and on_screen(item) and checked(item)

        press(subtitles)
        wait_for(srt_checked, "the .srt to be the chosen subtitles")
        key(KEY_ESCAPE)
        wait_for(lambda: not on_screen(srt_item), "the menu to close")
        time.sleep(0.5)
        grab(artifacts, "10-subtitle-shown")

        # A subtitle file from elsewhere, through the file chooser. Typing into
        # the chooser with xdotool can lose keys on a loaded machine: a second
        # attempt starts from a closed menu and chooser.
        def external_checked():
            item = find_menu_item(page, os.path.basename(external_srt))
            return item is not None and on_screen(item) and checked(item)

        for attempt in range(3):
            try:
                press(subtitles)
                press(wait_for(lambda: showing(page, "push button", "Open subtitle file"),
                               "“Open subtitle file” in the menu"))
                wait_for(lambda: any(w.name == "Open Subtitle File" for w in root),
                         "the file chooser")
                time.sleep(1)
                key("ctrl+l")
                time.sleep(0.3)
                xdotool("type", "--delay", "10", external_srt)
                time.sleep(0.3)
                key("Return")
                time.sleep(2)
                hold_controls(page, video)
                press(require_showing(page, "push button", "Subtitles"))
                wait_for(external_checked, "the chosen file to be the subtitles")
                break
            except TestFailure:
                if attempt == 2:
                    raise
                log(f"the external subtitle file was not taken (attempt {attempt + 1}); again")
                key(KEY_ESCAPE)
                time.sleep(0.5)
                key(KEY_ESCAPE)
                time.sleep(0.5)
                hold_controls(page, video)
                subtitles = require_showing(page, "push button", "Subtitles")
        grab(artifacts, "11-external-subtitles-menu")
        key(KEY_ESCAPE)
        time.sleep(0.5)
        grab(artifacts, "12-external-subtitle-shown")

        # Back: the downloads again, and the position is remembered.
        position = value_of(seek)
        press(require_showing(page, "push button", "Back"))
        play = require_showing(root, "push button", f"Play {NAME}", "the downloads after Back")
        if showing(root, "panel", "Player") is not None:
            raise TestFailure("the player is still shown after Back")
        # The library writes a second or so later.
        try:
            wait_for(lambda: abs(library_position(info_hash, video_index) / 1e9 - position) < 2,
                     f"the position ({position:.1f} s) in the library", timeout=10)
        except TestFailure as e:
            saved = library_position(info_hash, video_index)
            raise TestFailure(f"{e}: it has {saved / 1e9:.1f} s")

        # Playing again offers to resume there.
        page, video = open_player(root, play)
        toast = wait_for(lambda: next((n for n in find_all(page, "label")
                                       if n.name.startswith("Resuming from ")), None),
                         "the offer to resume")
        log(f"toast: {toast.name}")
        start_over = wait_for(lambda: find_button(page, "Start Over"),
                              "the toast's “Start Over” button")
        seek = showing(page, "slider", "Seek")
        wait_for(lambda: value_of(seek) >= position - 2, "playback to resume where it stopped")
        time.sleep(0.3)
        grab(artifacts, "13-resume-offer")
        press(start_over)
        wait_for(lambda: value_of(seek) < 3, "Start Over to go back to the beginning")
        hold_controls(page, video)
        press(require_showing(page, "push button", "Back"))
        require_showing(root, "push button", f"Play {NAME}", "the downloads after Back")

        quit_with_sigterm(session.app)
    finally:
        session.close(artifacts)

    check_criticals(artifacts)


def run_stream(binary, artifacts, workdir):
    content = os.path.join(workdir, "content")
    make_film(content)
    torrent = os.path.join(workdir, NAME + ".torrent")
    make_torrent(content, torrent)
    size = sum(os.path.getsize(os.path.join(content, NAME, f))
               for f in os.listdir(os.path.join(content, NAME)))
    # About 40 s for the whole film at first.
    rate = max(size // 40, 8192)

    seeder = subprocess.Popen(["/usr/bin/python3", TSSWARM, "seed", "--torrent", torrent,
                               "--save-path", content, "--rate", str(rate)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    session = Session(binary, artifacts)

    def seeder_command(command):
        seeder.stdin.write(command + "\n")
        seeder.stdin.flush()
        return json.loads(seeder.stdout.readline())

    try:
        ready = json.loads(seeder.stdout.readline())
        log(f"seeder on port {ready['port']}, {rate} bytes/s")

        root = session.start()
        play = add_torrent(session, root, ready["magnet"])
        page, video = open_player(root, play)
        seek = wait_for(lambda: showing(page, "slider", "Seek"), "the seek bar")

        # Waiting for data: the indicator, with how fast it comes.
        buffering = wait_for(lambda: next((n for n in find_all(root, "label")
                                           if n.name.startswith("Buffering")
                                           and on_screen(n)), None),
                             "the buffering indicator")
        log(f"indicator: {buffering.name}")
        wait_for(lambda: any(re.search(r"/s · \d+ peers?$", n.name or "")
                             for n in find_all(root, "label")),
                 "the download rate under the indicator")
        time.sleep(0.3)
        grab(artifacts, "01-buffering")

        first = wait_for(lambda: description_percent(seek) > 0 and description_percent(seek),
                         "the seek bar to show downloaded parts", timeout=40)
        wait_for(lambda: description_percent(seek) > first + 5,
                 "the downloaded part of the seek bar to grow", timeout=40)
        log(f"downloaded went from {first} % to {description_percent(seek)} %")
        grab(artifacts, "02-growing")

        # Full speed: the film plays.
        seeder_command("rate 0")
        wait_for(lambda: description_percent(seek) == 100, "the download to finish", timeout=60)
        wait_for(lambda: value_of(seek) > 0.5, "playback to start", timeout=40)
        let_controls_hide(root, video)
        rect = extents(video)
        a = grab(artifacts, "03-playing-a", rect)
        time.sleep(1.0)
        b = grab(artifacts, "04-playing-b", rect)
        if pixels_differing(a, b) == 0:
            raise TestFailure("the picture did not change while playing the stream")

        hold_controls(root, video)
        time.sleep(0.5)
        grab(artifacts, "05-controls")
        press(require_showing(root, "push button", "Back"))
        require_showing(root, "push button", f"Play {NAME}", "the downloads after Back")

        quit_with_sigterm(session.app)
    finally:
        session.close(artifacts)
        if seeder.poll() is None:
            try:
                seeder.stdin.close()
                seeder.wait(timeout=15)
            except Exception:
                seeder.kill()
                seeder.wait(timeout=10)

    check_criticals(artifacts)


def main():
    modes = {"complete": run_complete, "stream": run_stream}
    if shutil.which("xdotool") is None:
        print("FAIL: xdotool is needed (Debian package xdotool)", file=sys.stderr)
        return 1
    if len(sys.argv) != 3 or sys.argv[2] not in modes:
        print(f"usage: {sys.argv[0]} PATH-TO-TORRENTSTREAM complete|stream", file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    mode = sys.argv[2]
    artifacts = os.environ.get("TS_ARTIFACTS_DIR") or \
        os.path.join(os.environ.get("TS_BUILD_ROOT", "."), "tests", "artifacts")
    artifacts = os.path.join(artifacts, "ui-player-" + mode)
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)
    workdir = tempfile.mkdtemp(prefix="ts-ui-player-")
    try:
        modes[mode](binary, artifacts, workdir)
    except TestFailure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        print(f"# screenshots and the app's log are in {artifacts}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *args: sys.exit(1))
    sys.exit(main())
