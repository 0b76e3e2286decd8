#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tsswarm: a local, loopback-only BitTorrent swarm for TorrentStream's tests.

Nothing here is TorrentStream code: the seeder is python3-libtorrent and the
tracker is Debian's opentracker, so the engine is tested against real peers.

Sub-commands (all print JSON on stdout; logs go to stderr):

  content ROOT [--layout multi|single] [--size-mib F | --size-bytes N] [--seed S] [--name N]
      deterministic content under ROOT (pseudo-random bytes from S)
  torrent ROOT NAME OUT.torrent [--piece-size B] [--webseed URL] [--tracker-url URL]
      a v1 .torrent of ROOT/NAME (no creation date: the info-hash is reproducible)
  seed --torrent T [--torrent T2 ...] --save-path DIR [--rate B/s] [--no-utp]
       [--tracker-for-workdir DIR]
      seeds until SIGTERM/SIGINT, "quit" or EOF on stdin
  swarm --workdir DIR [content options] [--piece-size B] [--webseed URL] [--tracker]
        [--rate B/s] [--no-seed [--wait]] [--no-utp] [--extra-torrents N] [--cleanup]
      all of the above: content in DIR/content, DIR/NAME.torrent, optionally an
      opentracker on 127.0.0.1 that the torrent announces to, then seeds.
  leech --torrent T --save-path DIR [--peer IP:PORT] [--timeout S]
      downloads T with python3-libtorrent (peers from --peer, the torrent's
      tracker or its web seeds) and prints {"ok": true, "seconds": ...}

When the seeder is ready it prints ONE line:
  {"port": P, "info_hash": H, "torrent": PATH, "magnet": "magnet:?...&x.pe=127.0.0.1:P", ...}
then reads commands from stdin, one per line, each answered by one JSON line:
  rate N          upload limit in bytes/s (0 = unlimited), applied to loopback peers too
  status          {"uploaded": bytes, "peers": n, "state": ..., "rate": ...}
  stats           {"incoming_cancels": n}: the requests peers took back
  reannounce      announce to the tracker again now
  connect IP:PORT dial a peer (for clients that ignore loopback tracker peers)
  pause / resume  stop / restart seeding (peers are dropped; a tracker keeps running)
  quit            stop seeding and exit
The seeder exits when stdin reaches EOF, so a test that dies takes it along.

