# SPDX-License-Identifier: GPL-3.0-or-later
"""A catalog server for the browse test: a real HTTP server on 127.0.0.1 that
answers like the Internet Archive (advancedsearch.php, metadata/ID,
services/img/ID, download/ID/FILE with Range requests, so it is also the
web seed of the torrents it serves).

Films are generated: FILM_COUNT of them, newest first, each with a poster of
its own solid colour (POSTER_COLOURS). A few have real torrents whose files
this server seeds over HTTP (BEP 19 web seeds); one has a torrent address
that answers 404.
"""

import hashlib
import http.server
import json
import os
import re
import struct
import subprocess
import threading
import time
import urllib.parse
import zlib

import tsswarm

FILM_COUNT = 200
COLLECTION = "collection:tsfilms"

# Saturated colours that nothing else on the screen has.
POSTER_COLOURS = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (0, 128, 128),
]

GENRES = ["Comedy", "Drama", "Horror", "Science Fiction", "Western", "Film Noir"]
ADJECTIVES = ["Silent", "Crimson", "Hidden", "Golden", "Lonely", "Electric", "Frozen",
              "Wandering", "Broken", "Midnight"]
NOUNS = ["Harbor", "Garden", "Engine", "Mirror", "Canyon", "Lantern", "Orchard",
         "Signal", "Voyage", "Parade", "Tower", "Meadow", "Station", "River",
         "Carnival", "Compass", "Letter", "Balloon", "Island", "Circus"]

# Films the test works with, by number.
NEBULA_FILMS = {7: ("The Nebula Express", 1957), 64: ("Nebula Rising", 1971),
                133: ("Beyond the Nebula", 1982)}
PRELOAD_FILM = 7      # a real torrent, web-seeded here
PLAY_FILM = 133       # a real torrent too
BROKEN_FILM = 64      # its torrent address answers 404
FILM_SECONDS = 92 * 60


def film_id(number):
    return "tsfilm%03d" % number


def film_title(number):
    if number in NEBULA_FILMS:
        return NEBULA_FILMS[number][0]
    return "The %s %s" % (ADJECTIVES[number % len(ADJECTIVES)],
                          NOUNS[(number * 7) % len(NOUNS)])


def film_year(number):
    if number in NEBULA_FILMS:
        return NEBULA_FILMS[number][1]
    return 1920 + (number * 7) % 90


def film_stars(number):
    """avg_rating in stars out of 5; every fifth film has none."""
    if number % 5 == 0:
        return None
    return round(1.0 + (number * 37 % 40) / 10.0, 1)


def film_synopsis(number):
    return ("Film number %d of the test catalog: %s, where a %s %s changes "
            "everything." % (number, film_title(number),
                             ADJECTIVES[(number + 3) % len(ADJECTIVES)].lower(),
                             NOUNS[(number + 5) % len(NOUNS)].lower()))


def poster_colour(number):
    return POSTER_COLOURS[number % len(POSTER_COLOURS)]


def make_png(width, height, rgb):
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


