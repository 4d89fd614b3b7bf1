#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A verdict does not depend on the front end that produced it, nor on how
many workers the daemon has: the differential test, as a carrier sees it.

    differential_test.py CALLFENCED CALLFENCE CALLFENCE_BENCH SRCDIR
                         [DUMPCAP [live|held]]

live (the default) is the test below; held is test_held(): the same
comparison when one core is held up for 300 ms (a deterministic form of
what a loaded machine does to the live test now and then).

1. Traffic: `callfence-bench gen` makes 3000 labelled SIP calls of every
   class (legit, legit-foreign, legit-roaming, blacklisted, spoofed, dno,
   robocall, scanner, sweeper, wangiri), 30% of the INVITEs SIP-I (the
   IAM in an application/ISUP body), with answers (200 OK) and releases
   (CANCEL, BYE), compressed into ~40 s: fraud actors dial 5 times faster
   (--actor-rate 5, 60 calls each) and the rules below are the carrier
   rules (rules/examples/carrier.rules) with windows of seconds.
2. The SBC: one Python sender sends every message, at the time the
   capture says, to three callfenced (1, 2 and 4 workers) on 127.0.0.1:
   INVITEs, CANCELs, BYEs and the 200 OK answers, all to the screening
   port.  Each gateway of the capture is a loopback address of its own
   (203.0.113.x -> 127.0.113.x national, 198.51.100.x -> 127.51.100.x
   international, 192.0.2.x -> 127.0.2.x local), classified by --peer.
   Halfway through, each daemon is reloaded (`callfence reload`) with the
   same rules: the heuristic state must carry over.  Lateness against the
   schedule is measured and printed.  Messages after the last INVITE are
   not sent: they cannot change a verdict.
3. The truth: dumpcap (tshark's capture engine; tcpdump is not among the
   packages scripts/setup-debian.sh installs) records on `lo` what each
   daemon received; `callfence replay` of that capture, with the same
   rules and peers, is the verdict the daemon must have given.  Per call
   (Call-ID): verdict, rule and monitor (trial rules) identical; the
   capture holds exactly the datagrams sent; every INVITE answered once,
   302 for allow/suspect/hide (suspect with its X-Callfence-Verdict, hide
   with Privacy: id), the rule's code for block (603, 608; 603 Network
   Blocked with its Q.850 Reason); every CANCEL and BYE answered 200 once;
   no 200 OK (a response) answered; nothing dropped anywhere.
4. Detection quality per class (calls, blocked, recall) and the false
   positives on legitimate calls, for replay, `callfence-bench quality`
   (in memory, same generator options: exact generated times, so it may
   differ from the live runs by what the sender's lateness moves), and the
   daemon with 1, 2 and 4 workers; the daemon's must be replay's.

Tolerance.  The daemon stamps an event with its wall clock read once per
pass, a little after the kernel's capture timestamp (the offsets are
printed), and with several workers a call handed to another core may be
judged after an event that reached the kernel later.  So a call may
differ from replay ONLY when (a) both verdicts come from heuristic rules
or the default (list, prefix and context rules cannot depend on time),
and (b) replay itself gives the daemon's verdict once the capture's times
are moved by at most TOL = 5 ms: all INVITEs at the daemon's own clock
(offsets clipped to 5 ms), or the call's INVITE 5 ms earlier or later,
i.e. its measure sits within 5 ms of a window edge or of another event
whose order could differ.  At most MAX_EDGE = 3 such calls per daemon;
any other difference fails the test, with a reproduction.

Everything is bounded: each process by its own timeout, the whole test by
an alarm (150 s); every process started is killed on any failure.  Exit
77 (skipped) only without the right to capture on lo (not root).
"""

import calendar
import collections
import csv
import json
import os
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CALLFENCED, CALLFENCE, BENCH, SRCDIR = sys.argv[1:5]
DUMPCAP = sys.argv[5] if len(sys.argv) > 5 else 'dumpcap'
MODE = sys.argv[6] if len(sys.argv) > 6 else 'live'
WORKERS = (1, 2, 4)
TOL_NS = 5_000_000
MAX_EDGE = 3
DEADLINE_S = 150
SEED = 1
GEN = ['--calls', '3000', '--seed', str(SEED), '--proto', 'sip',
       '--sipi', '0.3', '--duration', '19', '--subscribers', '200000',
       '--blacklist-size', '10000', '--actor-calls', '60',
       '--actor-rate', '5',
       '--share', 'robocall=0.08', '--share', 'scanner=0.04',
       '--share', 'sweeper=0.06', '--share', 'wangiri=0.06',
       '--share', 'blacklisted=0.01', '--share', 'spoofed=0.01',
       '--share', 'dno=0.01', '--share', 'legit-roaming=0.01']
# The generator's gateways (bench/gen/gen.c) as loopback sources.
NETS = {(203, 0, 113): ('127.0.113', 'national'),
        (198, 51, 100): ('127.51.100', 'international'),
        (192, 0, 2): ('127.0.2', 'local')}
PEERS, GEN_PEERS = [], []
for _net, (_prefix, _class) in NETS.items():
    PEERS += ['--peer', '%s.0/24=%s' % (_prefix, _class)]
    GEN_PEERS += ['--peer', '%d.%d.%d.0/24=%s' % (_net + (_class,))]

# carrier.rules with windows of seconds: an actor dials 5 times faster
# than at its own pace, so each minute becomes 12 s, each 10 minutes 2.
# The thresholds are carrier.rules'.  Two trial (monitor) rules make the
# monitor field carry something: one static, one heuristic.  local-hide
# exercises hide (Privacy: id), roaming-home suspect (X-Callfence-Verdict).
# inbound-flood's measure is an estimate scaled by the worker count
# (rules/README.md), so its threshold is far above what this traffic does.
RULES = r"""
plan {
	country-code 86
	national-prefix 0
	international-prefix 00
	lengths 10-11
	service-lengths 3, 5
}
heuristics {
	memory-per-core 16M
	max-call 1h
}
list whitelist	"lists/whitelist.txt"
list blacklist	"lists/blacklist.txt"
list dno	"lists/dno.txt"
list roaming	"lists/roaming.txt"