Everything listens on and connects from 127.0.0.1 only: DHT, LSD, UPnP, NAT-PMP
off, no ut_pex (the session has no default plugins; only ut_metadata is added so
magnet links work).
"""

import argparse
import binascii
import json
import os
import random
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import libtorrent as lt

MIB = 1024 * 1024
READY_TIMEOUT = 60.0


class SwarmError(Exception):
    pass


def log(*args):
    print("[tsswarm]", *args, file=sys.stderr, flush=True)


# Content -----------------------------------------------------------------

def _write_random(path, size, seed):
    """Writes @size pseudo-random bytes; the same (seed, path) gives the same bytes."""
    rng = random.Random("%s:%s" % (seed, os.path.basename(path)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            n = min(left, MIB)
            fh.write(rng.randbytes(n))
            left -= n


def _write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _srt(seed, n_cues):
    rng = random.Random("%s:srt" % seed)
    lines = []
    for i in range(n_cues):
        start = i * 4
        lines.append("%d\n%02d:%02d:%02d,000 --> %02d:%02d:%02d,500\nLine %d, seed %s, %08x\n"
                     % (i + 1, start // 3600, start // 60 % 60, start % 60,
                        (start + 3) // 3600, (start + 3) // 60 % 60, (start + 3) % 60,
                        i + 1, seed, rng.getrandbits(32)))
    return "\n".join(lines)


def make_content(root, layout="multi", size=12 * MIB, seed=1, name=None):
    """Creates the content under @root and returns {"root", "name", "files"}.

    multi:  ROOT/NAME/film.mp4, film.srt, extras/notes.txt, extras/trailer.mkv
            (sizes deliberately not piece-aligned, so pieces straddle files)
    single: ROOT/NAME (NAME defaults to film.mp4)
    """
    if size < 64 * 1024:
        raise SwarmError("content size must be at least 64 KiB")
    os.makedirs(root, exist_ok=True)
    files = []
    if layout == "single":
        name = name or "film.mp4"
        _write_random(os.path.join(root, name), size, seed)
        files.append({"path": name, "size": size})
    elif layout == "multi":
        name = name or "Test Film %s" % seed
        top = os.path.join(root, name)
        srt = _srt(seed, 300)
        notes = "Notes for the test film, seed %s.\n" % seed * 20
        film = int(size * 0.7) - 12345
        trailer = size - film - len(srt.encode()) - len(notes.encode())
        if trailer <= 0:
            raise SwarmError("content size too small for the multi-file layout")
        _write_random(os.path.join(top, "film.mp4"), film, seed)
        _write_text(os.path.join(top, "film.srt"), srt)
        _write_text(os.path.join(top, "extras", "notes.txt"), notes)
        _write_random(os.path.join(top, "extras", "trailer.mkv"), trailer, seed)
        for rel in ("film.mp4", "film.srt", "extras/notes.txt", "extras/trailer.mkv"):
            files.append({"path": name + "/" + rel,
                          "size": os.path.getsize(os.path.join(top, rel))})
    else:
        raise SwarmError("unknown layout %r (multi or single)" % layout)
    return {"root": os.path.abspath(root), "name": name, "files": files}


# Torrent -----------------------------------------------------------------

def make_torrent(root, name, out, piece_size=65536, webseeds=(), trackers=()):
    """A v1 torrent of ROOT/NAME, files in a fixed order. Returns torrent_info."""
    top = os.path.join(root, name)
    fs = lt.file_storage()
    if os.path.isdir(top):
        rels = []
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for f in sorted(filenames):
                rels.append(os.path.relpath(os.path.join(dirpath, f), root))
        # film first, then the rest: the layout the tests reason about
        order = {"film.mp4": 0, "film.srt": 1, "notes.txt": 2, "trailer.mkv": 3}
        rels.sort(key=lambda r: (order.get(os.path.basename(r), 9), r))
        for rel in rels:
            fs.add_file(rel.replace(os.sep, "/"), os.path.getsize(os.path.join(root, rel)))
    elif os.path.isfile(top):
        fs.add_file(name, os.path.getsize(top))
    else:
        raise SwarmError("no such content: %s" % top)
    if piece_size < 16384 or piece_size & (piece_size - 1):
        raise SwarmError("piece size must be a power of two >= 16384")
    ct = lt.create_torrent(fs, piece_size, lt.create_torrent.v1_only)
    for url in trackers:
        ct.add_tracker(url)
    for url in webseeds:
        ct.add_url_seed(url)
    ct.set_creator("tsswarm")
    lt.set_piece_hashes(ct, root)
    data = lt.bencode(ct.generate())
    tmp = out + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, out)
    return lt.torrent_info(out)


def set_announce(path, url):
    """Rewrites the announce URL of a .torrent (outside the info dict: same info-hash)."""
    with open(path, "rb") as fh:
        d = lt.bdecode(fh.read())
    d[b"announce"] = url.encode()
    d.pop(b"announce-list", None)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(lt.bencode(d))
    os.replace(tmp, path)
    return lt.torrent_info(path)


def magnet_for(ti, port):
    uri = lt.make_magnet_uri(ti)
    return uri + "&x.pe=127.0.0.1:%d" % port if port else uri


# Tracker -----------------------------------------------------------------

def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


class Tracker:
    """Debian's opentracker on 127.0.0.1. Its build is whitelist-only and it
    refuses to run as root: the info-hashes go into a whitelist, and as root it
    chroots into DIR/tracker and drops to `nobody`."""

    def __init__(self, workdir, info_hashes):
        self.dir = os.path.join(os.path.abspath(workdir), "tracker")
        self.proc = None
        self.port = None
        if not shutil.which("opentracker"):
            raise SwarmError("opentracker is not installed (Debian package opentracker)")
        os.makedirs(self.dir, exist_ok=True)
        # `nobody` must reach the whitelist after dropping root.
        os.chmod(os.path.dirname(self.dir), 0o755)
        os.chmod(self.dir, 0o755)
        wl = os.path.join(self.dir, "whitelist.txt")
        with open(wl, "w") as fh:
            fh.write("".join(h + "\n" for h in info_hashes))
        os.chmod(wl, 0o644)
        self.log_path = os.path.join(os.path.abspath(workdir), "opentracker.log")

    def start(self):
        last = ""
        for _attempt in range(5):
            port = _free_port()
            conf = os.path.join(self.dir, "opentracker.conf")
            with open(conf, "w") as fh:
                fh.write("listen.tcp_udp 127.0.0.1:%d\n" % port)
                if os.geteuid() == 0:
                    fh.write("access.whitelist ./whitelist.txt\n")
                    fh.write("tracker.rootdir %s\ntracker.user nobody\n" % self.dir)
                else:
                    fh.write("access.whitelist %s/whitelist.txt\n" % self.dir)
            logf = open(self.log_path, "ab")
            self.proc = subprocess.Popen(["opentracker", "-f", conf], stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=logf)
            logf.close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if _port_open(port):
                    self.port = port
                    log("opentracker pid=%d on 127.0.0.1:%d" % (self.proc.pid, port))
                    return self
                time.sleep(0.05)
            self.stop()
            with open(self.log_path, "rb") as fh:
                last = fh.read().decode(errors="replace")[-2000:]
        raise SwarmError("opentracker did not start on 127.0.0.1; its log:\n" + last)

    @property
    def url(self):
        return "http://127.0.0.1:%d/announce" % self.port

    def scrape(self, info_hash):
        """(complete, incomplete) for @info_hash, or None when the tracker does not answer."""
        q = urllib.parse.quote(binascii.unhexlify(info_hash))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            body = opener.open("http://127.0.0.1:%d/scrape?info_hash=%s" % (self.port, q),
                               timeout=5).read()
        except OSError:
            return None
        d = lt.bdecode(body) or {}
        for v in (d.get(b"files") or {}).values():
            return v.get(b"complete", 0), v.get(b"incomplete", 0)
        return (0, 0)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# Seeder ------------------------------------------------------------------

STATE_NAMES = {
    getattr(lt.torrent_status.states, n): n
    for n in dir(lt.torrent_status.states)
    if not n.startswith("_") and n not in ("names", "values")
    and isinstance(getattr(lt.torrent_status.states, n), lt.torrent_status.states)
}


class Seeder:
    def __init__(self, rate=0, utp=True):
        settings = {
            "listen_interfaces": "127.0.0.1:0",
            "outgoing_interfaces": "127.0.0.1",
            "enable_dht": False,
            "enable_lsd": False,
            "enable_upnp": False,
            "enable_natpmp": False,
            "dht_bootstrap_nodes": "",
            "enable_incoming_utp": utp,
            "enable_outgoing_utp": utp,
            "upload_rate_limit": rate,
            "rate_limit_ip_overhead": False,
            "allow_multiple_connections_per_ip": True,
            "min_reconnect_time": 2,
            "announce_to_all_trackers": True,
            "user_agent": "tsswarm/libtorrent-" + lt.__version__,
            "alert_mask": int(lt.alert.category_t.error_notification
                              | lt.alert.category_t.status_notification
                              | lt.alert.category_t.tracker_notification
                              | lt.alert.category_t.storage_notification),
        }
        # flags=0: no default plugins, so no ut_pex; ut_metadata serves magnet clients.
        self.ses = lt.session(settings, 0)
        self.ses.add_extension("ut_metadata")
        # libtorrent exempts local peers (127/8 ...) from rate limits; put every
        # address in the global class so the limit applies on loopback.
        f = lt.ip_filter()
        f.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        self.ses.set_peer_class_filter(f)
        self.handles = []
        self.infos = []
        self.tracker_replied = set()
        self.errors = []

    @property
    def port(self):
        return self.ses.listen_port()

    def add(self, torrent_path, save_path):
        ti = lt.torrent_info(torrent_path)
        atp = lt.add_torrent_params()
        atp.ti = ti
        atp.save_path = save_path
        # full hash check of the data, start at once
        atp.flags = (atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
                     & ~lt.torrent_flags.seed_mode)
        self.handles.append(self.ses.add_torrent(atp))
        self.infos.append((torrent_path, ti))

    def set_rate(self, rate):
        self.ses.apply_settings({"upload_rate_limit": max(0, int(rate))})

    def pump(self):
        for al in self.ses.pop_alerts():
            self._alert(al)

    def _alert(self, al):
        if isinstance(al, lt.tracker_reply_alert):
            self.tracker_replied.add(str(al.handle.info_hash()))
        elif isinstance(al, (lt.tracker_error_alert, lt.torrent_error_alert,
                             lt.file_error_alert, lt.listen_failed_alert)):
            self.errors.append(al.message())
            log("alert:", al.message())

    def stats(self, timeout=10.0):
        """The session's counters that tests look at."""
        self.ses.post_session_stats()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ses.wait_for_alert(100)
            for al in self.ses.pop_alerts():
                if isinstance(al, lt.session_stats_alert):
                    return {"incoming_cancels": al.values["ses.num_incoming_cancel"]}
                self._alert(al)
        raise SwarmError("no session statistics after %.0f s" % timeout)

    def wait_ready(self, need_tracker, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            sts = [h.status() for h in self.handles]
            ok = self.port > 0 and all(s.is_seeding and s.progress >= 1.0 for s in sts)
            if ok and need_tracker:
                ok = all(str(ti.info_hash()) in self.tracker_replied for _p, ti in self.infos)
            if ok:
                return
            for s in sts:
                if s.errc.value():
                    raise SwarmError("seeder: %s: %s" % (s.name, s.errc.message()))
            time.sleep(0.05)
        states = ["%s %s %.3f" % (s.name, STATE_NAMES.get(s.state, s.state), s.progress)
                  for s in (h.status() for h in self.handles)]
        raise SwarmError("seeder not ready after %.0f s (%s; errors: %s)"
                         % (timeout, ", ".join(states), self.errors[-3:]))

    def status(self):
        sts = [h.status() for h in self.handles]
        return {
            "uploaded": sum(s.total_payload_upload for s in sts),
            "upload_rate": sum(s.upload_payload_rate for s in sts),
            "peers": sum(s.num_peers for s in sts),
            "state": [STATE_NAMES.get(s.state, str(s.state)) for s in sts],
            "rate": self.ses.get_settings()["upload_rate_limit"],
            "errors": self.errors[-5:],
        }

    def command(self, line):
        parts = line.split()
        if not parts:
            return None
        cmd, args = parts[0], parts[1:]
        try:
            if cmd == "rate" and len(args) == 1:
                self.set_rate(int(args[0]))
                return {"ok": True, "cmd": cmd, "rate": self.ses.get_settings()["upload_rate_limit"]}
            if cmd == "status":
                return dict(self.status(), ok=True, cmd=cmd)
            if cmd == "stats":
                return dict(self.stats(), ok=True, cmd=cmd)
            if cmd == "reannounce":
                for h in self.handles:
                    h.force_reannounce(0, -1, lt.torrent_handle.ignore_min_interval)
                return {"ok": True, "cmd": cmd}
            if cmd == "connect" and len(args) == 1:
                host, _, port = args[0].rpartition(":")
                for h in self.handles:
                    h.connect_peer((host, int(port)))
                return {"ok": True, "cmd": cmd}
            if cmd == "pause":
                self.ses.pause()
                return {"ok": True, "cmd": cmd}
            if cmd == "resume":
                self.ses.resume()
                return {"ok": True, "cmd": cmd}
            if cmd == "quit":
                return {"ok": True, "cmd": cmd}
        except (ValueError, RuntimeError, SwarmError) as e:
            return {"ok": False, "cmd": cmd, "error": str(e)}
        return {"ok": False, "cmd": cmd, "error": "unknown command: %s" % line.strip()}

    def close(self):
        self.ses.pause()


def leech(torrent, save_path, peers=(), timeout=120.0):
    """Downloads @torrent to @save_path on loopback; returns the seconds it took."""
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0", "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "dht_bootstrap_nodes": "", "allow_multiple_connections_per_ip": True,
        "alert_mask": int(lt.alert.category_t.error_notification),
    }, 0)
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_path
    atp.flags = atp.flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
    t0 = time.monotonic()
    h = ses.add_torrent(atp)
    for p in peers:
        host, _, port = p.rpartition(":")
        h.connect_peer((host, int(port)))
    errors = []
    while time.monotonic() - t0 < timeout:
        for al in ses.pop_alerts():
            if isinstance(al, (lt.torrent_error_alert, lt.file_error_alert, lt.url_seed_alert,
                               lt.tracker_error_alert)):
                errors.append(al.message())
                log("leech alert:", al.message())
        st = h.status()
        if st.is_seeding:
            ses.pause()
            return time.monotonic() - t0
        time.sleep(0.05)
    raise SwarmError("leech: not complete after %.0f s (progress %.3f; errors: %s)"
                     % (timeout, h.status().progress, errors[-3:]))


