#!/usr/bin/env python3
"""`callfence-bench report --quick` into a temporary directory.

Every step (decode, lookup, regex, pipeline, reload) must run and write a
CSV that records the machine, the commit and the command, with sane,
non-zero figures; the summary and every plot must be there.  No speed is
asserted: this runs on shared CI machines.

usage: check_report.py CALLFENCE_BENCH CALLFENCED
Exits 77 (skipped) when gnuplot is missing.
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what)


def load(path):
    """The record ('# key: value' lines) and the rows of a CSV."""
    record, lines = {}, []
    with open(path) as f:
        for line in f:
            if line.startswith("# "):
                key, _, value = line[2:].partition(": ")
                record[key] = value.strip()
            else:
                lines.append(line)
    return record, list(csv.DictReader(lines))


def positive(rows, name, cols):
    for i, r in enumerate(rows):
        for c in cols:
            try:
                v = float(r[c])
            except (KeyError, ValueError):
                v = None
            check(v is not None and v > 0,
                  "%s row %d: %s = %r, want a number > 0" % (name, i, c, r.get(c)))


def main():
    bench, callfenced = sys.argv[1], sys.argv[2]
    if shutil.which("gnuplot") is None:
        print("gnuplot not installed (scripts/setup-debian.sh): skipped")
        return 77
    with tempfile.TemporaryDirectory(prefix="cf-report-") as tmp:
        out = os.path.join(tmp, "results")
        r = subprocess.run([bench, "report", "--quick", "--out", out,
                            "--callfenced", callfenced],
                           capture_output=True, text=True, timeout=170)
        check(r.returncode == 0, "report exits 0 (got %d)\n%s" %
              (r.returncode, r.stderr[-3000:]))
        tables = {}
        for step in ("decode", "lookup", "regex", "pipeline", "reload",
                     "pipeline-latency"):
            path = os.path.join(out, step + ".csv")
            if not os.path.exists(path):
                check(False, path + " written")
                continue
            record, rows = load(path)
            for key in ("machine", "commit", "date", "command"):
                check(record.get(key), "%s records the %s" % (step, key))
            check("cpus" in record.get("machine", ""),
                  "%s: machine names cores" % step)
            check(record.get("command", "").startswith("callfence-bench "),
                  "%s: exact command recorded" % step)
            check(len(rows) > 0, step + " has rows")
            tables[step] = rows

        rows = tables.get("decode", [])
        check(len(rows) == 12, "decode: 12 rows (sip and isup, 3 pools, "
              "2 loops), got %d" % len(rows))
        check({r["proto"] for r in rows} == {"sip", "isup"},
              "decode: both protocols")
        positive(rows, "decode", ["ns_per_msg", "M_msg_per_s", "bytes_per_msg"])

        rows = tables.get("lookup", [])
        check([int(r["numbers"]) for r in rows] == [1000, 10000, 100000],
              "lookup: sizes 1e3 .. 1e5 in decades")
        positive(rows, "lookup", ["single_ns", "batched_ns", "thp_single_ns",
                                  "thp_batched_ns", "bytes_per_number",
                                  "single_M_per_s", "batched_M_per_s"])
        check(all(r["agree"] == "yes" for r in rows),
              "lookup: batched and single agree")

        rows = tables.get("regex", [])
        for shape in ("scan", "chain", "prefixes"):
            got = [int(r["patterns"]) for r in rows if r["shape"] == shape]
            check(got == [10, 100, 1000], "regex %s: 10 .. 1000 patterns, "
                  "got %r" % (shape, got))
        positive(rows, "regex", ["ns_per_call", "load_ms", "file_KiB", "rules"])
        positive([r for r in rows if r["shape"] != "prefixes"], "regex",
                 ["compile_ms"])

        rows = tables.get("pipeline", [])
        ncpu = os.cpu_count() or 1
        for mode in ("inline", "split"):
            got = [int(r["workers"]) for r in rows if r["mode"] == mode]
            check(got == list(range(1, ncpu + 1)),
                  "pipeline %s: 1 .. %d workers, got %r" % (mode, ncpu, got))
        positive(rows, "pipeline", ["calls", "calls_per_s", "cpu_ns_per_call",
                                    "p50_ns", "p99_ns", "blocked_pct"])
        check(all(r["decode_errors"] == "0" for r in rows),
              "pipeline: every generated message decodes")

        rows = tables.get("pipeline-latency", [])
        curves = {}
        for r in rows:
            curves.setdefault((r["mode"], r["workers"]), []).append(
                (float(r["percentile"]), int(r["latency_ns"])))
        check(len(curves) == 2 * ncpu, "latency CDF of every configuration")
        for key, pts in curves.items():
            lat = [p[1] for p in pts]
            check(lat == sorted(lat) and lat[-1] > 0,
                  "latency CDF %s rises" % (key,))

        rows = tables.get("reload", [])
        check([r["phase"] for r in rows] ==
              ["baseline", "reloading", "reloading-compiled"],
              "reload: a baseline and two reloading phases")
        positive(rows, "reload", ["sent", "answered", "answered_per_s",
                                  "p50_us", "p99_us"])
        for r in rows[1:]:
            check(r["reloads"] == "4" and r["reload_failed"] == "0",
                  "reload %s: 4 reloads, none refused" % r["phase"])
        positive(rows[1:], "reload", ["reload_ms_p50", "reload_ms_max"])

        summary = os.path.join(out, "summary.md")
        text = open(summary).read() if os.path.exists(summary) else ""
        for title in ("Decode", "List look-ups", "Number patterns",
                      "Decode to verdict", "reload", "Ratios"):
            check(title in text, "summary.md has " + title)
        for png in ("lookup.png", "regex.png", "regex-compile.png",
                    "pipeline.png", "latency.png"):
            path = os.path.join(out, png)
            ok = os.path.exists(path) and os.path.getsize(path) > 1000
            if ok:
                with open(path, "rb") as f:
                    ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
            check(ok, png + " is a PNG")
            check("](%s)" % png in text, "summary.md shows " + png)
    if FAILURES:
        print("%d checks failed" % len(FAILURES))
        return 1
    print("report --quick: every step ran, every file written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
