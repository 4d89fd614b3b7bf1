#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The SIP parties a rule judges, end to end through `callfence replay
--rules` (the same data plane as the daemon), from INVITEs written here
into a capture:

  history-info   three History-Info entries (RFC 7044) out of index
                 order: the last diverting party, on a blacklist, is the
                 redirecting number and the call is blocked by the rule on
                 `redirecting`; the number first called is the original
                 called one, judged by the rule on `original-called`; the
                 forwarded-to target is neither.
  phone-context  a local tel: number with the trunk prefix under
                 phone-context=+86 (and its sip:;user=phone form) is a
                 valid caller: the rule on `caller invalid` leaves it.
  no-user        a From without a user part: no caller number at all, as
                 an IAM without a Calling Party Number.

    check_sip_parties_replay.py CALLFENCE
"""
import json
import os
import struct
import subprocess
import sys
import tempfile


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(payload):
    src, dst = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20])
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                     0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum16(ip)) + ip[12:]
    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
    return eth + ip + udp


def write_pcap(path, payloads):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, p in enumerate(payloads):
        f = udp_frame(p)
        out.append(struct.pack("<IIII", 1767225600 + i, 0, len(f), len(f)) + f)
    with open(path, "wb") as fh:
        fh.write(b"".join(out))


def invite(n, ruri, from_, extra=""):
    return ("INVITE %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-p%d\r\n"
            "From: %s;tag=f%d\r\n"
            "To: <%s>\r\n"
            "Call-ID: parties-%d@192.0.2.10\r\n"
            "CSeq: 1 INVITE\r\n%s"
            "Content-Length: 0\r\n\r\n"
            % (ruri, n, from_, n, ruri, n, extra)).encode()


# Beijing fixed line 010 6552 9988 as dialled at home, and mobiles.
FIRST, DIVERTER, TARGET = "+8613800000001", "+8613800000002", "+8613800000003"
CALLS = [
    ("history-info", invite(
        1, "sip:%s@gw.example;user=phone" % TARGET,
        "<sip:+8613912345678@a.example;user=phone>",
        "History-Info: <sip:%s@gw.example;cause=302>;index=1.1.1;mp=1.1,"
        " <sip:%s@gw.example>;index=1\r\n"
        "History-Info: <sip:%s@gw.example;cause=486>;index=1.1;mp=1\r\n"
        % (TARGET, FIRST, DIVERTER))),
    ("phone-context", invite(
        2, "sip:+8613700000000@gw.example;user=phone",
        "<tel:010-6552-9988;phone-context=+86>")),
    ("phone-context-sip", invite(
        3, "sip:+8613700000000@gw.example;user=phone",
        "<sip:01065529988;phone-context=+86@gw.example;user=phone>")),
    ("no-user", invite(
        4, "sip:+8613700000000@gw.example;user=phone",
        "\"Nobody\" <sip:gw.example>")),
]

RULES = """plan {
	country-code 86
}

list black "black.txt"
list first "first.txt"

rule diverted-by-black {
	priority 10
	when redirecting in black
	action block
	reason "the last diverting party is blacklisted"
}

rule first-called {
	priority 20
	when original-called in first
	action suspect
}

rule bad-caller {
	priority 30
	when caller invalid
	action block reply 403
}

default allow
"""


def main():
    cf = os.path.abspath(sys.argv[1])
    failures = []
    checks = []
    with tempfile.TemporaryDirectory(prefix="cf-sip-parties-") as tmp:
        pcap = os.path.join(tmp, "calls.pcap")
        write_pcap(pcap, [c[1] for c in CALLS])
        with open(os.path.join(tmp, "p.rules"), "w") as f:
            f.write(RULES)
        with open(os.path.join(tmp, "black.txt"), "w") as f:
            f.write(DIVERTER + "\n")
        with open(os.path.join(tmp, "first.txt"), "w") as f:
            f.write(FIRST + "\n")
        # The diverting party blacklisted, then the first-called one, then
        # the target: only the first is blocked by the redirecting rule.
        runs = [("black.txt", DIVERTER), ("first-as-black", FIRST),
                ("target-as-black", TARGET)]
        got = {}
        for name, number in runs:
            black = os.path.join(tmp, name)
            with open(black, "w") as f:
                f.write(number + "\n")
            out = subprocess.run(
                [cf, "replay", "--rules", os.path.join(tmp, "p.rules"),
                 "--list", "black=" + black, pcap],
                capture_output=True, text=True, cwd=tmp)
            if out.returncode != 0:
                print(out.stderr)
                return 1
            got[name] = [json.loads(l) for l in out.stdout.splitlines()]

    recs = {c[0]: r for c, r in zip(CALLS, got["black.txt"])}

    def want(what, ok):
        print(("ok: " if ok else "FAIL: ") + what)
        checks.append(what)
        if not ok:
            failures.append(what)

    r = recs["history-info"]
    want("history-info: redirecting is the last diverting party (%s)"
         % r["redirecting"], r["redirecting"] == DIVERTER[1:])
    want("history-info: original called is the first entry (%s)"
         % r["original_called"], r["original_called"] == FIRST[1:])
    want("history-info: a blacklisted last diverting party blocks (%s %s)"
         % (r["verdict"], r["rule"]),
         r["verdict"] == "block" and r["rule"] == "diverted-by-black")
    r = {c[0]: x for c, x in zip(CALLS, got["first-as-black"])}["history-info"]
    want("history-info: the number first called is not the redirecting one "
         "(%s %s)" % (r["verdict"], r["rule"]),
         r["verdict"] == "suspect" and r["rule"] == "first-called")
    r = {c[0]: x for c, x in zip(CALLS, got["target-as-black"])}["history-info"]
    want("history-info: nor the target diverted to (%s %s)"
         % (r["verdict"], r["rule"]), r["rule"] == "first-called")
    for n in ("phone-context", "phone-context-sip"):
        r = recs[n]
        want("%s: 010-6552-9988 under +86 is 861065529988 (%s), allowed "
             "(%s)" % (n, r["caller"], r["verdict"]),
             r["caller"] == "861065529988" and r["verdict"] == "allow")
    r = recs["no-user"]
    want("no-user: no caller number, no raw text (%r %r)"
         % (r["caller"], r["caller_raw"]),
         r["caller"] == "" and r["caller_raw"] == "")
    print("%d passed, %d failed" % (len(checks) - len(failures),
                                    len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