rule whitelisted { priority 10 when caller in whitelist action allow }
rule blacklisted {
	priority 20 when caller in blacklist
	action block reply 603-network-blocked
}
rule dno-impersonation { priority 30 when caller in dno action block reply 608 }
rule spoofed-domestic {
	priority 40
	when ingress international and caller domestic and not caller in roaming
	action block reply 603-network-blocked
}
rule roaming-home {
	priority 45 when ingress international and caller in roaming
	action suspect
}
rule service-lookalike {
	priority 50
	when caller matches /000(110|95588|95533|95555|12366)$/
	     and not caller in dno
	action hide
}
rule local-hide { priority 55 when ingress local and caller matches /7$/ action hide }
rule caller-is-callee { priority 60 when caller equals callee action suspect }
rule invalid-caller { priority 70 when caller invalid action suspect }
rule sip-i-mismatch { priority 75 when sip-i-mismatch action suspect }
rule premium-trial {
	priority 80 when callee prefix +882, +883, +979
	action block reply 403 monitor
}
rule foreign-trial {
	priority 85 when ingress international and not caller domestic
	action block reply 403 monitor
}
rule rate-trial {
	priority 90 when caller calls > 10 per 12s
	action block monitor
}
rule robocall {
	priority 100 when caller calls > 20 per 12s
	action block reply 603-network-blocked
}
rule scanner {
	priority 110 when caller sequential-callees >= 5 within 12s
	action block reply 603-network-blocked
}
rule many-callees {
	priority 120 when caller distinct-callees > 20 per 12s
	action block reply 603-network-blocked
}
rule sweeper {
	priority 130 when caller calls into callee block 9 > 8 per 2m
	action block reply 603-network-blocked
}
rule wangiri {
	priority 140 when caller short-calls under 5s > 8 per 2m
	action block reply 603-network-blocked
}
rule gang-block {
	priority 150 when caller block 9 calls > 60 per 12s
	action block reply 603-network-blocked
}
rule concurrent { priority 160 when caller concurrent-calls > 30 action suspect }
rule neighbour-spoof {
	priority 170 when caller neighbour callee 9 and not caller equals callee
	action suspect
}
rule inbound-flood {
	priority 180 when callee distinct-callers > 300 per 12s
	action suspect monitor
}
default allow
"""
HEURISTIC = {'rate-trial', 'robocall', 'scanner', 'many-callees', 'sweeper',
             'wangiri', 'gang-block', 'concurrent', 'inbound-flood'}
# The answer each blocking rule gives: (code, Reason header or None).
NB = (603, 'Q.850;cause=21')
BLOCK_REPLY = {'blacklisted': NB, 'dno-impersonation': (608, None),
               'spoofed-domestic': NB, 'robocall': NB, 'scanner': NB,
               'many-callees': NB, 'sweeper': NB, 'wangiri': NB,
               'gang-block': NB}
LEGIT = ('legit', 'legit-foreign', 'legit-roaming')
CLASSES = ('legit', 'legit-foreign', 'legit-roaming', 'blacklisted',
           'spoofed', 'dno', 'robocall', 'scanner', 'sweeper', 'wangiri')

PROCS = []


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def fail(msg):
    raise Failure(msg)


def check(cond, msg):
    if not cond:
        fail(msg)
    print('ok: ' + msg, flush=True)


def start(args, **kw):
    p = subprocess.Popen(args, **kw)
    PROCS.append(p)
    return p


def kill_all():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def run(args, timeout, **kw):
    """A bounded subprocess.run that is killed with the rest on failure."""
    p = start(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        fail('%s did not finish within %d s' % (' '.join(args[:2]), timeout))
    return p.returncode, out, err


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- pcap ------------------------------------------------------------------

def read_pcap(path):
    """Records of a pcap file: (ts_ns, frame, udp) with udp = (src ip,
    src port, dst port, payload) for IPv4/UDP, else None."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        fail('%s: not a pcap file (dumpcap -P writes one)' % path)
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    link = struct.unpack(e + 'I', data[20:24])[0]
    off, recs = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ts = sec * 1_000_000_000 + (frac if nano else frac * 1000)
        recs.append((ts, frame, udp_of(link, frame)))
    return link, recs


def udp_of(link, frame):
    if link == 1:			# Ethernet (lo is one too)
        if frame[12:14] != b'\x08\x00':
            return None
        ip = frame[14:]
    elif link == 113:			# Linux cooked
        if frame[14:16] != b'\x08\x00':
            return None
        ip = frame[16:]
    else:
        fail('link type %d not read here' % link)
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 15) * 4
    total = struct.unpack('!H', ip[2:4])[0]
    sport, dport, ulen = struct.unpack('!HHH', ip[ihl:ihl + 6])
    payload = ip[ihl + 8:min(total, ihl + ulen)]
    return ('.'.join(map(str, ip[12:16])), sport, dport, payload)


def write_pcap(path, link, recs):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 65535, link))
        for ts, frame, _ in recs:
            f.write(struct.pack('<IIII', ts // 1_000_000_000,
                                ts % 1_000_000_000, len(frame), len(frame)))
            f.write(frame)


CALL_ID = re.compile(rb'\r\n(?:Call-ID|i): *([^\r\n]*)\r\n', re.I)


def kind_of(payload):
    head = payload[:16]
    for k in (b'INVITE ', b'CANCEL ', b'BYE ', b'SIP/2.0 '):
        if head.startswith(k):
            return k.decode().strip()
    return None