def _emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class _Stop(Exception):
    pass


def _on_signal(_signum, _frame):
    # once is enough: a second signal must not interrupt the clean-up
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise _Stop()


def serve(seeder, max_seconds):
    """Seeds until SIGTERM/SIGINT, "quit", EOF on stdin, or @max_seconds."""
    sel = selectors.DefaultSelector()
    stdin_fd = sys.stdin.fileno()
    try:
        sel.register(stdin_fd, selectors.EVENT_READ)
    except (ValueError, PermissionError, OSError):
        stdin_fd = None  # stdin is a regular file or /dev/null: no commands
    buf = b""
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        if seeder:
            seeder.pump()
        if stdin_fd is None:
            time.sleep(0.25)
            continue
        for _key, _ev in sel.select(0.25):
            chunk = os.read(stdin_fd, 4096)
            if not chunk:
                log("stdin closed: stopping")
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                if seeder:
                    reply = seeder.command(text)
                elif text.strip() == "quit":
                    reply = {"ok": True, "cmd": "quit"}
                else:
                    reply = {"ok": False, "cmd": text.strip(), "error": "no seeder (--no-seed)"}
                if reply is not None:
                    _emit(reply)
                    if reply.get("cmd") == "quit":
                        return
    log("--max-seconds reached: stopping")


