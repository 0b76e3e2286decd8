#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the real application through AT-SPI, as a screen reader would.

Run under a private D-Bus session and an X server (see meson.build):

    dbus-run-session -- xvfb-run -a /usr/bin/python3 test_shell.py TORRENTSTREAM

It starts torrentstream, switches between the Browse and Downloads pages,
opens the About window, sees a refused magnet link explained in a toast,
opens a .torrent from a second launch (which must hand it to the running
instance), pauses the download, quits with SIGTERM, starts again to find the
download restored, removes it through the dialog and quits. Screenshots go
to $TS_ARTIFACTS_DIR.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

if __name__ == "__main__" and sys.argv[1:2] == ["--own-display"]:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ownx
    sys.exit(ownx.run_on_own_display(__file__, sys.argv[2:]))

import libtorrent as lt
import pyatspi

TIMEOUT = float(os.environ.get("TS_UI_TIMEOUT", "20"))
POLL = 0.1

# The window is wide enough for the view switcher in the header bar.
SCREEN = "1280x800"


class TestFailure(Exception):
    pass


def log(message):
    print(f"# {message}", flush=True)


def wait_for_display(timeout=TIMEOUT):
    """Waits until the X server in $DISPLAY accepts clients: under load
    xvfb-run was seen to start the command before that."""
    if not os.environ.get("DISPLAY") or not shutil.which("xwininfo"):
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["xwininfo", "-root"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.2)
    raise SystemExit(f"FAIL: the X server on {os.environ['DISPLAY']} never accepted clients")


# Every GUI test imports this module before it starts the app.
wait_for_display()