def call_id(payload):
    m = CALL_ID.search(payload)
    return m.group(1).decode() if m else None


def iso_ns(text):
    """2024-01-02T03:04:05.123456789Z as ns since the epoch."""
    sec, frac = text.rstrip('Z').split('.')
    t = calendar.timegm(time.strptime(sec, '%Y-%m-%dT%H:%M:%S'))
    return t * 1_000_000_000 + int(frac.ljust(9, '0'))


def quantiles(xs):
    xs = sorted(xs)
    if not xs:
        return 'none'
    q = (lambda f: xs[min(len(xs) - 1, int(f * len(xs)))])
    return 'p50 %.3f, p99 %.3f, max %.3f ms' % (q(0.5), q(0.99), xs[-1])


# ---- the runs ----------------------------------------------------------------

class Daemon:
    def __init__(self, tmp, rules, workers, extra=()):
        self.workers = workers
        self.port, self.mport = free_port(), free_port()
        self.dir = os.path.join(tmp, 'w%d' % workers)
        os.mkdir(self.dir)
        self.control = os.path.join(self.dir, 'control.sock')
        self.vlog = os.path.join(self.dir, 'verdicts.jsonl')
        self.cap = os.path.join(self.dir, 'received.pcap')
        self.err = open(os.path.join(self.dir, 'callfenced.err'), 'w+')
        self.p = start([CALLFENCED, '--rules', rules,
                        '--sip-listen', '127.0.0.1:%d' % self.port,
                        '--metrics', '127.0.0.1:%d' % self.mport,
                        '--control', self.control, '--verdict-log', self.vlog,
                        '--workers', str(workers), '--foreground',
                        # Every call judged, however late a held core
                        # gets to it: shedding is tested elsewhere.
                        '--overload-delay', '0'] + PEERS +
                       list(extra),
                       stdout=subprocess.DEVNULL, stderr=self.err)
        self.cap_err = open(os.path.join(self.dir, 'dumpcap.err'), 'w+')
        self.dumpcap = start([DUMPCAP, '-i', 'lo', '-P', '-q', '-w', self.cap,
                              '-f', 'udp and dst host 127.0.0.1 and dst port %d'
                              % self.port], stdout=subprocess.DEVNULL,
                             stderr=self.cap_err)
        self.reload_out = None

    def log(self):
        self.err.flush()
        with open(self.err.name) as f:
            return f.read()

    def cap_log(self):
        self.cap_err.flush()
        with open(self.cap_err.name) as f:
            return f.read()

    def wait_ready(self, deadline):
        while time.time() < deadline:
            if self.p.poll() is not None:
                fail('callfenced (%d workers) exited: %s'
                     % (self.workers, self.log()))
            if self.dumpcap.poll() is not None:
                if os.geteuid() != 0:
                    raise Skip('dumpcap cannot capture on lo: %s'
                               % self.cap_log().strip())
                fail('dumpcap exited: %s' % self.cap_log())
            if 'ready' in self.log() and 'Capturing on' in self.cap_log():
                return
            time.sleep(0.05)
        fail('callfenced or dumpcap not ready: %s %s'
             % (self.log(), self.cap_log()))

    def metric(self, name, **labels):
        url = 'http://127.0.0.1:%d/metrics' % self.mport
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
        want = ','.join('%s="%s"' % kv for kv in labels.items())
        total = 0.0
        for line in text.splitlines():
            m = re.match(r'([a-z_]+)(\{[^}]*\})? (\S+)$', line)
            if m and m.group(1) == name and (not want or
                                             want in (m.group(2) or '')):
                total += float(m.group(3))
        return total

    def reload(self):
        rc, out, err = run([CALLFENCE, 'reload', '--control', self.control],
                           timeout=20)
        self.reload_out = (rc, out.decode().strip(), err.decode().strip())

    def stop(self):
        self.dumpcap.send_signal(signal.SIGINT)
        try:
            self.dumpcap.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fail('dumpcap did not stop')
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            fail('callfenced (%d workers) did not stop on SIGTERM'
                 % self.workers)
        check(rc == 0, '%d worker(s): callfenced stops cleanly (rc %d)'
              % (self.workers, rc))
        m = re.search(r"dropped on interface '[^']*': (\d+)/(\d+)",
                      self.cap_log())
        check(m and m.group(2) == '0',
              '%d worker(s): dumpcap dropped nothing (%s)'
              % (self.workers, m.group(0) if m else self.cap_log().strip()))


def load_traffic(tmp):
    """The generated capture as the SBC sends it: (t_ns from the first
    message, loopback source, payload, kind, Call-ID), up to the last
    INVITE; and the labels by call index."""
    pcap = os.path.join(tmp, 'gen.pcap')
    labels = os.path.join(tmp, 'labels.csv')
    rc, _, err = run([BENCH, 'gen'] + GEN + ['--pcap', pcap, '--labels',
                                             labels, '--lists',
                                             os.path.join(tmp, 'lists')],
                     timeout=60)
    if rc != 0:
        fail('callfence-bench gen: ' + err.decode())
    _, recs = read_pcap(pcap)
    msgs = []
    for ts, _, u in recs:
        src, _, _, payload = u
        a = tuple(int(x) for x in src.split('.'))
        prefix = NETS[a[:3]][0]
        msgs.append((ts, '%s.%d' % (prefix, a[3]), payload, kind_of(payload),
                     call_id(payload)))
    last = max(i for i, m in enumerate(msgs) if m[3] == 'INVITE')
    msgs = msgs[:last + 1]
    t0 = msgs[0][0]
    msgs = [(m[0] - t0,) + m[1:] for m in msgs]
    cls = {}
    with open(labels) as f:
        for row in csv.DictReader(f):
            if row['event'] == 'setup':
                cls[int(row['call'])] = row['class']
    return msgs, cls


