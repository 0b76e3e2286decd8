#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests `torrentstream --headless` as a user runs it from a terminal.

    isolate.sh /usr/bin/python3 test_headless.py TORRENTSTREAM

No display is needed (DISPLAY and WAYLAND_DISPLAY are removed), nobody else
seeds the torrents, and everything runs on loopback (TS_LOOPBACK_ONLY=1).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import libtorrent as lt

BINARY = None
TIMEOUT = float(os.environ.get("TS_HEADLESS_TIMEOUT", "30"))
STATUS_LINE = re.compile(r"^\[ *(\d+\.\d)%\] (.+?) — (.+?) — ↓ (.+?) ↑ (.+?) — (\d+) peers? "
                         r"\((\d+) seeds?\)( — ETA \S+)?$")


def make_torrent(folder, name, size=512 * 1024):
    """A single-file torrent; its data is written to @folder/seed/@name."""
    data_dir = os.path.join(folder, "seed")
    os.makedirs(data_dir, exist_ok=True)
    with open(os.path.join(data_dir, name), "wb") as f:
        f.write(os.urandom(size))
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(data_dir, name))
    t = lt.create_torrent(fs, 64 * 1024)
    lt.set_piece_hashes(t, data_dir)
    path = os.path.join(folder, name + ".torrent")
    with open(path, "wb") as f:
        f.write(lt.bencode(t.generate()))
    # Torrents made by libtorrent 2 are hybrids: the engine may name them by
    # the v1 hash or by the truncated v2 one.
    hashes = lt.torrent_info(path).info_hashes()
    return path, {str(hashes.v1), str(hashes.v2)[:40]}


class Output:
    """Collects a pipe's lines on a thread, so reads never block the test."""

    def __init__(self, stream):
        self.lines = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            with self.lock:
                self.lines.append(line.rstrip("\n"))
        stream.close()

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def text(self):
        self.thread.join(timeout=10)
        return "\n".join(self.snapshot())