def wait_for(predicate, what, timeout=TIMEOUT):
    """Polls @predicate until it returns something true, or fails."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as e:  # the tree changes under us; try again
            last_error = e
        time.sleep(POLL)
    detail = f" (last error: {last_error})" if last_error else ""
    raise TestFailure(f"timed out after {timeout:.0f} s waiting for {what}{detail}")


# AT-SPI tree helpers ---------------------------------------------------------

def walk(node, depth=0, max_depth=60):
    if node is None or depth > max_depth:
        return
    yield node
    try:
        children = list(node)
    except Exception:
        return
    for child in children:
        yield from walk(child, depth + 1, max_depth)


def find(root, role=None, name=None):
    for node in walk(root):
        try:
            if role is not None and node.getRoleName() != role:
                continue
            if name is not None and node.name != name:
                continue
            return node
        except Exception:
            continue
    return None


def find_all(root, role=None, name=None):
    found = []
    for node in walk(root):
        try:
            if (role is None or node.getRoleName() == role) and \
               (name is None or node.name == name):
                found.append(node)
        except Exception:
            continue
    return found


def find_button(root, text):
    """A push button called @text, or showing @text in a label (GTK 4.8
    names buttons with mnemonics oddly, e.g. “_Keep files Keep files”)."""
    for node in walk(root):
        try:
            if node.getRoleName() != "push button":
                continue
            if node.name == text:
                return node
            for inner in walk(node, max_depth=3):
                if inner.getRoleName() == "label" and inner.name == text:
                    return node
        except Exception:
            continue
    return None


def find_menu_item(root, text):
    for node in walk(root):
        try:
            if "menu item" in node.getRoleName() and node.name.replace("_", "") == text:
                return node
        except Exception:
            continue
    return None


def find_window(root, title):
    for child in root:
        try:
            if child is not None and child.name == title and \
               child.getRoleName() in ("frame", "dialog", "window"):
                return child
        except Exception:
            continue
    return None


def find_label_starting(root, prefix):
    for node in walk(root):
        try:
            if node.getRoleName() == "label" and node.name.startswith(prefix):
                return node
        except Exception:
            continue
    return None


def has_state(node, state):
    return node.getState().contains(state)


def press(node):
    """Activates a control through its Action interface ("click"). A
    GtkMenuButton shows as a push button holding the one that clicks."""
    for candidate in walk(node, max_depth=2):
        try:
            action = candidate.queryAction()
        except NotImplementedError:
            continue
        for i in range(action.nActions):
            if action.getName(i) in ("click", "press", "activate"):
                if not action.doAction(i):
                    raise TestFailure(f"the action on “{node.name}” was refused")
                return
    raise TestFailure(f"“{node.name}” ({node.getRoleName()}) has no click action")


def do_action(node, name):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == name:
            if not action.doAction(i):
                raise TestFailure(f"“{name}” on “{node.name}” was refused")
            return
    raise TestFailure(f"“{node.name}” has no “{name}” action")


def find_app(names, pid=None):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is None or app.name not in names:
            continue
        # After a restart the old process may still be listed for a moment.
        if pid is not None and app.get_process_id() != pid:
            continue
        return app
    return None


def require(root, role, name, what=None):
    node = wait_for(lambda: find(root, role, name),
                    what or f"a {role} named “{name}”")
    return node


def page_tab_pressed(app, name):
    tabs = find_all(app, "page tab", name)
    return bool(tabs) and all(has_state(t, pyatspi.STATE_PRESSED) for t in tabs)


# Screenshots -----------------------------------------------------------------

def screenshot(artifacts, name):
    path = os.path.join(artifacts, name + ".png")
    subprocess.run(["/usr/bin/import", "-window", "root", path], check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    colours = int(subprocess.run(["/usr/bin/identify", "-format", "%k", path], check=True,
                                 capture_output=True, text=True, timeout=30).stdout.strip())
    # A blank or unrendered screen has one or two colours; text and icons
    # bring hundreds through antialiasing.
    if colours < 32:
        raise TestFailure(f"{path} looks blank ({colours} colours)")
    log(f"screenshot {path}: {colours} colours")
    return path


def images_differ(a, b):
    result = subprocess.run(["/usr/bin/compare", "-metric", "AE", a, b, "null:"],
                            capture_output=True, text=True, timeout=30)
    # compare prints the number of differing pixels on stderr.
    return float(result.stderr.split()[0]) > 0


# Fixtures --------------------------------------------------------------------

def make_torrent(folder, name):
    """A real single-file torrent of random data (nobody seeds it)."""
    data_dir = os.path.join(folder, "seed")
    os.makedirs(data_dir)
    with open(os.path.join(data_dir, name), "wb") as f:
        f.write(os.urandom(2 * 1024 * 1024))
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(data_dir, name))
    t = lt.create_torrent(fs, 256 * 1024)
    lt.set_piece_hashes(t, data_dir)
    path = os.path.join(folder, name + ".torrent")
    with open(path, "wb") as f:
        f.write(lt.bencode(t.generate()))
    return path


def app_env():
    env = dict(os.environ)
    # The C tests turn the accessibility bridge off; this test needs it.
    env.pop("NO_AT_BRIDGE", None)
    env.pop("GTK_A11Y", None)
    env.setdefault("GSETTINGS_BACKEND", "memory")
    env["TS_LOOPBACK_ONLY"] = "1"
    return env


def quit_with_sigterm(process):
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise TestFailure("torrentstream did not quit on SIGTERM")
    if status != 0:
        raise TestFailure(f"torrentstream exited with {status} on SIGTERM")


def stop(process, name):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log(f"{name} did not exit on SIGTERM, killing it")
        process.kill()
        process.wait(timeout=10)


# The test --------------------------------------------------------------------

def run(binary, artifacts, workdir):
    env = app_env()
    torrent_name = "TorrentStream UI test film.mkv"
    torrent_path = make_torrent(workdir, torrent_name)
    app_log = open(os.path.join(artifacts, "torrentstream.log"), "w")
    app = None

    try:
        log(f"starting {binary}")
        app = subprocess.Popen([binary], env=env, stdout=app_log, stderr=subprocess.STDOUT)

        root = wait_for(lambda: find_app(("TorrentStream", "torrentstream"), app.pid),
                        "the application on the accessibility bus")
        wait_for(lambda: app.poll() is None and find(root, "frame", "TorrentStream"),
                 "the main window")

        # Both pages are reachable through the view switcher.
        require(root, "page tab", "Browse")
        require(root, "page tab", "Downloads")
        require(root, "push button", "Main Menu")
        wait_for(lambda: page_tab_pressed(root, "Browse"), "the Browse page to be shown first")
        wait_for(lambda: find(root, None, "Search films"), "the Browse page's search field")
        time.sleep(0.5)  # let the first frame reach the X server
        shot_browse = screenshot(artifacts, "01-browse")

        press(find(root, "page tab", "Downloads"))
        wait_for(lambda: page_tab_pressed(root, "Downloads") and
                 not page_tab_pressed(root, "Browse"),
                 "the Downloads page to be selected")
        require(root, "label", "No downloads")
        time.sleep(0.5)
        shot_empty = screenshot(artifacts, "02-downloads-empty")
        if not images_differ(shot_browse, shot_empty):
            raise TestFailure("the window looks the same on both pages")

        press(find(root, "page tab", "Browse"))
        wait_for(lambda: page_tab_pressed(root, "Browse"), "the Browse page to come back")

        # The primary menu opens the About window.
        press(find(root, "push button", "Main Menu"))
        about_item = wait_for(lambda: find_menu_item(root, "About TorrentStream"),
                              "the “About TorrentStream” menu item")
        press(about_item)
        about = wait_for(lambda: find_window(root, "About TorrentStream") or
                         find_window(root, "About"), "the About window")
        require(about, "label", "TorrentStream", "the application name in the About window")
        time.sleep(0.5)
        screenshot(artifacts, "03-about")
        # Its pages each have a Close button, most of them hidden: close the
        # window itself.
        do_action(about, "window.close")
        wait_for(lambda: find_window(root, "About TorrentStream") is None and
                 find_window(root, "About") is None, "the About window to close")

        # A torrent the engine refuses, from a second launch: the running
        # window says why.
        second = subprocess.run([binary, "magnet:?xt=urn:btih:not-a-hash"], env=env,
                                stdout=app_log, stderr=subprocess.STDOUT, timeout=TIMEOUT)
        if second.returncode != 0:
            raise TestFailure(f"the second launch exited with {second.returncode}")
        toast = wait_for(lambda: find_label_starting(root, "Could not add “magnet:?xt=urn:btih:not-a-hash”: "),
                         "a toast saying why the torrent could not be added")
        log(f"toast: {toast.name}")
        time.sleep(0.3)
        screenshot(artifacts, "04-error-toast")

        # A second launch hands the torrent to the running instance and exits.
        log(f"opening {torrent_path} from a second launch")
        second = subprocess.run([binary, torrent_path], env=env, stdout=app_log,
                                stderr=subprocess.STDOUT, timeout=TIMEOUT)
        if second.returncode != 0:
            raise TestFailure(f"the second launch exited with {second.returncode}")
        if app.poll() is not None:
            raise TestFailure(f"the first instance exited ({app.returncode})")

        pause_name = f"Pause {torrent_name}"
        pause = require(root, "push button", pause_name,
                        f"the download row (a “{pause_name}” button)")
        require(root, "push button", f"Remove {torrent_name}")
        require(root, "label", torrent_name)
        require(root, "label", "1 download")
        wait_for(lambda: page_tab_pressed(root, "Downloads"),
                 "the window to show the new download")
        time.sleep(1.5)  # a status update or two
        screenshot(artifacts, "05-downloads-row")

        press(pause)
        require(root, "label", "Paused", "the row to say “Paused”")
        require(root, "push button", f"Resume {torrent_name}")
        time.sleep(0.5)
        screenshot(artifacts, "06-downloads-paused")

        # SIGTERM quits properly: the session saves its state...
        quit_with_sigterm(app)
        state_dir = os.path.join(os.environ.get("XDG_DATA_HOME",
                                                os.path.expanduser("~/.local/share")),
                                 "torrentstream")
        if not os.path.exists(os.path.join(state_dir, "torrents.list")):
            raise TestFailure(f"no torrents.list in {state_dir} after quitting")

        # ...and the next start brings the download back, on the Downloads page.
        log("starting again")
        app = subprocess.Popen([binary], env=env, stdout=app_log, stderr=subprocess.STDOUT)
        root = wait_for(lambda: find_app(("TorrentStream", "torrentstream"), app.pid),
                        "the restarted application on the accessibility bus")
        remove = require(root, "push button", f"Remove {torrent_name}",
                         "the saved download after a restart")
        wait_for(lambda: page_tab_pressed(root, "Downloads"),
                 "the restarted window to open on its downloads")

        press(remove)
        keep = wait_for(lambda: find_button(root, "Keep files"), "the remove dialog")
        for text in ("Delete files", "Cancel"):
            if find_button(root, text) is None:
                raise TestFailure(f"the remove dialog has no “{text}” button")
        time.sleep(0.5)
        screenshot(artifacts, "07-remove-dialog")
        press(keep)
        wait_for(lambda: find(root, "push button", f"Remove {torrent_name}") is None and
                 find_button(root, "Keep files") is None,
                 "the download and the dialog to go away")
        require(root, "label", "No downloads", "the empty downloads page")
        seed_file = os.path.join(workdir, "seed", torrent_name)
        if not os.path.exists(seed_file):
            raise TestFailure("the test's own data went away")

        quit_with_sigterm(app)
    finally:
        stop(app, "torrentstream")
        app_log.close()

    with open(os.path.join(artifacts, "torrentstream.log")) as f:
        criticals = [line for line in f if "-CRITICAL **" in line]
    if criticals:
        raise TestFailure(f"torrentstream logged criticals: {criticals}")


def gui_test_main(run, name):
    """The main() of a GUI test script: run(binary, artifacts, workdir) with
    the artifacts in $TS_ARTIFACTS_DIR/NAME (or the build tree's) and a
    private work folder; PASS, or FAIL with the reason and a screenshot."""
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH-TO-TORRENTSTREAM", file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    artifacts = os.environ.get("TS_ARTIFACTS_DIR") or \
        os.path.join(os.environ.get("TS_BUILD_ROOT", "."), "tests", "artifacts")
    artifacts = os.path.join(artifacts, name)
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)
    workdir = tempfile.mkdtemp(prefix=f"ts-{name}-")
    try:
        run(binary, artifacts, workdir)
    except TestFailure as e:
        try:
            screenshot(artifacts, "99-failure")
        except Exception:  # the failure matters more than its picture
            pass
        print(f"FAIL: {e}", file=sys.stderr)
        print(f"# screenshots and the app's log are in {artifacts}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("PASS")
    return 0


def main():
    return gui_test_main(run, "ui-shell")


if __name__ == "__main__":
    sys.exit(main())