class Catalog:
    """The films and their torrents; built once in @workdir."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.content = os.path.join(workdir, "content")
        self.torrents = {}     # number -> (path, info_hash, file names)
        os.makedirs(self.content, exist_ok=True)

    def stem(self, number):
        return "film_%03d" % number

    def make_torrent(self, number, base_url, playable=False):
        """Item files, as the Archive has them: two video formats, subtitles
        and metadata; the torrent holds all of them and has a web seed. With
        @playable the MP4 is a real film (a few seconds made by GStreamer)."""
        ident = film_id(number)
        folder = os.path.join(self.content, ident)
        os.makedirs(folder, exist_ok=True)
        stem = self.stem(number)
        if playable:
            subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", "num-buffers=150",
                            "pattern=ball", "!",
                            "video/x-raw,width=320,height=240,framerate=25/1", "!",
                            "x264enc", "!", "mp4mux", "!", "filesink",
                            "location=" + os.path.join(folder, stem + ".mp4")],
                           check=True, timeout=120)
        else:
            tsswarm._write_random(os.path.join(folder, stem + ".mp4"), 1536 * 1024, number)
        tsswarm._write_random(os.path.join(folder, stem + ".ogv"), 2048 * 1024, number)
        with open(os.path.join(folder, stem + ".srt"), "w") as f:
            f.write("1\n00:00:01,000 --> 00:00:04,000\nHello from film %d\n" % number)
        with open(os.path.join(folder, ident + "_meta.xml"), "w") as f:
            f.write("<metadata><identifier>%s</identifier></metadata>\n" % ident)
        out = os.path.join(self.workdir, ident + "_archive.torrent")
        info = tsswarm.make_torrent(self.content, ident, out, piece_size=65536,
                                    webseeds=[base_url + "/download/"])
        self.torrents[number] = (out, str(info.info_hash()))

    def info_hash(self, number):
        if number in self.torrents:
            return self.torrents[number][1]
        return hashlib.sha1(film_id(number).encode()).hexdigest()

    def doc(self, number):
        doc = {
            "identifier": film_id(number),
            "title": film_title(number),
            "year": film_year(number),
            "subject": [GENRES[number % len(GENRES)], "test"],
            "description": film_synopsis(number),
            "downloads": number * 13 % 997,
        }
        if film_stars(number) is not None:
            doc["avg_rating"] = film_stars(number)
        return doc

    def file_size(self, number, name, default):
        path = os.path.join(self.content, film_id(number), name)
        return os.path.getsize(path) if os.path.exists(path) else default

    def metadata(self, number):
        ident = film_id(number)
        stem = self.stem(number)
        files = [
            {"name": stem + ".mp4", "source": "derivative", "format": "h.264",
             "size": str(self.file_size(number, stem + ".mp4", 1536 * 1024)),
             "length": "%.2f" % FILM_SECONDS, "height": "480",
             "width": "640", "mtime": "1500000000"},
            {"name": stem + ".ogv", "source": "derivative", "format": "Ogg Video",
             "size": str(2048 * 1024), "length": "%.2f" % FILM_SECONDS, "height": "300",
             "width": "400", "mtime": "1500000000"},
            {"name": stem + ".srt", "source": "original", "format": "SubRip",
             "size": "60", "mtime": "1500000000"},
            {"name": ident + "_meta.xml", "source": "original", "format": "Metadata"},
            {"name": ident + "_archive.torrent", "source": "original",
             "format": "Archive BitTorrent", "btih": self.info_hash(number),
             "mtime": "1600000000", "size": "4000"},
        ]
        meta = dict(self.doc(number))
        meta["year"] = str(film_year(number))
        meta["mediatype"] = "movies"
        meta["collection"] = ["tsfilms"]
        return {"files": files, "metadata": meta, "server": "127.0.0.1"}

    def search(self, params):
        """The films matching an advancedsearch query, sorted, one page."""
        q = params.get("q", [""])[0]
        rows = int(params.get("rows", ["50"])[0])
        page = int(params.get("page", ["1"])[0])
        sort = params.get("sort[]", ["addeddate desc"])[0]
        if not q.startswith("(" + COLLECTION + ")"):
            return None
        terms = []
        m = re.search(r"\) AND \(((?:[^()\\]|\\.)*)\)", q)
        if m:
            terms = [t.replace("\\", "").lower() for t in m.group(1).split()]
        genre = re.search(r'subject:"((?:[^"\\]|\\.)*)"', q)
        rating = re.search(r"avg_rating:\[([\d.]+) TO 5\]", q)

        numbers = list(range(FILM_COUNT, 0, -1))     # newest first
        numbers = [n for n in numbers
                   if all(t in film_title(n).lower() for t in terms)]
        if genre:
            numbers = [n for n in numbers if GENRES[n % len(GENRES)] == genre.group(1)]
        if rating:
            minimum = float(rating.group(1))
            numbers = [n for n in numbers
                       if film_stars(n) is not None and film_stars(n) >= minimum]
        if sort.startswith("titleSorter"):
            numbers.sort(key=lambda n: film_title(n).lower())
        elif sort.startswith("year"):
            numbers.sort(key=lambda n: -film_year(n))
        elif sort.startswith("avg_rating"):
            numbers.sort(key=lambda n: -(film_stars(n) or 0))
        elif sort.startswith("downloads"):
            numbers.sort(key=lambda n: -(n * 13 % 997))
        start = (page - 1) * rows
        docs = [self.doc(n) for n in numbers[start:start + rows]]
        return {"responseHeader": {"status": 0, "params": {"q": q, "rows": str(rows)}},
                "response": {"numFound": len(numbers), "start": start, "docs": docs}}


class Server:
    """The HTTP server, in a thread. Its state is read and set by the test."""

    def __init__(self, workdir):
        self.catalog = Catalog(workdir)
        self.lock = threading.Lock()
        self.requests = []          # (path, params) of catalog requests
        self.search_status = 200    # set to 503 to make the listing fail
        # Bytes served per item file, and how fast (a web seed on the
        # Internet is not as fast as loopback).
        self.served = {}
        self.web_seed_rate = 1024 * 1024
        handler = self._make_handler()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.catalog.make_torrent(PRELOAD_FILM, self.base)
        self.catalog.make_torrent(PLAY_FILM, self.base, playable=True)
        self.thread.start()

    def stop(self):
        """Stops listening: later connections are refused."""
        if self.thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()

    def list_requests(self):
        with self.lock:
            return [params for path, params in self.requests if path == "/advancedsearch.php"]

    def _make_handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def send_body(self, status, body, content_type, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def send_json(self, obj):
                self.send_body(200, json.dumps(obj).encode(), "application/json")

            def not_found(self):
                self.send_body(404, b"not found\n", "text/plain")

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                path = urllib.parse.unquote(url.path)
                params = urllib.parse.parse_qs(url.query)
                with server.lock:
                    server.requests.append((path, params))

                if path == "/advancedsearch.php":
                    if server.search_status != 200:
                        self.send_body(server.search_status, b"<html>busy</html>", "text/html")
                        return
                    answer = server.catalog.search(params)
                    if answer is None:
                        self.send_body(400, b"bad query\n", "text/plain")
                    else:
                        self.send_json(answer)
                    return

                m = re.fullmatch(r"/metadata/tsfilm(\d{3})", path)
                if m and 1 <= int(m.group(1)) <= FILM_COUNT:
                    self.send_json(server.catalog.metadata(int(m.group(1))))
                    return

                m = re.fullmatch(r"/services/img/tsfilm(\d{3})", path)
                if m and 1 <= int(m.group(1)) <= FILM_COUNT:
                    png = make_png(100, 150, poster_colour(int(m.group(1))))
                    self.send_body(200, png, "image/png")
                    return

                m = re.fullmatch(r"/download/tsfilm(\d{3})/tsfilm\d{3}_archive\.torrent", path)
                if m:
                    number = int(m.group(1))
                    if number not in server.catalog.torrents:
                        self.not_found()
                        return
                    with open(server.catalog.torrents[number][0], "rb") as f:
                        self.send_body(200, f.read(), "application/x-bittorrent")
                    return

                if path.startswith("/download/"):
                    self.send_file(path[len("/download/"):])
                    return

                self.not_found()

            def send_file(self, rel):
                root = os.path.realpath(server.catalog.content)
                full = os.path.realpath(os.path.join(root, rel))
                if not full.startswith(root + os.sep) or not os.path.isfile(full):
                    self.not_found()
                    return
                size = os.path.getsize(full)
                start, end = 0, size - 1
                status = 200
                ranges = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
                if ranges:
                    if ranges.group(1):
                        start = int(ranges.group(1))
                        if ranges.group(2):
                            end = min(int(ranges.group(2)), size - 1)
                    else:
                        start = max(0, size - int(ranges.group(2)))
                    status = 206
                if start > end:
                    self.send_body(416, b"", "text/plain",
                                   {"Content-Range": "bytes */%d" % size})
                    return
                with open(full, "rb") as f:
                    f.seek(start)
                    body = f.read(end - start + 1)
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                if status == 206:
                    self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
                self.end_headers()
                if self.command == "HEAD":
                    return
                chunk = 16 * 1024
                try:
                    for offset in range(0, len(body), chunk):
                        self.wfile.write(body[offset:offset + chunk])
                        with server.lock:
                            server.served[rel] = server.served.get(rel, 0) + \
                                len(body[offset:offset + chunk])
                        time.sleep(chunk / server.web_seed_rate)
                except (BrokenPipeError, ConnectionResetError):
                    # A peer that has what it wants hangs up; that is fine.
                    self.close_connection = True

        return Handler


if __name__ == "__main__":
    # For trying the app by hand: python3 browse_fixture.py WORKDIR
    import sys
    s = Server(sys.argv[1])
    s.start()
    print(s.base, flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        s.stop()
