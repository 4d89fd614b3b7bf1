#!/usr/bin/env python3
"""`callfence-bench udp` against a scripted responder on 127.0.0.1.

The responder (udp_responder.py) drops, repeats, garbles and delays
answers on purpose and says what it did; every count the load generator
reports must be exactly that: answered + lost = sent, the drops are the
losses, the codes are those the responder chose.  Then a short open-loop
run must send at the rate asked.  A few seconds in all.

usage: check_udp.py CALLFENCE_BENCH UDP_RESPONDER
"""
import json
import os
import signal
import subprocess
import sys
import tempfile


def start_responder(script, *args):
    p = subprocess.Popen([sys.executable, script] + list(args),
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    if len(line) != 2 or line[0] != "port":
        p.kill()
        sys.exit("responder did not start: %r" % line)
    return p, int(line[1])


def stop_responder(p):
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=10)
    return json.loads(out)


def bench(exe, port, *args):
    cmd = [exe, "udp", "--target", "127.0.0.1:%d" % port, "--json"] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        sys.exit("%s: exit %d\n%s" % (" ".join(cmd), r.returncode, r.stderr))
    return json.loads(r.stdout)


def expect(what, got, want, failures):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))


def closed_loop(exe, script, failures):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        # SIPp injection format; the responder blocks callers ending 0-2.
        f.write("RANDOM\n# caller;callee\n")
        for i in range(100):
            f.write("+86138%08d;+86139%08d;\n" % (i * 7919, i))
        callers = f.name
    p, port = start_responder(script, "--drop-every", "100", "--dup-every",
                              "37", "--trying-every", "11", "--junk-every",
                              "53")
    try:
        # A small window: the responder's socket buffer must never
        # overflow, so that every loss is one it chose.
        b = bench(exe, port, "--max", "--duration", "2", "--window", "64",
                  "--timeout", "0.25", "--callers", callers,
                  "--target-pid", str(p.pid))
    finally:
        r = stop_responder(p)
        os.unlink(callers)
    print("bench:", json.dumps(b))
    print("responder:", json.dumps(r))
    expect("sent = INVITEs received", b["sent"], r["invites"], failures)
    expect("answered + lost = sent", b["answered"] + b["lost"], b["sent"],
           failures)
    expect("lost = dropped", b["lost"], r["dropped"], failures)
    expect("answered", b["answered"], r["answered"], failures)
    expect("duplicates", b["duplicates"], r["duplicates"], failures)
    expect("provisional", b["provisional"], r["trying"], failures)
    expect("unparseable", b["unparseable"], r["junk"], failures)
    expect("late", b["late"], 0, failures)
    expect("unmatched", b["unmatched"], 0, failures)
    for code in ("302", "603", "608", "403", "503"):
        expect("code " + code, b["codes"][code], r["codes"].get(code, 0),
               failures)
    expect("other codes", b["other_codes"], 0, failures)
    if r["dropped"] == 0 or r["codes"].get("603", 0) == 0:
        failures.append("too few calls to exercise drops and 603s")
    lat = b["latency_us"]
    if not 0 < lat["p50"] <= lat["p99"] <= lat["p99.9"] <= lat["max"]:
        failures.append("latency percentiles out of order: %r" % lat)
    if not b["target_cpu_s"] > 0:
        failures.append("no CPU time read for the responder")


def open_loop(exe, script, failures):
    p, port = start_responder(script)
    try:
        b = bench(exe, port, "--rate", "2000", "--duration", "1",
                  "--timeout", "0.5")
    finally:
        r = stop_responder(p)
    print("bench:", json.dumps(b))
    expect("sent = INVITEs received", b["sent"], r["invites"], failures)
    expect("answered", b["answered"], r["answered"], failures)
    expect("lost", b["lost"], 0, failures)
    if not 1900 <= b["sent"] <= 2100 or not b["rate_kept"]:
        failures.append("open loop at 2000/s for 1 s sent %d" % b["sent"])


def main():
    exe, script = sys.argv[1:3]
    failures = []
    closed_loop(exe, script, failures)
    open_loop(exe, script, failures)
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