class Headless(unittest.TestCase):
    def setUp(self):
        # Each test gets its own data, config and download folders.
        self.dir = tempfile.mkdtemp(prefix="ts-headless-")
        self.data_home = os.path.join(self.dir, "data")
        self.downloads = os.path.join(self.dir, "downloads")
        os.makedirs(self.downloads)
        self.env = dict(os.environ)
        for var in ("DISPLAY", "WAYLAND_DISPLAY"):
            self.env.pop(var, None)
        self.env.update({
            "XDG_DATA_HOME": self.data_home,
            "XDG_CONFIG_HOME": os.path.join(self.dir, "config"),
            "HOME": os.path.join(self.dir, "home"),
            "TS_LOOPBACK_ONLY": "1",
            "TS_HEADLESS_INTERVAL": "0.2",
            "LC_ALL": "C.UTF-8",
        })
        self.use_download_folder(self.downloads)
        self.processes = []

    def tearDown(self):
        for p in self.processes:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def use_download_folder(self, folder):
        """Settings from a key file, so the download folder is ours."""
        keyfile_dir = os.path.join(self.env["XDG_CONFIG_HOME"], "glib-2.0", "settings")
        os.makedirs(keyfile_dir, exist_ok=True)
        with open(os.path.join(keyfile_dir, "keyfile"), "w") as f:
            f.write("[org/example/TorrentStream]\n")
            f.write(f"download-folder='{folder}'\n")
            f.write("listen-port=0\n")
        self.env["GSETTINGS_BACKEND"] = "keyfile"

    @property
    def state_dir(self):
        return os.path.join(self.data_home, "torrentstream")

    def start(self, *args):
        p = subprocess.Popen([BINARY, "--headless", *args], env=self.env, cwd=self.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             encoding="utf-8")
        self.processes.append(p)
        p.out = Output(p.stdout)
        p.err = Output(p.stderr)
        return p

    def wait(self, p, what):
        try:
            p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
            self.fail(f"torrentstream --headless did not exit {what} within {TIMEOUT:.0f} s; "
                      f"stderr: {p.err.text()!r}")
        return p.returncode, p.out.text(), p.err.text()

    def run_to_end(self, *args):
        return self.wait(self.start(*args), "by itself")

    def read_status_line(self, p, name):
        """Waits for a status line about @name on stdout."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in p.out.snapshot():
                m = STATUS_LINE.match(line)
                if m and m.group(2) == name:
                    return m
            if p.poll() is not None:
                break
            time.sleep(0.05)
        self.fail(f"no status line for “{name}” (exit status {p.poll()}); "
                  f"stdout: {p.out.snapshot()!r}; stderr: {p.err.snapshot()!r}")

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        return self.wait(p, "on SIGTERM")

    # --------------------------------------------------------------------

    def test_help(self):
        status, out, err = self.run_to_end("--help")
        self.assertEqual(status, 0, err)
        self.assertIn("--exit-when-done", out)
        self.assertIn("Exit status", out)
        self.assertIn("TS_HEADLESS_INTERVAL", out)

    def test_unknown_option(self):
        status, out, err = self.run_to_end("--no-such-option")
        self.assertEqual(status, 1)
        self.assertIn("--no-such-option", err)

    def test_bad_magnet(self):
        magnet = "magnet:?xt=urn:btih:not-a-hash"
        status, out, err = self.run_to_end(magnet)
        self.assertEqual(status, 1, err)
        m = re.search(r"^torrentstream: Could not add “(.+?)”: (.+)$", err, re.M)
        self.assertIsNotNone(m, f"no error line on stderr: {err!r}")
        self.assertEqual(m.group(1), magnet)
        self.assertGreater(len(m.group(2)), 5, "the reason is missing")
        self.assertEqual(len(err.strip().splitlines()), 1, f"one line expected: {err!r}")

    def test_missing_file(self):
        status, out, err = self.run_to_end("no-such-film.torrent")
        self.assertEqual(status, 1, err)
        self.assertRegex(err, r"torrentstream: The file “.*/no-such-film\.torrent” does not exist")

    def test_nothing_to_do(self):
        status, out, err = self.run_to_end()
        self.assertEqual(status, 0, err)
        self.assertIn("nothing to download", err)

    def test_progress_then_sigterm_saves_state(self):
        torrent, info_hashes = make_torrent(self.dir, "Headless test film.mkv")
        # A relative path: resolved against the current folder.
        p = self.start(os.path.relpath(torrent, self.dir))
        m = self.read_status_line(p, "Headless test film.mkv")
        self.assertEqual(m.group(1), "0.0")
        status, out, err = self.stop(p)
        self.assertEqual(status, 0, err)
        self.assertTrue(os.path.isfile(os.path.join(self.state_dir, "torrents.list")),
                        f"no torrents.list in {self.state_dir}")
        with open(os.path.join(self.state_dir, "torrents.list")) as f:
            saved = f.read().lower()
        self.assertTrue(any(h in saved for h in info_hashes),
                        f"neither of {info_hashes} in torrents.list: {saved!r}")
        resume = os.path.join(self.state_dir, "resume")
        self.assertTrue(os.path.isdir(resume) and os.listdir(resume),
                        f"no resume data in {resume}")

        # The next run resumes it without being told.
        p = self.start()
        self.read_status_line(p, "Headless test film.mkv")
        status, out, err = self.stop(p)
        self.assertEqual(status, 0, err)

    def test_good_and_bad_inputs(self):
        torrent, _ = make_torrent(self.dir, "Good film.mkv")
        p = self.start(torrent, "magnet:?xt=urn:btih:broken")
        self.read_status_line(p, "Good film.mkv")
        status, out, err = self.stop(p)
        self.assertEqual(status, 1, "a refused input must fail the run")
        self.assertIn("torrentstream: Could not add “magnet:?xt=urn:btih:broken”: ", err)

    def test_exit_when_done(self):
        torrent, _ = make_torrent(self.dir, "Complete film.mkv")
        # The data is already in the download folder: checking finds it whole.
        shutil.copy(os.path.join(self.dir, "seed", "Complete film.mkv"), self.downloads)
        status, out, err = self.run_to_end("--exit-when-done", torrent)
        self.assertEqual(status, 0, err)
        lines = [STATUS_LINE.match(line) for line in out.splitlines()]
        self.assertTrue(lines and lines[-1], f"no status line at the end: {out!r}")
        self.assertEqual(lines[-1].group(1), "100.0")
        self.assertEqual(lines[-1].group(3), "seeding")


def main():
    global BINARY
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} PATH-TO-TORRENTSTREAM [unittest args]", file=sys.stderr)
        return 2
    BINARY = os.path.abspath(sys.argv.pop(1))
    program = unittest.main(exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