class Sbc:
    """One UDP socket per gateway address; each message goes to every
    daemon; a thread reads the answers."""

    def __init__(self, msgs, ports):
        self.msgs, self.ports = msgs, ports
        self.socks = {}
        for _, src, *_ in msgs:
            if src not in self.socks:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                s.bind((src, 0))
                s.setblocking(False)
                self.socks[src] = s
        # answers[daemon port][(Call-ID, CSeq method)] = [answer, ...]
        self.answers = {p: collections.defaultdict(list) for p in ports}
        self.stray = []
        self.done = threading.Event()
        self.lateness = []

    def receive(self):
        sel = selectors.DefaultSelector()
        for s in self.socks.values():
            sel.register(s, selectors.EVENT_READ)
        while not self.done.is_set():
            for key, _ in sel.select(timeout=0.05):
                while True:
                    try:
                        data, (_, port) = key.fileobj.recvfrom(65536)
                    except BlockingIOError:
                        break
                    self.answer(data, port)
        sel.close()

    def answer(self, data, port):
        head, _, _ = data.partition(b'\r\n\r\n')
        lines = head.decode(errors='replace').split('\r\n')
        hdr = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            hdr.setdefault(name.strip().lower(), value.strip())
        parts = lines[0].split(' ', 2)
        if port not in self.answers or parts[0] != 'SIP/2.0':
            self.stray.append((port, lines[0]))
            return
        method = hdr.get('cseq', '').split(' ')[-1]
        self.answers[port][(hdr.get('call-id'), method)].append(
            (int(parts[1]), hdr))

    def send(self, at_half):
        """Keep to the capture's schedule; @at_half runs in a thread at
        the middle of the span."""
        rx = threading.Thread(target=self.receive, daemon=True)
        rx.start()
        span = self.msgs[-1][0]
        half = None
        start = time.monotonic() + 0.3
        for t, src, payload, _, _ in self.msgs:
            target = start + t / 1e9
            now = time.monotonic()
            if target > now:
                time.sleep(target - now)
            self.lateness.append((time.monotonic() - target) * 1e3)
            s = self.socks[src]
            for port in self.ports:
                s.sendto(payload, ('127.0.0.1', port))
            if half is None and t >= span // 2:
                half = threading.Thread(target=at_half, daemon=True)
                half.start()
        return rx, half


def expected_answer(rec):
    """(code, extra header name, value) the verdict must be answered with."""
    if rec['verdict'] == 'block':
        code, reason = BLOCK_REPLY[rec['rule']]
        return code, ('reason', reason) if reason else None
    if rec['verdict'] == 'suspect':
        return 302, ('x-callfence-verdict', 'suspect; rule=' + rec['rule'])
    if rec['verdict'] == 'hide':
        return 302, ('privacy', 'id')
    return 302, None


def replay(tmp, rules, cap, name, peers=PEERS):
    rc, out, err = run([CALLFENCE, 'replay', '--rules', rules] + peers +
                       ['--format', 'json', cap], timeout=60)
    if rc != 0:
        fail('callfence replay %s: rc %d: %s' % (name, rc, err.decode()))
    return {r['call_ref']: r for r in map(json.loads, out.decode().splitlines())}


def same(a, b):
    return (a['verdict'], a['rule'], a['monitor']) == \
        (b['verdict'], b['rule'], b['monitor'])


def retimed(recs, move, order=None):
    """@recs with each record's time moved by @move(index, ts): in time
    order, or in capture order but position i holding record @order[i]."""
    moved = [(move(i, ts), fr, u) for i, (ts, fr, u) in enumerate(recs)]
    if order:
        return [moved[order.get(i, i)] for i in range(len(moved))]
    return [r for _, r in sorted(enumerate(moved),
                                 key=lambda x: (x[1][0], x[0]))]


def swapped(cid, judged, arrival):
    """The calls judged on the wrong side of @cid, as text."""
    k = judged.index(cid)
    out = ['after %s, which reached the kernel %.1f ms later'
           % (c.split('@')[0], (arrival(c) - arrival(cid)) / 1e6)
           for c in judged[:k] if arrival(c) > arrival(cid)]
    out += ['before %s, which reached the kernel %.1f ms earlier'
            % (c.split('@')[0], (arrival(cid) - arrival(c)) / 1e6)
            for c in judged[k + 1:] if arrival(c) < arrival(cid)]
    return 'judged ' + ', '.join(out[:3]) if out else 'in order'


