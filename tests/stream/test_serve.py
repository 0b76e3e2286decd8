#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests `torrentstream --serve` as a player or a script runs it.

    netns.sh isolate.sh /usr/bin/python3 test_serve.py TORRENTSTREAM

A python3-libtorrent seeder (tests/lib/tsswarm.py) seeds an H.264 film made
here with GStreamer (mp4mux: the index, moov, at the end), throttled, on
127.0.0.1; torrentstream serves it; GStreamer plays the URL it prints.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

import tsswarm  # noqa: E402

BINARY = None
TIMEOUT = 60.0
PIECE = 64 * 1024
RATE = 192 * 1024          # the film takes ~30 s to download whole
URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/[0-9a-f]{32}/([0-9a-f]{40})/(\d+)/(\S+)$")

_media_dir = None


def media_dir():
    """25 s of 640x360 H.264 at ~1.6 Mbit/s (about 5 MB), moov at the end,
    beside a subtitle file and notes, made once per run."""
    global _media_dir
    if _media_dir is None:
        _media_dir = tempfile.mkdtemp(prefix="ts-serve-media-")
        film = os.path.join(_media_dir, "Film", "film.mp4")
        os.makedirs(os.path.dirname(film))
        subprocess.run(
            ["gst-launch-1.0", "-q", "-e",
             "videotestsrc", "num-buffers=625", "pattern=snow", "!",
             "video/x-raw,width=640,height=360,framerate=25/1", "!",
             "x264enc", "bitrate=1600", "speed-preset=ultrafast", "key-int-max=25", "!",
             "h264parse", "!", "mp4mux", "!", "filesink", "location=" + film],
            check=True, timeout=300, stdout=subprocess.DEVNULL)
        with open(os.path.join(_media_dir, "Film", "film.srt"), "w") as fh:
            fh.write("1\n00:00:01,000 --> 00:00:03,000\nHello\n")
        with open(os.path.join(_media_dir, "Film", "notes.txt"), "w") as fh:
            fh.write("Notes about the film.\n" * 50)
    return _media_dir


class Lines:
    """Collects a pipe's lines on a thread, so reads never block the test."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for raw in stream:
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait_line(self, index, timeout):
        """The @index-th line, or None at EOF; fails after @timeout s."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.lines) <= index:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no output line %d within %.0f s" % (index, timeout))
                self.cond.wait(left)
            return self.lines[index]

    def text(self):
        with self.cond:
            return "\n".join(l for l in self.lines if l is not None)


class ServeTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ts-serve-")
        self.procs = []
        self.seeder = None
        self.tracker = None

    def tearDown(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            proc.stdout.close()
            proc.stderr.close()
        if self.seeder is not None:
            self.seeder.close()
        if self.tracker is not None:
            self.tracker.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # Helpers -------------------------------------------------------------

    def env(self):
        env = dict(os.environ)
        for var in ("DISPLAY", "WAYLAND_DISPLAY"):
            env.pop(var, None)
        home = os.path.join(self.dir, "home")
        env.update({
            "HOME": home,
            "XDG_DATA_HOME": os.path.join(home, "data"),
            "XDG_CONFIG_HOME": os.path.join(home, "config"),
            "XDG_CACHE_HOME": os.path.join(home, "cache"),
            "TS_LOOPBACK_ONLY": "1",
            "TS_HEADLESS_INTERVAL": "0.5",
            "G_DEBUG": "fatal-criticals",
        })
        return env

    def state_dir(self):
        return os.path.join(self.dir, "home", "data", "torrentstream")

    def start(self, *args):
        proc = subprocess.Popen([BINARY, *args], env=self.env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(proc)
        return proc, Lines(proc.stdout), Lines(proc.stderr)

    def run_bad(self, *args):
        """Runs torrentstream to its end; returns (status, stderr)."""
        proc = subprocess.run([BINARY, *args], env=self.env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        self.assertEqual(proc.stdout, b"", "nothing on stdout when it cannot serve")
        return proc.returncode, proc.stderr.decode()

    def seed(self, trackers=()):
        """A .torrent of the media folder (64 KiB pieces), seeded at RATE."""
        root = media_dir()
        path = os.path.join(self.dir, "Film.torrent")
        self.info = tsswarm.make_torrent(root, "Film", path, piece_size=PIECE, trackers=trackers)
        self.seeder = tsswarm.Seeder(rate=RATE)
        self.seeder.add(path, root)
        self.seeder.wait_ready(need_tracker=bool(trackers))
        return path

    def seeder_uploaded(self):
        self.seeder.pump()
        return self.seeder.status()["uploaded"]

    def files(self):
        fs = self.info.files()
        return [(fs.file_path(i).replace(os.sep, "/"), fs.file_size(i), fs.file_offset(i))
                for i in range(fs.num_files())]

    def source_bytes(self, index, start, length):
        path, _size, _offset = self.files()[index]
        with open(os.path.join(media_dir(), path), "rb") as fh:
            fh.seek(start)
            return fh.read(length)

    def request(self, url, method="GET", headers=None):
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        try:
            conn.request(method, parts.path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read()
        finally:
            conn.close()

    def stop_and_check_saved(self, proc, err, info_hash):
        proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("torrentstream did not exit within %.0f s of SIGTERM" % TIMEOUT)
        err.thread.join(10)
        self.assertEqual(status, 0, "exit status after SIGTERM; stderr:\n" + err.text())
        with open(os.path.join(self.state_dir(), "torrents.list")) as fh:
            self.assertIn(info_hash, fh.read().lower(), "the torrent is in the saved list")
        resume = os.listdir(os.path.join(self.state_dir(), "resume"))
        self.assertTrue(any(n.startswith(info_hash) for n in resume),
                        "its resume data was saved: %s" % resume)

    def first_frame(self, url):
        """Plays @url with playbin into fakesinks; returns (seconds to the
        first decoded video frame, the seeder's upload at that moment)."""
        pipeline = Gst.ElementFactory.make("playbin", None)
        video = Gst.ElementFactory.make("fakesink", None)
        audio = Gst.ElementFactory.make("fakesink", None)
        video.set_property("signal-handoffs", True)
        video.set_property("sync", False)
        pipeline.set_property("video-sink", video)
        pipeline.set_property("audio-sink", audio)
        pipeline.set_property("uri", url)
        got = {}
        lock = threading.Lock()

        def handoff(_sink, buf, pad):
            with lock:
                if "t" not in got:
                    got["t"] = time.monotonic()
                    got["caps"] = pad.get_current_caps().to_string()

        video.connect("handoff", handoff)
        video.connect("preroll-handoff", handoff)
        start = time.monotonic()
        pipeline.set_state(Gst.State.PLAYING)
        bus = pipeline.get_bus()
        uploaded = None
        try:
            while time.monotonic() - start < TIMEOUT:
                msg = bus.timed_pop_filtered(50 * Gst.MSECOND, Gst.MessageType.ERROR)
                if msg is not None:
                    err, debug = msg.parse_error()
                    self.fail("GStreamer: %s (%s)" % (err.message, debug))
                with lock:
                    done = "t" in got
                if done:
                    uploaded = self.seeder_uploaded()
                    break
                self.seeder.pump()
            else:
                self.fail("no video frame decoded within %.0f s" % TIMEOUT)
        finally:
            pipeline.set_state(Gst.State.NULL)
        self.assertTrue(got["caps"].startswith("video/x-raw"), got["caps"])
        return got["t"] - start, uploaded

    # Tests ---------------------------------------------------------------

    def test_serve_magnet_plays_while_downloading(self):
        """The URL is the first line; HEAD and ranges answer; a player gets
        its first frame long before half the torrent is there; SIGTERM
        saves and exits 0."""
        self.seed()
        info_hash = str(self.info.info_hash())
        magnet = tsswarm.magnet_for(self.info, self.seeder.port)
        total = self.info.total_size()
        film_index = [p for p, _s, _o in self.files()].index("Film/film.mp4")
        film_size = self.files()[film_index][1]

        proc, out, err = self.start("--serve", magnet)
        url = out.wait_line(0, TIMEOUT)
        self.assertIsNotNone(url, "exited before printing a URL; stderr:\n" + err.text())
        m = URL_LINE.match(url)
        self.assertIsNotNone(m, "the first line is the URL: %r" % url)
        self.assertEqual(m.group(2), info_hash)
        self.assertEqual(int(m.group(3)), film_index, "the largest video is served by default")
        self.assertEqual(m.group(4), "film.mp4")

        status, headers, body = self.request(url, "HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["content-length"]), film_size)
        self.assertEqual(headers.get("accept-ranges"), "bytes")
        self.assertEqual(body, b"")

        status, headers, body = self.request(url, headers={"Range": "bytes=1000-1999"})
        self.assertEqual(status, 206)
        self.assertEqual(headers["content-range"], "bytes 1000-1999/%d" % film_size)
        self.assertEqual(body, self.source_bytes(film_index, 1000, 1000))

        seconds, uploaded = self.first_frame(url)
        print("first frame after %.2f s with %d of %d bytes uploaded by the seeder"
              % (seconds, uploaded, total), file=sys.stderr)
        self.assertLess(uploaded, total / 2, "the first frame came before half the torrent")

        # The suffix range of the film's tail, with its index.
        status, headers, body = self.request(url, headers={"Range": "bytes=-4096"})
        self.assertEqual(status, 206)
        self.assertEqual(body, self.source_bytes(film_index, film_size - 4096, 4096))

        # Progress goes to stderr, nothing else to stdout.
        err.wait_line(1, TIMEOUT)
        self.stop_and_check_saved(proc, err, info_hash)
        out.thread.join(10)
        self.assertEqual([l for l in out.lines if l is not None], [url])

    def test_serve_file_option_with_tracker(self):
        """--file N serves that file of a .torrent found through its tracker,
        on the port asked for, whole and right."""
        root = media_dir()
        path = os.path.join(self.dir, "Film.torrent")
        info = tsswarm.make_torrent(root, "Film", path, piece_size=PIECE)
        self.tracker = tsswarm.Tracker(self.dir, [str(info.info_hash())]).start()
        path = self.seed(trackers=[self.tracker.url])
        names = [p for p, _s, _o in self.files()]
        notes = names.index("Film/notes.txt")
        port = tsswarm._free_port()

        proc, out, err = self.start("--serve", path, "--file", str(notes),
                                    "--http-port", str(port))
        url = out.wait_line(0, TIMEOUT)
        self.assertIsNotNone(url, "exited before printing a URL; stderr:\n" + err.text())
        m = URL_LINE.match(url)
        self.assertIsNotNone(m, url)
        self.assertEqual(int(m.group(1)), port)
        self.assertEqual(int(m.group(3)), notes)

        status, _headers, body = self.request(url)
        self.assertEqual(status, 200)
        self.assertEqual(body, self.source_bytes(notes, 0, self.files()[notes][1]))
        self.stop_and_check_saved(proc, err, str(self.info.info_hash()))

    def test_bad_input(self):
        """Each mistake ends at once with a message naming it."""
        missing = os.path.join(self.dir, "missing.torrent")
        status, err = self.run_bad("--serve", missing)
        self.assertNotEqual(status, 0)
        self.assertIn(missing, err)

        garbage = os.path.join(self.dir, "garbage.torrent")
        with open(garbage, "w") as fh:
            fh.write("just some text\n")
        status, err = self.run_bad("--serve", garbage)
        self.assertNotEqual(status, 0)
        self.assertIn("not a .torrent", err)

        status, err = self.run_bad("--serve", "magnet:?dn=nothing")
        self.assertNotEqual(status, 0)
        self.assertIn("info-hash", err)

        # The metadata is in the file: no peer is needed to find out.
        path = os.path.join(self.dir, "Film.torrent")
        tsswarm.make_torrent(media_dir(), "Film", path, piece_size=PIECE)
        status, err = self.run_bad("--serve", path, "--file", "7")
        self.assertNotEqual(status, 0)
        self.assertIn("no file number 7", err)
        self.assertIn("--file 0", err, "the files to choose from are listed")

        busy = tsswarm._free_port()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", busy))
            sock.listen()
            status, err = self.run_bad("--serve", path, "--http-port", str(busy))
        self.assertNotEqual(status, 0)
        self.assertIn(str(busy), err)

        for args, words in ((["--serve", path, "--http-port", "70000"], "--http-port"),
                            (["--serve", path, "--file", "-1"], "--file"),
                            (["--serve", path, "other.torrent"], "--serve"),
                            (["--headless", "--file", "1"], "--serve")):
            status, err = self.run_bad(*args)
            self.assertNotEqual(status, 0, args)
            self.assertIn(words, err, args)

        # A torrent added only to be served is not kept when that fails.
        listing = os.path.join(self.state_dir(), "torrents.list")
        if os.path.exists(listing):
            with open(listing) as fh:
                self.assertNotIn(str(tsswarm.lt.torrent_info(path).info_hash()), fh.read().lower())


def main():
    global BINARY
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    BINARY = os.path.abspath(sys.argv.pop(1))
    Gst.init(None)
    try:
        result = unittest.main(exit=False, verbosity=2).result
    finally:
        if _media_dir is not None:
            shutil.rmtree(_media_dir, ignore_errors=True)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
