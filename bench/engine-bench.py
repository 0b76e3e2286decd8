#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Engine benchmark: figures printed beside their baselines, never asserted.

1. Download time of one 256 MiB file from one unthrottled local seeder
   (python3-libtorrent, found through a local opentracker), by
   `torrentstream --headless --exit-when-done` and by `aria2c` (same seeder,
   same .torrent, same run); ratio ours / aria2c (target <= 1.0). For ours
   also where the time goes: start -> first data on disk, the transfer, and
   all data on disk -> exit (the headless mode notices completion at its
   next status line, every second here, then saves its state and stops).
2. The idle headless app with 20 complete torrents loaded: wake-ups per
   second (target <= 1), per thread, measured settle-seconds after its start
   and again late-seconds after it (libtorrent ends idle disk threads only
   every 60 s); resident memory (target <= 60 MB).

Loopback only (run it through bench/engine-bench.sh: private network
namespace when root, private HOME/XDG dirs). Every process it starts is
stopped at the end, also on errors and Ctrl+C.

usage: engine-bench.py --build-dir BUILD [--size-mib 256] [--reps 1]
                       [--idle-seconds 10] [--settle-seconds 15] [--late-seconds 135]
                       [--late-window-seconds 30]
                       [--seeder-no-utp]
                       [--skip-idle] [--skip-download] [--keep]
