#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""ttff-report.py RESULTS.jsonl LAYOUT.json "CLIENT ..."

The tables of bench/ttff.sh: per row (seeder rate × file), the median time
to first frame and to a frame after a seek to 70 % of each client, beside
the ideal bound (the whole 256 KiB pieces the player needs ÷ the seeder's
rate, from the harness's layout.json), the player's floor (the `local`
client: file:// of the source), and the target: 1.15 × (bound + floor)
for the first frame, 1.1 × (bound + floor) for the seek.
Runs that did not end with status=ok are counted but not in the medians.
"""
import json
import statistics
import sys

TARGET = 1.15          # first frame
SEEK_TARGET = 1.10     # seek to frame
LABELS = {
    "torrentstream": "--serve (HTTP)",
    "torrentstream-inapp": "in-app (torrent://)",
    "local": "floor (local)",
    "peerflix": "peerflix",
    "webtorrent": "webtorrent",
}


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def f2(x):
    return "–" if x is None else "%.2f" % x


def cell(runs, key):
    ok = [r for r in runs if r.get("status") == "ok"]
    m = median([r.get(key) for r in ok])
    if not runs:
        return "–"
    detail = " ".join(f2(r.get(key)) for r in ok)
    bad = len(runs) - len(ok)
    text = "**%s** (%s)" % (f2(m), detail) if ok else "–"
    if bad:
        text += " %d failed: %s" % (bad, ",".join(sorted(set(r.get("status", "?") for r in runs
                                                            if r.get("status") != "ok"))))
    return text


def verdict(runs, key, total, factor):
    """Whether the median meets factor × total; if not, by how much it
    exceeds the bare bound + floor."""
    m = median([r.get(key) for r in runs if r.get("status") == "ok"])
    if m is None or total is None:
        return "–"
    return "yes" if m <= factor * total else "no (%.2f×)" % (m / total)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = [json.loads(l) for l in open(argv[0]) if l.strip()]
    layout = json.load(open(argv[1]))
    clients = argv[2].split()
    shown = [c for c in clients if c != "local"]

    cells = {}
    order = []
    for r in rows:
        key = (str(r.get("rate_kbps")), r.get("file"))
        if key not in cells:
            cells[key] = {}
            order.append(key)
        cells[key].setdefault(r.get("client"), []).append(r)
    order.sort(key=lambda k: (-int(k[0]) if k[0].isdigit() else 0, k[1]))

    for what, key, lb_key, factor in (("Time to first frame", "ttff_s", "need_first_frame", TARGET),
                                      ("Seek to 70 % → first frame there", "seek_s", "seek",
                                       SEEK_TARGET)):
        print("### %s (s, median of the ok runs; runs in brackets)\n" % what)
        head = ["rate KiB/s", "file", "ideal bound", "floor", "bound + floor",
                "target ×%.2f" % factor]
        head += [LABELS.get(c, c) for c in shown]
        head += ["%s ≤ target" % LABELS.get(c, c) for c in ("torrentstream", "torrentstream-inapp")
                 if c in shown]
        print("| " + " | ".join(head) + " |")
        print("|" + "---:|" * 2 + "---:|" * 4 + "---|" * (len(head) - 6))
        for rate, fname in order:
            by = cells[(rate, fname)]
            lay = layout.get(fname)
            bound = None
            if lay and rate.isdigit():
                bound = lay[lb_key]["piece_bytes"] / (int(rate) * 1024.0)
            floor = median([r.get(key) for r in by.get("local", []) if r.get("status") == "ok"])
            total = bound + floor if bound is not None and floor is not None else None
            target = factor * total if total is not None else None
            line = [rate, fname, f2(bound), f2(floor), f2(total), f2(target)]
            line += [cell(by.get(c, []), key) for c in shown]
            line += [verdict(by.get(c, []), key, total, factor)
                     for c in ("torrentstream", "torrentstream-inapp") if c in shown]
            print("| " + " | ".join(line) + " |")
        print()

    print("### --serve details (medians)\n")
    print("| rate KiB/s | file | URL printed s | URL → first frame s | MB from the seeder | network violations |")
    print("|---:|---|---:|---:|---:|---:|")
    for rate, fname in order:
        runs = [r for r in cells[(rate, fname)].get("torrentstream", []) if r.get("status") == "ok"]
        url = median([r.get("url_s") for r in runs])
        play = median([r["ttff_s"] - r["url_s"] for r in runs
                       if r.get("ttff_s") is not None and r.get("url_s") is not None])
        mb = median([r.get("seeder_MB") for r in runs])
        viol = sum(r.get("net_violations") or 0 for r in cells[(rate, fname)].get("torrentstream", []))
        print("| %s | %s | %s | %s | %s | %d |" % (rate, fname, f2(url), f2(play), f2(mb), viol))
    print()
    print("Ideal bound: the whole pieces holding ftyp + moov + the first video key frame "
          "(seek: the key frame the seek lands on) ÷ the seeder's rate; no start-up, no "
          "round trips, no decoding. Floor: the same player on file:// of the source. The "
          "in-app clock starts with the player ready and the engine starting, as the "
          "harness starts its warm player before its clock.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