def witness(tmp, rules, link, recs, cid, want, daemon_ts, judged):
    """Why the daemon's verdict for @cid is not replay's: the re-timing of
    the capture under which replay gives @want, and whether it is within
    the tolerance.  @judged: the daemon's judge order of the call's caller
    (verdict log order: one core judges a caller, and its records reach
    the log in order).  Returns (explanation, within tolerance) or None."""
    inv = {i: call_id(u[3]) for i, (_, _, u) in enumerate(recs)
           if u and kind_of(u[3]) == 'INVITE'}
    offs = sorted(daemon_ts[c] - recs[i][0] for i, c in inv.items())
    median = offs[len(offs) // 2]
    clip = (lambda d: max(-TOL_NS, min(TOL_NS, d)))
    at = {c: i for i, c in inv.items()}
    mine = at[cid]
    arrived = sorted(at[c] for c in judged)
    order = dict(zip(arrived, (at[c] for c in judged)))
    ms = TOL_NS // 1_000_000
    tries = [
        ("the INVITEs at the daemon's clock (clipped to %d ms)" % ms, True,
         lambda i, ts: ts + clip(daemon_ts[inv[i]] - ts if i in inv
                                 else median), None),
        ('the INVITE %d ms earlier' % ms, True,
         lambda i, ts: ts - TOL_NS if i == mine else ts, None),
        ('the INVITE %d ms later' % ms, True,
         lambda i, ts: ts + TOL_NS if i == mine else ts, None),
        # Beyond the tolerance: what explains a real difference.
        ("the INVITEs at the daemon's clock, %+.1f ms for this one"
         % ((daemon_ts[cid] - recs[mine][0]) / 1e6), False,
         lambda i, ts: daemon_ts[inv[i]] if i in inv else ts + median,
         None),
        ("the caller's INVITEs in the order the daemon judged them, at its "
         "clock (%s)" % swapped(cid, judged, lambda c: recs[at[c]][0]), False,
         lambda i, ts: daemon_ts[inv[i]] if i in inv else ts,
         order if any(k != v for k, v in order.items()) else None),
    ]
    path = os.path.join(tmp, 'witness.pcap')
    for what, within, move, reorder in tries:
        if not within and what.startswith('the caller') and not reorder:
            continue
        write_pcap(path, link, retimed(recs, move, reorder))
        got = replay(tmp, rules, path, 'witness').get(cid)
        if got and same(got, want):
            return what, within
    return None


def tally(recs, cls):
    """Per class: [calls, blocked]; recs by Call-ID."""
    t = {c: [0, 0] for c in CLASSES}
    for cid, r in recs.items():
        c = cls[int(cid[1:].split('-')[0])]
        t[c][0] += 1
        t[c][1] += r['verdict'] == 'block'
    return t


def quality(tmp, rules):
    rc, out, err = run([BENCH, 'quality', '--rules', rules] + GEN +
                       ['--lists', os.path.join(tmp, 'qlists')], timeout=60)
    if rc != 0:
        fail('callfence-bench quality: ' + err.decode())
    t = {}
    for line in out.decode().splitlines():
        f = line.split()
        if f and f[0] in CLASSES and len(f) >= 6:
            t[f[0]] = [int(f[1]), int(f[2])]
    return t


def table(columns):
    """The quality table: a row per class, a column per source."""
    names = list(columns)
    print('\n%-14s %6s  %s' % ('class', 'calls', '  '.join(
        '%-15s' % n for n in names)))
    for c in CLASSES:
        calls = columns[names[0]][c][0]
        cells = []
        for n in names:
            got, blocked = columns[n][c]
            cell = '%d' % blocked if c in LEGIT else \
                '%d (%.1f%%)' % (blocked, 100.0 * blocked / max(got, 1))
            if got != calls:
                cell += ' of %d' % got
            cells.append('%-15s' % cell)
        print('%-14s %6d  %s' % (c, calls, '  '.join(cells)))
    cells = []
    for n in names:
        legit = sum(columns[n][c][0] for c in LEGIT)
        fp = sum(columns[n][c][1] for c in LEGIT)
        cells.append('%-15s' % ('%d (%.2f%%)' % (fp, 100.0 * fp / legit)))
    print('%-14s %6d  %s\n' % ('false pos.', sum(columns[names[0]][c][0]
                                                  for c in LEGIT),
                                '  '.join(cells)), flush=True)


def main_run(tmp):
    t_start = time.time()
    rules = os.path.join(tmp, 'differential.rules')
    with open(rules, 'w') as f:
        f.write(RULES)
    msgs, cls = load_traffic(tmp)
    kinds = collections.Counter(m[3] for m in msgs)
    sipi = sum(1 for m in msgs if m[3] == 'INVITE' and
               b'application/ISUP' in m[2])
    print('traffic: %d messages over %.1f s: %s; %d SIP-I INVITEs; %d '
          'gateways' % (len(msgs), msgs[-1][0] / 1e9, dict(kinds), sipi,
                        len({m[1] for m in msgs})), flush=True)
    check(set(kinds) == {'INVITE', 'CANCEL', 'BYE', 'SIP/2.0'} and sipi > 500,
          'INVITEs (plain and SIP-I), CANCELs, BYEs and answers to send')

    daemons = [Daemon(tmp, rules, n) for n in WORKERS]
    for d in daemons:
        d.wait_ready(time.time() + 15)
    time.sleep(0.5)		# dumpcap says it captures a little early
    sbc = Sbc(msgs, [d.port for d in daemons])

    reload_at = []

    def reload_all():
        reload_at.append(time.time_ns())
        threads = [threading.Thread(target=d.reload) for d in daemons]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=25)
        reload_at.append(time.time_ns())

    t_send = time.time()
    rx, half = sbc.send(reload_all)
    print('sent in %.1f s; lateness against the schedule: %s'
          % (time.time() - t_send, quantiles(sbc.lateness)), flush=True)
    check(max(sbc.lateness) < 1000, 'the sender kept to the schedule '
          '(no message a second late)')
    if half:
        half.join(timeout=30)
    # Every request answered (or 3 s).
    want = sum(kinds[k] for k in ('INVITE', 'CANCEL', 'BYE'))
    deadline = time.time() + 3
    while time.time() < deadline and any(
            sum(len(v) for v in sbc.answers[d.port].values()) < want
            for d in daemons):
        time.sleep(0.05)
    time.sleep(0.3)
    for d in daemons:
        n = d.workers
        for name in ('callfence_event_drops_total', 'callfence_log_drops_total',
                     'callfence_ring_drops_total',
                     'callfence_overload_actions_total',
                     'callfence_udp_rx_drops_total',
                     'callfence_decode_errors_total',
                     'callfence_acl_rejects_total', 'callfence_tx_errors_total'):
            check(d.metric(name) == 0, '%d worker(s): %s 0' % (n, name))
        learnt = {k: d.metric('callfence_sip_messages_total', kind=k)
                  for k in ('invite', 'cancel', 'bye', 'response_learnt')}
        check(learnt == {'invite': kinds['INVITE'], 'cancel': kinds['CANCEL'],
                         'bye': kinds['BYE'],
                         'response_learnt': kinds['SIP/2.0']},
              '%d worker(s): every INVITE judged, every CANCEL, BYE and 200 '
              'OK learnt on the screening port (%s)' % (n, learnt))
        if n > 1:
            check(d.metric('callfence_handovers_total') > 0,
                  '%d workers: calls handed over between cores (%d)'
                  % (n, d.metric('callfence_handovers_total')))
    sbc.done.set()
    rx.join(timeout=5)
    for d in daemons:
        d.stop()
    check(not sbc.stray, 'no stray datagram at the SBC (%s)' % sbc.stray[:3])
    for d in daemons:
        rc, out, err = d.reload_out
        check(rc == 0 and 'heuristic state kept' in out,
              '%d worker(s): reloaded halfway, heuristic state kept (%r)'
              % (d.workers, out))

    sent = collections.Counter(m[2] for m in msgs)
    inv_ids = [m[4] for m in msgs if m[3] == 'INVITE']
    sipi_ids = {m[4] for m in msgs if m[3] == 'INVITE' and
                b'application/ISUP' in m[2]}
    check(len(set(inv_ids)) == len(inv_ids), 'one INVITE per Call-ID')
    ref = replay(tmp, rules, os.path.join(tmp, 'gen.pcap'), 'gen',
                 GEN_PEERS)
    q = quality(tmp, rules)
    columns = {'quality': q}
    results, failures = {}, []
    for d in daemons:
        n = d.workers
        link, recs = read_pcap(d.cap)
        got = collections.Counter(u[3] for _, _, u in recs if u)
        check(got == sent and len(recs) == len(msgs),
              '%d worker(s): the capture holds exactly the %d datagrams sent'
              % (n, len(msgs)))
        cap_ts = {call_id(u[3]): ts for ts, _, u in recs
                  if kind_of(u[3]) == 'INVITE'}
        log = {}
        with open(d.vlog) as f:
            for line in f:
                r = json.loads(line)
                check_once = r['call_ref'] not in log
                if not check_once:
                    fail('%d worker(s): two verdicts for %s'
                         % (n, r['call_ref']))
                log[r['call_ref']] = r
        check(set(log) == set(inv_ids), '%d worker(s): one verdict log record '
              'per INVITE (%d)' % (n, len(log)))
        rep = replay(tmp, rules, d.cap, 'w%d' % n)
        check(set(rep) == set(inv_ids),
              '%d worker(s): replay of the capture judges every INVITE' % n)

        # The answers the SBC got.
        ans = sbc.answers[d.port]
        bad = []
        for cid, r in log.items():
            a = ans.get((cid, 'INVITE'), [])
            code, extra = expected_answer(r)
            if len(a) != 1 or a[0][0] != code or (
                    extra and a[0][1].get(extra[0]) != extra[1]):
                bad.append((cid, r['verdict'], r['rule'],
                            [(c, h.get(extra[0]) if extra else None)
                             for c, h in a]))
        check(not bad, '%d worker(s): every INVITE answered once, with the '
              "verdict's answer (%d) %s" % (n, len(log), bad[:3]))
        for k in ('CANCEL', 'BYE'):
            ids = [m[4] for m in msgs if m[3] == k]
            bad = [c for c in ids if [x[0] for x in ans.get((c, k), [])] != [200]]
            check(not bad, '%d worker(s): every %s answered 200 once (%d) %s'
                  % (n, k, len(ids), bad[:3]))
        total = sum(len(v) for v in ans.values())
        check(total == kinds['INVITE'] + kinds['CANCEL'] + kinds['BYE'],
              '%d worker(s): no answer to a response (%d answers)' % (n, total))

        # The generation of each record: the reload in force from its
        # answer on, the state of generation 1 counted on.
        gens = collections.Counter(r['generation'] for r in log.values())
        check(set(gens) == {1, 2} and all(
            r['generation'] == 1 for r in log.values()
            if iso_ns(r['timestamp']) < reload_at[0]) and all(
            r['generation'] == 2 for r in log.values()
            if iso_ns(r['timestamp']) > reload_at[1]),
              '%d worker(s): generation 1 before the reload, 2 after (%s)'
              % (n, dict(gens)))
        daemon_ts = {c: iso_ns(r['timestamp']) for c, r in log.items()}
        offs = [(daemon_ts[c] - cap_ts[c]) / 1e6 for c in log]
        print('%d worker(s): daemon clock - capture time per INVITE: min '
              '%.3f ms, %s' % (n, min(offs), quantiles(offs)), flush=True)

        # The comparison.
        judged = collections.defaultdict(list)
        for cid in log:			# file order: each core's judge order
            judged[log[cid]['caller']].append(cid)
        edge, wrong = [], []
        for cid in inv_ids:
            a, b = log[cid], rep[cid]
            if same(a, b):
                continue
            diff_mon = set(a['monitor']) ^ set(b['monitor'])
            timed = ({a['rule'], b['rule']} <= HEURISTIC | {'default'} and
                     diff_mon <= HEURISTIC)
            why = witness(tmp, rules, link, recs, cid, a, daemon_ts,
                          judged[a['caller']]) if timed else None
            item = (cid, cls[int(cid[1:].split('-')[0])],
                    (a['verdict'], a['rule'], a['monitor']),
                    (b['verdict'], b['rule'], b['monitor']),
                    (daemon_ts[cid] - cap_ts[cid]) / 1e6, why)
            (edge if why and why[1] else wrong).append(item)
        for cid, c, da, re_, off, why in edge + wrong:
            print('  %s %s (%s): daemon %s, replay %s; daemon clock %+.3f ms'
                  '; %s' % ('edge' if why and why[1] else 'DIFFERS', cid, c,
                            da, re_, off, 'replay agrees with ' + why[0]
                            if why else 'no re-timing explains it'))
        if wrong:
            print('  reproduce: callfence replay --rules %s %s --format json '
                  '%s (kept with CFD_TEST_KEEP=1)'
                  % (rules, ' '.join(PEERS), d.cap))
        failures += ['%d worker(s): %d call(s) judged otherwise than replay '
                     'judges them, beyond the 5 ms tolerance' % (n, len(wrong))
                     ] if wrong else []
        failures += ['%d worker(s): %d calls at a window edge within 5 ms, '
                     'more than %d' % (n, len(edge), MAX_EDGE)
                     ] if len(edge) > MAX_EDGE else []
        print('%d worker(s): %d call(s) differ from replay: %d at a window '
              'edge within 5 ms, %d beyond' % (n, len(edge) + len(wrong),
                                               len(edge), len(wrong)),
              flush=True)

        # What the comparison covered.
        verdicts = collections.Counter(r['verdict'] for r in log.values())
        rules_hit = collections.Counter(r['rule'] for r in log.values())
        trials = collections.Counter(m for r in log.values()
                                     for m in r['monitor'])
        check(set(verdicts) == {'allow', 'block', 'suspect', 'hide'} and
              {'rate-trial', 'foreign-trial'} <= set(trials),
              '%d worker(s): verdicts %s; trial rules %s' % (
                  n, dict(verdicts), dict(trials)))
        if n == WORKERS[0]:
            print('rules: %s' % ', '.join('%s %d' % kv for kv in
                                          rules_hit.most_common()))
        bad = [c for c in inv_ids for x in (log[c], rep[c])
               if x['caller_raw'].startswith('+') == (c in sipi_ids)]
        check(not bad, '%d worker(s): SIP-I INVITEs judged on their IAM '
              '(caller as the IAM writes it), the others on their headers, '
              'by the daemon and replay %s' % (n, bad[:3]))

        # After the reload: heuristic verdicts on state counted before it.
        first = {}
        for cid in sorted(inv_ids, key=lambda c: daemon_ts[c]):
            first.setdefault(log[cid]['caller'], daemon_ts[cid])
        carried = sum(1 for cid, r in log.items() if r['generation'] == 2 and
                      r['rule'] in HEURISTIC and
                      first[r['caller']] < reload_at[0] and same(r, rep[cid]))
        check(carried > 10, '%d worker(s): %d calls after the reload decided '
              'by heuristics on state counted before it, as replay' % (n, carried))
        results[n] = (tally(log, cls), tally(rep, cls), len(edge) + len(wrong))
        columns['replay w%d' % n] = results[n][1]
        columns['daemon w%d' % n] = results[n][0]

    # Detection quality.
    columns['replay (gen)'] = tally(ref, cls)
    order = ['replay (gen)', 'quality'] + ['replay w%d' % n for n in WORKERS] \
        + ['daemon w%d' % n for n in WORKERS]
    print('blocked calls (recall) per class; false positives = legitimate '
          'calls blocked:')
    table({k: columns[k] for k in order})
    for n in WORKERS:
        dt, rt, edges = results[n]
        off = sum(abs(dt[c][1] - rt[c][1]) for c in CLASSES)
        check(all(dt[c][0] == rt[c][0] for c in CLASSES) and off <= edges,
              '%d worker(s): per class the daemon blocks what replay of its '
              'capture blocks, but for the %d call(s) that differ (%d apart)'
              % (n, edges, off))
    qd = sum(abs(q[c][1] - columns['replay (gen)'][c][1]) for c in CLASSES)
    print('quality (in memory) vs replay of the generated capture: %d blocked '
          'calls apart' % qd)
    print('total %.1f s' % (time.time() - t_start), flush=True)
    check(not failures, 'every daemon judged every call as replay of what '
          'it received, within the tolerance%s' % (
              ': ' + '; '.join(failures) if failures else ''))