"""

import argparse
import filecmp
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
TSSWARM = os.path.join(HERE, "..", "tests", "lib", "tsswarm.py")
PY = "/usr/bin/python3"
APP_ID = "org.example.TorrentStream"
MIB = 1024 * 1024


def log(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, a):
        self.a = a
        self.procs = []
        self.work = tempfile.mkdtemp(prefix="ts-engine-bench-")
        os.chmod(self.work, 0o755)   # opentracker drops to nobody
        self.binary = os.path.join(os.path.abspath(a.build_dir), "src", "torrentstream")
        self.schema_dir = os.path.join(os.path.abspath(a.build_dir), "data")
        self.swarm = None
        self.ready = None

    # processes ---------------------------------------------------------
    def spawn(self, argv, **kw):
        # Children die with us, even if we are killed.
        def pdeathsig():
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
        p = subprocess.Popen(argv, preexec_fn=pdeathsig, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, grace=10):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def cleanup(self):
        if self.swarm and self.swarm.poll() is None:
            try:
                self.swarm.stdin.close()
            except OSError:
                pass
        for p in reversed(self.procs):
            self.stop(p)
        if self.a.keep:
            log("kept", self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # swarm ---------------------------------------------------------------
    def start_swarm(self, extra):
        argv = [PY, TSSWARM, "swarm", "--workdir", os.path.join(self.work, "swarm"),
                "--layout", "single", "--name", "bench.bin", "--seed", "bench",
                "--size-mib", str(self.a.size_mib), "--piece-size", str(self.a.piece_size),
                "--tracker", "--extra-torrents", str(extra), "--max-seconds", "7200"]
        if self.a.seeder_no_utp:
            argv.append("--no-utp")
        log("generating %d MiB + %d small torrents, hashing, starting opentracker and the seeder"
            % (self.a.size_mib, extra))
        self.swarm = self.spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.swarm.stdout.readline()
        if not line:
            raise RuntimeError("tsswarm.py exited before it was ready")
        self.ready = json.loads(line)
        if "error" in self.ready:
            raise RuntimeError("tsswarm.py: " + self.ready["error"])
        log("seeder on 127.0.0.1:%d, tracker %s" % (self.ready["port"], self.ready["tracker"]))

    def swarm_command(self, cmd):
        self.swarm.stdin.write(cmd + "\n")
        self.swarm.stdin.flush()
        reply = json.loads(self.swarm.stdout.readline())
        if not reply.get("ok"):
            raise RuntimeError("tsswarm.py refused %r: %s" % (cmd, reply))
        return reply

    # the app ---------------------------------------------------------------
    def app_env(self, home, download_dir, interval):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("XDG_", "GSETTINGS_", "TS_"))}
        cfg = os.path.join(home, ".config")
        env.update(HOME=home, XDG_CONFIG_HOME=cfg, XDG_DATA_HOME=os.path.join(home, ".local/share"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"),
                   XDG_STATE_HOME=os.path.join(home, ".local/state"),
                   GSETTINGS_SCHEMA_DIR=self.schema_dir, GSETTINGS_BACKEND="keyfile",
                   TS_LOOPBACK_ONLY="1", TS_HEADLESS_INTERVAL=str(interval))
        # The keyfile backend reads $XDG_CONFIG_HOME/glib-2.0/settings/keyfile.
        kf = os.path.join(cfg, "glib-2.0", "settings")
        os.makedirs(kf, exist_ok=True)
        with open(os.path.join(kf, "keyfile"), "w") as fh:
            fh.write("[%s]\ndownload-folder='%s'\n" % (APP_ID.replace(".", "/"), download_dir))
        return env

    def run_headless_until_done(self, home, dl, torrents, timeout, watch=None):
        """(seconds, exit status, peak RSS in kB, phases): @watch is (path, size) of a file
        whose allocated blocks tell when data starts and ends landing on disk (libtorrent
        writes through a memory map into a sparse file); phases is (first, all) seconds."""
        env = self.app_env(home, dl, 1)
        first = full = None
        with open(os.path.join(home, "headless.log"), "w") as logf:
            t0 = time.monotonic()
            p = self.spawn([self.binary, "--headless", "--exit-when-done"] + torrents,
                           env=env, stdout=logf, stderr=subprocess.STDOUT)
            deadline = t0 + timeout
            while time.monotonic() < deadline:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    p.returncode = os.waitstatus_to_exitcode(status)
                    return time.monotonic() - t0, p.returncode, ru.ru_maxrss, (first, full)
                if watch and full is None:
                    try:
                        blocks = os.stat(watch[0]).st_blocks * 512
                    except FileNotFoundError:
                        blocks = 0
                    if blocks > 0 and first is None:
                        first = time.monotonic() - t0
                    if blocks >= watch[1]:
                        full = time.monotonic() - t0
                time.sleep(0.01)
            self.stop(p)
            raise RuntimeError("torrentstream did not finish in %d s; see %s/headless.log"
                               % (timeout, home))

    # 1. download -------------------------------------------------------------
    def bench_download(self):
        src = os.path.join(self.ready["content_root"], "bench.bin")
        torrent = self.ready["torrent"]
        rows = []
        for rep in range(self.a.reps):
            order = ("engine", "aria2c") if rep % 2 == 0 else ("aria2c", "engine")
            for who in order:
                run = os.path.join(self.work, "%s-%d" % (who, rep))
                dl = os.path.join(run, "dl")
                os.makedirs(dl)
                up0 = self.swarm_command("status")["uploaded"]
                phases = (None, None)
                if who == "engine":
                    secs, rc, maxrss_kb, phases = self.run_headless_until_done(
                        run, dl, [torrent], self.a.timeout,
                        watch=(os.path.join(dl, "bench.bin"), self.a.size_mib * MIB))
                    extra = "exit %d, peak RSS %.0f MB" % (rc, maxrss_kb * 1024 / 1e6)
                else:
                    secs, rc = self.run_aria2(run, dl, torrent)
                    extra = "exit %d" % rc
                got = os.path.join(dl, "bench.bin")
                ok = os.path.exists(got) and filecmp.cmp(src, got, shallow=False)
                sent = self.swarm_command("status")["uploaded"] - up0
                rows.append((who, rep, secs, ok, extra, sent, phases))
                log("%s run %d: %.2f s, bytes %s, seeder sent %.1f MiB, %s"
                    % (who, rep + 1, secs, "match" if ok else "DIFFER/MISSING", sent / MIB, extra))
                shutil.rmtree(dl, ignore_errors=True)
        return rows

    def run_aria2(self, run, dl, torrent):
        if not shutil.which("aria2c"):
            raise RuntimeError("aria2c is not installed (Debian package aria2)")
        argv = ["aria2c", "--dir", dl, "--seed-time=0", "--enable-dht=false",
                "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                "--disable-ipv6=true", "--interface=127.0.0.1", "--file-allocation=falloc",
                "--summary-interval=0", "--console-log-level=warn", "--check-integrity=false",
                "--bt-save-metadata=false", "--auto-save-interval=0", torrent]
        env = dict(os.environ, HOME=run)
        with open(os.path.join(run, "aria2c.log"), "w") as logf:
            t0 = time.monotonic()
            p = self.spawn(argv, env=env, stdout=logf, stderr=subprocess.STDOUT, cwd=run)
            try:
                rc = p.wait(self.a.timeout)
            except subprocess.TimeoutExpired:
                self.stop(p)
                raise RuntimeError("aria2c did not finish in %d s" % self.a.timeout)
            return time.monotonic() - t0, rc

    # 2. idle -------------------------------------------------------------------
    @staticmethod
    def thread_switches(pid):
        """{tid: (name, voluntary, involuntary)} of every thread of @pid now."""
        out = {}
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                name, vol, invol = "?", 0, 0
                with open("/proc/%d/task/%s/status" % (pid, tid)) as fh:
                    for line in fh:
                        if line.startswith("Name:"):
                            name = line.split(None, 1)[1].strip()
                        elif line.startswith("voluntary_ctxt_switches:"):
                            vol = int(line.split()[1])
                        elif line.startswith("nonvoluntary_ctxt_switches:"):
                            invol = int(line.split()[1])
                out[int(tid)] = (name, vol, invol)
            except (FileNotFoundError, ProcessLookupError):
                pass   # a thread that just ended
        return out

    @staticmethod
    def memory(pid):
        out = {}
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                    out[k] = int(v.split()[0]) * 1024 / 1e6   # kB -> MB
        return out

    @staticmethod
    def perf_works():
        if not shutil.which("perf"):
            return False
        r = subprocess.run(["perf", "stat", "-x", ",", "-e", "context-switches", "--", "true"],
                           capture_output=True, text=True)
        return r.returncode == 0 and "context-switches" in r.stderr \
            and "not supported" not in r.stderr and "<not" not in r.stderr

    @staticmethod
    def perf_intervals(path):
        """[(t, count)] from `perf stat -x, -I 1000 -e context-switches -o path`."""
        rows = []
        try:
            with open(path) as fh:
                for line in fh:
                    f = line.strip().split(",")
                    if len(f) > 3 and f[3].startswith("context-switches"):
                        try:
                            rows.append((float(f[0]), int(f[1])))
                        except ValueError:
                            pass
        except FileNotFoundError:
            pass
        return rows

    @staticmethod
    def child_pid(pid, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/task/%d/children" % (pid, pid)) as fh:
                    kids = fh.read().split()
                if kids:
                    return int(kids[0])
            except FileNotFoundError:
                return None
            time.sleep(0.05)
        return None

    @staticmethod
    def thread_label(pid, tid, name):
        """@name, or for libtorrent's threads (2.0.8 leaves them unnamed on Linux: its
        names are longer than the 15 characters Linux allows) a guess from where the
        thread sleeps."""
        if tid == pid:
            return "main"
        if name != "torrentstream":
            return name
        try:
            with open("/proc/%d/task/%d/wchan" % (pid, tid)) as fh:
                wchan = fh.read().strip()
        except (FileNotFoundError, ProcessLookupError):
            wchan = ""
        if "epoll" in wchan:
            return "lt-network?"
        if "futex" in wchan:
            return "lt-disk?"
        return "unnamed"

    def idle_window(self, app_pid, spawned, seconds):
        """Wake-ups of the app over the next @seconds."""
        s0 = self.thread_switches(app_pid)
        t0 = time.monotonic()
        time.sleep(seconds)
        s1 = self.thread_switches(app_pid)
        dt = time.monotonic() - t0
        # Threads alive at both ends, plus those born in between (counted
        # from zero); threads that ended in between are lost to /proc.
        per_thread = []
        for tid, (name, v1, i1) in s1.items():
            _n, v0, i0 = s0.get(tid, (name, 0, 0))
            per_thread.append((v1 - v0, i1 - i0, self.thread_label(app_pid, tid, name), tid))
        per_thread.sort(reverse=True)
        return {"start": t0 - spawned, "seconds": dt, "per_thread": per_thread,
                "ended": len(set(s0) - set(s1)), "born": len(set(s1) - set(s0)),
                "window": (t0 - spawned, t0 + dt - spawned), "perf": None}

    def bench_idle(self):
        extras = [t["torrent"] for t in self.ready["torrents"][1:]]
        home = os.path.join(self.work, "idle")
        dl = os.path.join(home, "dl")
        os.makedirs(dl)
        log("idle: downloading the %d small torrents once" % len(extras))
        secs, rc, _, _ = self.run_headless_until_done(home, dl, extras, self.a.timeout)
        log("idle: %d torrents complete in %.1f s (exit %d)" % (len(extras), secs, rc))

        # No peers to talk to any more; the tracker stays up like a real one.
        self.swarm_command("pause")
        env = self.app_env(home, dl, 3600)
        use_perf = self.perf_works()
        perf_out = os.path.join(home, "perf-intervals.csv")
        argv = [self.binary, "--headless"]
        if use_perf:
            # As the parent, perf counts every thread, also those that come and go.
            argv = ["perf", "stat", "-x", ",", "-I", "1000", "-e", "context-switches",
                    "-o", perf_out, "--"] + argv
        with open(os.path.join(home, "idle.log"), "w") as logf:
            spawned = time.monotonic()
            p = self.spawn(argv, env=env, stdout=logf, stderr=subprocess.STDOUT)
        app_pid = self.child_pid(p.pid) if use_perf else p.pid
        if app_pid is None:
            raise RuntimeError("the idle headless app did not start; see %s/idle.log" % home)
        plan = [(self.a.settle_seconds, self.a.idle_seconds)]
        if self.a.late_seconds > self.a.settle_seconds + self.a.idle_seconds:
            plan.append((self.a.late_seconds, self.a.late_window_seconds))
        windows = []
        for at, length in plan:
            log("idle: headless restarted with the saved torrents; measuring %d s from %d s after "
                "its start" % (length, at))
            time.sleep(max(0.0, spawned + at - time.monotonic()))
            if p.poll() is not None or not os.path.exists("/proc/%d" % app_pid):
                raise RuntimeError("the idle headless app exited; see %s/idle.log" % home)
            windows.append(self.idle_window(app_pid, spawned, length))
        n_loaded = self.count_loaded(home)
        mem = self.memory(app_pid)
        # perf's last interval may end a little after the window: keep the
        # shutdown's work out of it.
        time.sleep(1.5)
        os.kill(app_pid, signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            self.stop(p)
        if use_perf:
            # perf's t is seconds since it started (about when we spawned it):
            # keep the one-second intervals that lie inside each window.
            rows = self.perf_intervals(perf_out)
            for w in windows:
                rel0, rel1 = w["window"]
                counts = [c for (t, c) in rows if rel0 + 1.0 <= t <= rel1 + 0.05]
                if counts:
                    w["perf"] = (sum(counts) / len(counts), len(counts))
        self.swarm_command("resume")
        return {"loaded": n_loaded, "windows": windows, "mem": mem}

    @staticmethod
    def count_loaded(home):
        d = os.path.join(home, ".local/share/torrentstream/resume")
        try:
            return len([f for f in os.listdir(d) if f.endswith(".resume")])
        except FileNotFoundError:
            return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("TS_BUILD_ROOT", "_build"))
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--piece-size", type=int, default=256 * 1024)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--idle-torrents", type=int, default=20)
    ap.add_argument("--idle-seconds", type=int, default=10)
    ap.add_argument("--settle-seconds", type=int, default=15)
    ap.add_argument("--late-seconds", type=int, default=135,
                    help="also measure this long after the start, once libtorrent's disk-thread "
                         "reaper (every 60 s) has run; 0 = not")
    ap.add_argument("--late-window-seconds", type=int, default=30,
                    help="length of the late window (30 s holds one periodic resume save)")
    ap.add_argument("--timeout", type=int, default=600, help="per download, seconds")
    ap.add_argument("--seeder-no-utp", action="store_true",
                    help="the seeder speaks TCP only (default: TCP + uTP like any libtorrent peer; "
                         "aria2c speaks TCP only)")
    ap.add_argument("--skip-idle", action="store_true")
    ap.add_argument("--skip-download", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    a = ap.parse_args()

    b = Bench(a)
    if not os.access(b.binary, os.X_OK):
        print("engine-bench: %s is missing: build the project first" % b.binary, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    rows, idle = [], None
    try:
        b.start_swarm(0 if a.skip_idle else a.idle_torrents)
        if not a.skip_download:
            rows = b.bench_download()
        if not a.skip_idle:
            idle = b.bench_idle()
    finally:
        b.cleanup()

    print()
    print("TorrentStream engine benchmark (loopback, one python3-libtorrent %s seeder speaking "
          "%s, opentracker; %s)" % (__import__("libtorrent").__version__,
                                    "TCP only" if a.seeder_no_utp else "TCP + uTP",
                                    time.strftime("%Y-%m-%d %H:%M")))
    if rows:
        print()
        print("Download of one %d MiB file (%d KiB pieces), unthrottled, wall time from process "
              "start to exit:" % (a.size_mib, a.piece_size // 1024))
        for who in ("engine", "aria2c"):
            for (w, rep, secs, ok, extra, sent, phases) in rows:
                if w == who:
                    label = "torrentstream --headless --exit-when-done" if w == "engine" \
                        else "aria2c 1.36 (--file-allocation=falloc)"
                    print("  %-44s run %d: %7.2f s  %6.1f MiB/s  bytes %s  (%s)"
                          % (label, rep + 1, secs, a.size_mib / secs,
                             "match" if ok else "DIFFER", extra))
                    first, full = phases
                    if first is not None and full is not None:
                        print("  %-44s        start -> first data on disk %.2f s, transfer %.2f s "
                              "(%.0f MiB/s), all data on disk -> exit %.2f s"
                              % ("", first, full - first, a.size_mib / max(full - first, 1e-3),
                                 secs - full))
        ours = sorted(r[2] for r in rows if r[0] == "engine")
        theirs = sorted(r[2] for r in rows if r[0] == "aria2c")
        med = lambda v: v[len(v) // 2]
        print("  ratio ours / aria2c (medians): %.2fx   (target <= 1.0x)" % (med(ours) / med(theirs)))
    if idle:
        m = idle["mem"]
        print()
        print("Idle headless app, %d complete torrents loaded (seeder paused, tracker up, status "
              "lines off: TS_HEADLESS_INTERVAL=3600):" % idle["loaded"])
        for w in idle["windows"]:
            print("  %.0f-%.0f s after start:" % w["window"])
            vol = sum(v for v, _i, _n, _t in w["per_thread"])
            invol = sum(i for _v, i, _n, _t in w["per_thread"])
            if w["perf"] is not None:
                rate, n = w["perf"]
                print("    wake-ups: %.2f /s   (perf stat -I 1000 -e context-switches with the app "
                      "as its child, so every thread counts, also short-lived ones; mean of %d "
                      "one-second intervals; a thread switches out once each time it sleeps, so a "
                      "switch is a wake-up)   (target <= 1 /s)" % (rate, n))
            print("    %s: %.2f /s   (voluntary context switches of each thread in "
                  "/proc/PID/task/*/status over %.1f s: %d; involuntary %d; %d threads now, %d "
                  "started and %d ended in the window - switches of ended threads are not seen)"
                  % ("wake-ups" if w["perf"] is None else "cross-check", vol / w["seconds"],
                     w["seconds"], vol, invol, len(w["per_thread"]), w["born"], w["ended"]))
            print("    per thread (voluntary/s; ? = libtorrent's unnamed threads, told apart by "
                  "where they sleep): " + ", ".join(
                      "%s[%d] %.1f" % (name, tid, v / w["seconds"])
                      for v, _i, name, tid in w["per_thread"]))
        print("  RSS: %.1f MB (anonymous %.1f MB, file-backed %.1f MB, shared %.1f MB; peak %.1f MB)"
              "   (target <= 60 MB)" % (m.get("VmRSS", 0), m.get("RssAnon", 0), m.get("RssFile", 0),
                                        m.get("RssShmem", 0), m.get("VmHWM", 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
