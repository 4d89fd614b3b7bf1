#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The verdict log under pressure: no judged call vanishes unaccounted.

    sink_test.py CALLFENCED CALLFENCE SRCDIR TEST

TEST is one of:
  sink      a daemon with verdict log rings of 16 records per worker
            (--log-ring-size 16) on 2 workers, in two cases:
            burst: the daemon is stopped (SIGSTOP) while 100 INVITEs
              queue in its socket (6 rounds), so it wakes to recvmmsg
              bursts of 64 and judges more calls in a pass than a log
              ring holds;
            slow: the log is a FIFO whose reader takes 4 KiB every
              10 ms while calls come one after another, so the logger
              blocks on the pipe and the rings fill behind it.
            In both, every INVITE is answered and judged, some records
            are dropped (callfence_log_drops_total > 0), and every judged
            call is either a line of the log or a counted drop: lines +
            drops = callfence_calls_total, lines =
            callfence_log_records_total; each line is a distinct call
            that was answered, with the verdict its answer says.
Every test is bounded in time; ports are picked free.
"""

import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402  (argv: the same four words)

from daemon_test import Daemon, check, fail, kill_running  # noqa: E402

TEST = dt.TEST
RING = '16'


def setup_rules(tmp):
    black = dt.numbers('170', 300, 51)
    with open(os.path.join(tmp, 'blacklist.txt'), 'w') as f:
        f.write('\n'.join(black) + '\n')
    rules = os.path.join(tmp, 'sink.rules')
    with open(rules, 'w') as f:
        f.write(dt.RULES % 'blacklist.txt')
    return rules, black


def sbc_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(('127.0.0.1', 0))
    return s


def answer_of(b):
    m = re.search(rb'\r\nCall-ID: (\S+)\r\n', b)
    return m.group(1).decode(), int(b[8:11])


COUNTERS = ('callfence_calls_total', 'callfence_log_records_total',
            'callfence_log_drops_total', 'callfence_overload_actions_total',
            'callfence_udp_rx_drops_total')


def settle(d, n):
    """Wait until the daemon judged @n calls and its logger has taken
    every record (written or dropped); returns the COUNTERS then."""
    deadline = time.time() + 10
    while True:
        c = dict((k, int(d.metric(k))) for k in COUNTERS)
        calls = c['callfence_calls_total']
        if ((calls == n and c['callfence_log_records_total'] +
             c['callfence_log_drops_total'] == calls) or
                time.time() > deadline):
            return c
        time.sleep(0.05)


def account(name, c, lines, answers, sent, black):
    calls = c['callfence_calls_total']
    recs = c['callfence_log_records_total']
    drops = c['callfence_log_drops_total']
    check(len(answers) == len(sent),
          '%s: every INVITE answered (%d of %d)'
          % (name, len(answers), len(sent)))
    check(calls == len(sent), '%s: every INVITE judged (%d)' % (name, calls))
    check(c['callfence_overload_actions_total'] == 0 and
          c['callfence_udp_rx_drops_total'] == 0,
          '%s: no call overflowed a hand-over ring or the socket' % name)
    check(drops > 0, '%s: the logger fell behind: %d records dropped'
          % (name, drops))
    check(len(lines) > 0, '%s: %d records written' % (name, len(lines)))
    check(len(lines) + drops == calls,
          '%s: lines (%d) + drops (%d) = judged calls (%d)'
          % (name, len(lines), drops, calls))
    check(len(lines) == recs, '%s: lines = callfence_log_records_total (%d)'
          % (name, recs))
    recs = [json.loads(x) for x in lines]
    refs = [r['call_ref'] for r in recs]
    check(len(set(refs)) == len(refs) and set(refs) <= set(answers),
          '%s: each line a distinct answered call' % name)
    want = {'block': 603, 'allow': 302}
    bad = [r['call_ref'] for r in recs
           if want.get(r['verdict']) != answers[r['call_ref']] or
           (r['verdict'] == 'block') != (sent[r['call_ref']] in black)]
    check(not bad, '%s: each line has the verdict its answer says %s'
          % (name, bad[:3] or ''))


def case_burst(tmp, rules, black):
    sub = os.path.join(tmp, 'burst')
    os.mkdir(sub)
    d = Daemon(sub, rules, workers=2, extra=('--log-ring-size', RING))
    s = sbc_socket()
    port = s.getsockname()[1]
    clean = dt.numbers('139', 300, 52)
    callers = [c for pair in zip(black, clean) for c in pair]
    sent, answers = {}, {}
    # Rounds of 100 so a default net.core.rmem_max holds one while the
    # daemon is stopped (as the overload test does).
    for r in range(0, len(callers), 100):
        d.p.send_signal(signal.SIGSTOP)
        try:
            for i in range(r, min(r + 100, len(callers))):
                cid = 'sk%d' % i
                sent[cid] = callers[i]
                s.sendto(dt.invite(callers[i], '+8613812345678', cid, cid,
                                   port), ('127.0.0.1', d.port))
        finally:
            d.p.send_signal(signal.SIGCONT)
        s.settimeout(0.5)
        try:
            while len(answers) < len(sent):
                cid, code = answer_of(s.recv(65536))
                answers[cid] = code
        except socket.timeout:
            pass
    c = settle(d, len(sent))
    d.stop()
    with open(d.vlog) as f:
        lines = f.read().splitlines()
    account('burst', c, lines, answers, sent, black)


class SlowReader(threading.Thread):
    """Reads the FIFO at @path 4 KiB every 10 ms until told to hurry,
    then as fast as it can, to its end."""

    def __init__(self, path):
        super().__init__(daemon=True)
        os.mkfifo(path)
        self.path = path
        self.data = bytearray()
        self.fast = threading.Event()
        self.done = threading.Event()
        self.start()

    def run(self):
        with open(self.path, 'rb', buffering=0) as f:
            while True:
                b = f.read(4096 if not self.fast.is_set() else 1 << 16)
                if not b:
                    break
                self.data += b
                if not self.fast.is_set():
                    time.sleep(0.01)
        self.done.set()


def case_slow(tmp, rules, black):
    sub = os.path.join(tmp, 'slow')
    os.mkdir(sub)
    reader = SlowReader(os.path.join(sub, 'verdicts.jsonl'))
    d = Daemon(sub, rules, workers=2, extra=('--log-ring-size', RING))
    s = sbc_socket()
    s.settimeout(3)
    port = s.getsockname()[1]
    clean = dt.numbers('139', 300, 53)
    pool = [c for pair in zip(black, clean) for c in pair]
    sent, answers = {}, {}
    t_end = time.time() + 1.5
    i = 0
    # One call at a time: each pass judges a call or two, far below a
    # log ring; only the logger's stall on the pipe can fill the rings.
    while time.time() < t_end:
        cid = 'sl%d' % i
        sent[cid] = pool[i % len(pool)]
        s.sendto(dt.invite(sent[cid], '+8613812345678', cid, cid, port),
                 ('127.0.0.1', d.port))
        try:
            got, code = answer_of(s.recv(65536))
        except socket.timeout:
            fail('slow: no answer to %s' % cid)
        answers[got] = code
        i += 1
    reader.fast.set()
    c = settle(d, len(sent))
    d.stop()
    if not reader.done.wait(10):
        fail('slow: the verdict log FIFO was not closed')
    lines = reader.data.decode().splitlines()
    account('slow', c, lines, answers, sent, black)


def test_sink(tmp):
    rules, black = setup_rules(tmp)
    case_burst(tmp, rules, black)
    case_slow(tmp, rules, black)


def main():
    tmp = tempfile.mkdtemp(prefix='cfd-sink-')
    try:
        {'sink': test_sink}[TEST](tmp)
    finally:
        kill_running()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