# Command line ------------------------------------------------------------

def _size_from(a):
    if a.size_bytes:
        return a.size_bytes
    return int(a.size_mib * MIB)


def _add_content_args(p):
    p.add_argument("--layout", choices=("multi", "single"), default="multi")
    p.add_argument("--size-mib", type=float, default=12.0)
    p.add_argument("--size-bytes", type=int, default=0)
    p.add_argument("--seed", default="1")
    p.add_argument("--name")


def _parser():
    ap = argparse.ArgumentParser(prog="tsswarm.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("content", help="generate deterministic content")
    p.add_argument("root")
    _add_content_args(p)

    p = sub.add_parser("torrent", help="make a .torrent")
    p.add_argument("root")
    p.add_argument("name")
    p.add_argument("out")
    p.add_argument("--piece-size", type=int, default=65536)
    p.add_argument("--webseed", action="append", default=[])
    p.add_argument("--tracker-url", action="append", default=[])

    p = sub.add_parser("seed", help="seed existing torrents")
    p.add_argument("--torrent", action="append", required=True)
    p.add_argument("--save-path", required=True)
    p.add_argument("--rate", type=int, default=0, help="upload limit, bytes/s (0 = unlimited)")
    p.add_argument("--no-utp", dest="utp", action="store_false")
    p.add_argument("--wait-tracker", action="store_true",
                   help="be ready only after every torrent got a tracker reply")
    p.add_argument("--max-seconds", type=float, default=3600)

    p = sub.add_parser("leech", help="download a torrent with python3-libtorrent")
    p.add_argument("--torrent", required=True)
    p.add_argument("--save-path", required=True)
    p.add_argument("--peer", action="append", default=[])
    p.add_argument("--timeout", type=float, default=120.0)

    p = sub.add_parser("swarm", help="content + torrent (+ tracker) + seeder")
    p.add_argument("--workdir", required=True)
    _add_content_args(p)
    p.add_argument("--piece-size", type=int, default=65536)
    p.add_argument("--webseed", action="append", default=[])
    p.add_argument("--tracker", action="store_true", help="run opentracker; the torrent announces to it")
    p.add_argument("--extra-torrents", type=int, default=0,
                   help="also make and seed N small single-file torrents (seed S+1...)")
    p.add_argument("--rate", type=int, default=0, help="upload limit, bytes/s (0 = unlimited)")
    p.add_argument("--no-seed", action="store_true",
                   help="only make content and torrent (and tracker); with --wait, stay until "
                        "EOF on stdin, else exit")
    p.add_argument("--wait", action="store_true", help="with --no-seed: stay until EOF on stdin")
    p.add_argument("--cleanup", action="store_true",
                   help="remove --workdir on exit (also when killed with SIGTERM)")
    p.add_argument("--no-utp", dest="utp", action="store_false")
    p.add_argument("--max-seconds", type=float, default=3600)
    return ap


def _torrent_json(path, ti, port):
    return {"info_hash": str(ti.info_hash()), "torrent": os.path.abspath(path),
            "magnet": magnet_for(ti, port), "name": ti.name(),
            "piece_length": ti.piece_length(), "num_pieces": ti.num_pieces(),
            "total_size": ti.total_size()}


def main(argv=None):
    a = _parser().parse_args(argv)
    if a.cmd == "content":
        _emit(make_content(a.root, a.layout, _size_from(a), a.seed, a.name))
        return 0
    if a.cmd == "torrent":
        ti = make_torrent(a.root, a.name, a.out, a.piece_size, a.webseed, a.tracker_url)
        _emit(_torrent_json(a.out, ti, 0))
        return 0
    if a.cmd == "leech":
        try:
            _emit({"ok": True, "seconds": leech(a.torrent, a.save_path, a.peer, a.timeout)})
            return 0
        except SwarmError as e:
            log("error:", e)
            _emit({"ok": False, "error": str(e)})
            return 1

    # seed / swarm: long-running; make SIGTERM unwind through the finally blocks
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    tracker = None
    seeder = None
    cleanup_dir = None
    try:
        if a.cmd == "seed":
            seeder = Seeder(a.rate, a.utp)
            for t in a.torrent:
                seeder.add(t, a.save_path)
            seeder.wait_ready(a.wait_tracker)
            ready = {"port": seeder.port, "pid": os.getpid(),
                     "torrents": [_torrent_json(p, ti, seeder.port) for p, ti in seeder.infos]}
            ready.update(ready["torrents"][0])
            _emit(ready)
            serve(seeder, a.max_seconds)
            return 0

        workdir = os.path.abspath(a.workdir)
        if a.cleanup:
            cleanup_dir = workdir
        os.makedirs(workdir, exist_ok=True)
        croot = os.path.join(workdir, "content")
        content = make_content(croot, a.layout, _size_from(a), a.seed, a.name)
        extras = []
        for i in range(a.extra_torrents):
            seed = "%s-x%d" % (a.seed, i + 1)
            extras.append(make_content(croot, "single", 256 * 1024 + i * 4099, seed,
                                       "extra-%02d.bin" % (i + 1)))
        # The tracker's whitelist needs the info-hashes, the torrents need its port:
        # hashes do not depend on the announce URL (it is outside the info dict).
        torrent_path = os.path.join(workdir, content["name"] + ".torrent")
        all_content = [content] + extras
        paths = [os.path.join(workdir, c["name"] + ".torrent") for c in all_content]
        infos = [make_torrent(croot, c["name"], p, a.piece_size, a.webseed)
                 for c, p in zip(all_content, paths)]
        if a.tracker:
            tracker = Tracker(workdir, [str(ti.info_hash()) for ti in infos]).start()
            infos = [set_announce(p, tracker.url) for p in paths]
        ready = {"workdir": workdir, "content_root": croot, "content_name": content["name"],
                 "files": content["files"], "webseeds": a.webseed,
                 "tracker": tracker.url if tracker else None,
                 "tracker_pid": tracker.proc.pid if tracker else 0, "pid": os.getpid()}
        if a.no_seed:
            ready.update(_torrent_json(torrent_path, infos[0], 0), port=0, torrents=[
                _torrent_json(p, ti, 0) for p, ti in zip(paths, infos)])
            _emit(ready)
            if a.wait:
                serve(None, a.max_seconds)
            return 0
        seeder = Seeder(a.rate, a.utp)
        for p in paths:
            seeder.add(p, croot)
        seeder.wait_ready(tracker is not None)
        if tracker:
            # the tracker must list the seeder before a test relies on it
            deadline = time.monotonic() + 20
            while (tracker.scrape(str(infos[0].info_hash())) or (0, 0))[0] < 1:
                if time.monotonic() > deadline:
                    raise SwarmError("the tracker does not list the seeder (scrape)")
                time.sleep(0.1)
        ready.update(_torrent_json(torrent_path, infos[0], seeder.port), port=seeder.port,
                     torrents=[_torrent_json(p, ti, seeder.port) for p, ti in zip(paths, infos)])
        _emit(ready)
        serve(seeder, a.max_seconds)
        return 0
    except SwarmError as e:
        log("error:", e)
        _emit({"error": str(e)})
        return 1
    except _Stop:
        log("signal: stopping")
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if seeder:
            seeder.close()
        if tracker:
            tracker.stop()
        if cleanup_dir:
            shutil.rmtree(cleanup_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
