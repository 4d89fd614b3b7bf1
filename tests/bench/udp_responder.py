#!/usr/bin/env python3
"""A tiny stateless SIP responder for testing `callfence-bench udp`.

Answers each INVITE on 127.0.0.1 with 302 (Contact = Request-URI) or, when
the caller's last digit is in --block-digits, 603 Decline, echoing Via,
From, To (with a tag), Call-ID and CSeq as RFC 3261 8.2.6 asks.  To give
the load generator something to find it also, deterministically by the
count of INVITEs received: drops every --drop-every-th INVITE unanswered,
answers every --dup-every-th twice, sends a 100 Trying first for every
--trying-every-th, and a datagram that is not SIP for every
--junk-every-th.

Prints "port N" once listening; on SIGTERM or SIGINT prints one JSON object
with what it did and exits.

usage: udp_responder.py [--port N] [--drop-every N] [--dup-every N]
                        [--trying-every N] [--junk-every N]
                        [--block-digits DIGITS]
"""
import argparse
import json
import signal
import socket
import sys

COPIED = ("via", "v", "from", "f", "call-id", "i", "cseq")


def answer(status, reason, lines, ruri, tag):
    out = ["SIP/2.0 %d %s" % (status, reason)]
    for line in lines:
        name = line.split(":", 1)[0].strip().lower()
        if name in COPIED:
            out.append(line)
        elif name in ("to", "t"):
            out.append(line if (status == 100 or ";tag=" in line)
                       else line + ";tag=" + tag)
    if status == 302:
        out.append("Contact: <%s>" % ruri)
    out.append("Content-Length: 0")
    return ("\r\n".join(out) + "\r\n\r\n").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--drop-every", type=int, default=0)
    ap.add_argument("--dup-every", type=int, default=0)
    ap.add_argument("--trying-every", type=int, default=0)
    ap.add_argument("--junk-every", type=int, default=0)
    ap.add_argument("--block-digits", default="012")
    a = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("127.0.0.1", a.port))
    sock.settimeout(0.05)
    stats = {"invites": 0, "dropped": 0, "answered": 0, "duplicates": 0,
             "trying": 0, "junk": 0, "other": 0, "codes": {}}
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print("port %d" % sock.getsockname()[1], flush=True)

    def every(n, k):
        return n > 0 and k % n == 0

    while not stop:
        try:
            data, peer = sock.recvfrom(65536)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        text = data.decode("utf-8", "replace")
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        if not head[0].startswith("INVITE "):
            stats["other"] += 1
            continue
        stats["invites"] += 1
        k = stats["invites"]
        if every(a.drop_every, k):
            stats["dropped"] += 1
            continue
        ruri = head[0].split(" ")[1]
        caller = ""
        for line in head[1:]:
            if line.lower().startswith(("from:", "f:")):
                caller = line.split("sip:", 1)[1].split("@", 1)[0]
        tag = "r%d" % k
        if every(a.trying_every, k):
            sock.sendto(answer(100, "Trying", head[1:], ruri, tag), peer)
            stats["trying"] += 1
        if caller[-1:] in a.block_digits:
            code, reason = 603, "Decline"
        else:
            code, reason = 302, "Moved Temporarily"
        msg = answer(code, reason, head[1:], ruri, tag)
        sock.sendto(msg, peer)
        stats["answered"] += 1
        stats["codes"][str(code)] = stats["codes"].get(str(code), 0) + 1
        if every(a.dup_every, k):
            sock.sendto(msg, peer)
            stats["duplicates"] += 1
        if every(a.junk_every, k):
            sock.sendto(b"this is not SIP\r\n\r\n", peer)
            stats["junk"] += 1
    json.dump(stats, sys.stdout)
    print(flush=True)


if __name__ == "__main__":
    main()