HELD_RULES = """plan {
	country-code 86
}
rule second { priority 1 when caller calls > 1 per 1m action block }
default allow
"""


def test_held(tmp):
    """A core held up: each worker pinned (--cpus), a SCHED_FIFO busy loop
    holds CPU 1 for 300 ms, and meanwhile 56 callers each call twice, 20
    ms apart, the two INVITEs from two different gateways (every ordered
    pair of 8), so that some first INVITEs reach a socket of the free
    worker and are handed over to the held one, which finds the second in
    its own socket.  The rule blocks a caller's second call in a minute:
    replay of the capture allows every first call and blocks every second.

    One worker reads both gateways' INVITEs from one socket, in order: it
    must judge every call as replay does.  With several, the two calls of
    a caller reach its core on two paths (its own socket and another
    core's ring), and a held core takes them in the order it gets to
    them, not the order they arrived: the limit this test states.  Per
    caller the daemon must block exactly as many calls, by the same rules,
    as replay; which of two calls that arrived within the hold of each
    other is the blocked one may differ, and is counted.  (Ordering them
    by kernel receive time across cores would need each core to wait for
    the others, up to the longest time a core can be held: no bound
    here.)"""
    if (os.cpu_count() or 1) < 2:
        raise Skip('one CPU: nothing to hold apart')
    rules = os.path.join(tmp, 'held.rules')
    with open(rules, 'w') as f:
        f.write(HELD_RULES)
    cpus = {1: '1', 2: '0,1', 4: '0,1,0,1'}
    daemons = [Daemon(tmp, rules, n, ['--cpus', cpus[n]]) for n in WORKERS]
    for d in daemons:
        d.wait_ready(time.time() + 15)
    time.sleep(0.5)
    os.sched_setaffinity(0, {0})
    srcs = ['127.0.113.%d' % i for i in range(10, 18)]
    pairs = [(a, b) for a in srcs for b in srcs if a != b]
    msgs = []
    for i, (a, b) in enumerate(pairs):
        for k, src in ((1, a), (2, b)):
            cid = 'held%d-%d' % (i, k)
            msgs.append((k, src, (
                'INVITE sip:+8613912345678@127.0.0.1 SIP/2.0\r\n'
                'Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s\r\n'
                'From: <sip:+86138000%05d@gw;user=phone>;tag=%s\r\n'
                'To: <sip:+8613912345678@gw>\r\nCall-ID: %s\r\n'
                'CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n'
                'Content-Length: 0\r\n\r\n'
                % (src, cid, i, cid, cid)).encode(), 'INVITE', cid))
    sbc = Sbc([(0,) + m[1:] for m in msgs], [d.port for d in daemons])
    rx = threading.Thread(target=sbc.receive, daemon=True)
    rx.start()
    hog = start(['chrt', '-f', '1', 'taskset', '-c', '1', sys.executable,
                 '-c', 'import time\nt = time.monotonic() + 0.3\n'
                 'while time.monotonic() < t: pass'])
    time.sleep(0.03)
    for k in (1, 2):
        for kk, src, payload, _, _ in msgs:
            if kk == k:
                for d in daemons:
                    sbc.socks[src].sendto(payload, ('127.0.0.1', d.port))
        time.sleep(0.02)
    try:
        rc = hog.wait(timeout=10)
    except subprocess.TimeoutExpired:
        fail('the busy loop did not end')
    check(rc == 0, 'CPU 1 held for 300 ms by a SCHED_FIFO busy loop')
    deadline = time.time() + 5
    while time.time() < deadline and any(
            len(sbc.answers[d.port]) < len(msgs) for d in daemons):
        time.sleep(0.05)
    sbc.done.set()
    rx.join(timeout=5)
    for d in daemons:
        d.stop()
    failures = []
    for d in daemons:
        n = d.workers
        link, recs = read_pcap(d.cap)
        check(len(recs) == len(msgs), '%d worker(s): the %d INVITEs captured'
              % (n, len(msgs)))
        log = {}
        with open(d.vlog) as f:
            for line in f:
                r = json.loads(line)
                log[r['call_ref']] = r
        rep = replay(tmp, rules, d.cap, 'w%d' % n)
        check(set(log) == set(rep) == {m[4] for m in msgs},
              '%d worker(s): every INVITE judged by the daemon and by replay'
              % n)
        check(all(rep['held%d-%d' % (i, k)]['verdict'] ==
                  ('allow' if k == 1 else 'block')
                  for i in range(len(pairs)) for k in (1, 2)),
              '%d worker(s): replay of the capture: every first call allowed, '
              'every second blocked' % n)
        daemon_ts = {c: iso_ns(r['timestamp']) for c, r in log.items()}
        cap_ts = {call_id(u[3]): ts for ts, _, u in recs}
        judged = collections.defaultdict(list)
        for cid in log:
            judged[log[cid]['caller']].append(cid)
        wrong = [c for c in log if not same(log[c], rep[c])]
        per_caller = collections.defaultdict(lambda: ([], []))
        for c in log:
            per_caller[log[c]['caller']][0].append(
                (log[c]['verdict'], log[c]['rule']))
            per_caller[log[c]['caller']][1].append(
                (rep[c]['verdict'], rep[c]['rule']))
        unequal = [k for k, (a, b) in per_caller.items()
                   if sorted(a) != sorted(b)]
        for c in sorted(wrong)[:6]:
            print('  DIFFERS %s: daemon %s, replay %s; daemon clock %+.1f ms; '
                  '%s' % (c, log[c]['verdict'], rep[c]['verdict'],
                          (daemon_ts[c] - cap_ts[c]) / 1e6,
                          swapped(c, judged[log[c]['caller']],
                                  lambda x: cap_ts[x])))
        offs = [(daemon_ts[c] - cap_ts[c]) / 1e6 for c in log]
        print('%d worker(s): daemon clock - capture time: %s; %d of %d calls '
              'judged otherwise than replay' % (n, quantiles(offs), len(wrong),
                                                 len(log)), flush=True)
        if n == 1 and wrong:
            failures.append('1 worker: %d calls judged otherwise' % len(wrong))
        if unequal:
            failures.append('%d worker(s): %d callers blocked otherwise'
                            % (n, len(unequal)))
        print('%d worker(s): %d of %d calls judged in the other order than '
              'they arrived (the stated limit), every caller blocked as '
              'often as by replay: %s' % (n, len(wrong), len(log),
                                          not unequal), flush=True)
    check(not failures, 'with a core held up: one worker judged every call '
          'as replay; with several, every caller was blocked as often and '
          'by the same rules as replay%s' % (
              ': not so for ' + ', '.join(failures) if failures else ''))


def on_alarm(*_):
    raise Failure('the test ran past its %d s deadline' % DEADLINE_S)


def main():
    if shutil.which(DUMPCAP) is None:
        print('FAIL: %s not found (Debian: tshark, scripts/setup-debian.sh)'
              % DUMPCAP)
        return 1
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, lambda *_: on_alarm())
    signal.alarm(DEADLINE_S)
    tmp = tempfile.mkdtemp(prefix='cfd-diff-')
    try:
        {'live': main_run, 'held': test_held}[MODE](tmp)
        return 0
    except Failure as e:
        print('FAIL: ' + str(e), flush=True)
        return 1
    except Skip as e:
        print('skip: ' + str(e), flush=True)
        return 77
    finally:
        signal.alarm(0)
        kill_all()
        if os.environ.get('CFD_TEST_KEEP'):
            print('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
