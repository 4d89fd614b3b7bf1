#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A load-plus-reload storm: a reload never loses, mixes or corrupts a call.

    storm_test.py CALLFENCED CALLFENCE SRCDIR TEST

TEST is one of:
  storm     2 workers; 2 sender threads keep up to 32 INVITEs each in
            flight (at most 10000 a second each) for ~8 s while the
            ruleset is reloaded 50 times, cycling through ruleset A
            (text), A compiled by `callfence compile`, ruleset B
            (text), B compiled: A and B have different lists (603 /
            608), different heuristics (a hot caller's rate per 1m / per
            2m, 403) and different Hyperscan patterns, so every other
            reload keeps the heuristic tables (text -> compiled) and
            every other one drops them and frees the old.  Checked:
            every reload is in force at once and says whether it kept
            the heuristic state; every INVITE is answered, each answer
            one ruleset A or B gives its caller; by the verdict log,
            every call was judged once by the ruleset of its generation
            (rule and answer code), the hot callers start from zero
            after a reload that changed the heuristics and stay blocked
            across one that kept them; the daemon stops cleanly.  In an
            AddressSanitizer build a snapshot freed before its grace
            period ends (a worker still judging with it) aborts the
            daemon and fails the test.
Every test is bounded in time; ports are picked free.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402  (argv: the same four words)

from daemon_test import Daemon, check, fail, kill_running  # noqa: E402

TEST = dt.TEST

RULESET = """plan {
	country-code 86
}
heuristics {
	memory-per-core 1M
}
list blacklist "%(list)s"
rule bl-%(x)s {
	priority 10
	when caller in blacklist
	action block reply %(reply)s
	reason "ruleset %(X)s"
}
rule hot-%(x)s {
	priority 20
	when caller prefix 86150 and caller calls > %(hot)d per %(window)s
	action block reply 403
	reason "ruleset %(X)s: call rate"
}
rule re-%(x)s {
	priority 30
	when callee matches /^86199%(re)s/
	action block reply 403
}
default allow
"""
HOT = 40
FAMILY = {
    'a': dict(x='a', X='A', list='a.txt', reply='603', hot=HOT, window='1m',
              re='00'),
    'b': dict(x='b', X='B', list='b.txt', reply='608', hot=HOT, window='2m',
              re='11'),
}
# Reload k installs VARIANTS[(k + 1) % 4]; generation 1 is 'a' as text.
VARIANTS = [('a', 'text'), ('a', 'compiled'), ('b', 'text'),
            ('b', 'compiled')]
RELOADS = 50
PERIOD = 0.155          # s between reloads: ~8 s of storm
WINDOW = 32             # INVITEs in flight per sender
RATE = 10000            # INVITEs per second per sender, at most: enough
                        # to keep the workers inside their passes (a free
                        # before the grace period is seen within a few
                        # reloads under ASan), few enough to read the log
CODE = {'bl-a': 603, 'bl-b': 608, 'hot-a': 403, 'hot-b': 403,
        'default': 302}
ALLOWED = {  # rules a ruleset may judge a caller of each group by
    'a': {'la': {'bl-a'}, 'lb': {'default'}, 'clean': {'default'},
          'hot': {'default', 'hot-a'}},
    'b': {'la': {'default'}, 'lb': {'bl-b'}, 'clean': {'default'},
          'hot': {'default', 'hot-b'}},
}


class Sender(threading.Thread):
    """An SBC keeping WINDOW INVITEs in flight until told to stop."""

    def __init__(self, n, d, pool):
        super().__init__(daemon=True)
        self.n, self.d, self.pool = n, d, pool
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind(('127.0.0.1', 0))
        self.s.settimeout(0.5)
        self.port = self.s.getsockname()[1]
        self.sent, self.answers = {}, {}
        self.stop = threading.Event()
        self.stalls = 0

    def recv_one(self):
        b = self.s.recv(65536)
        m = re.search(rb'\r\nCall-ID: (\S+)\r\n', b)
        self.answers[m.group(1).decode()] = int(b[8:11])

    def run(self):
        i = 0
        flying = 0
        t0 = time.time()
        while not self.stop.is_set():
            ahead = t0 + i / RATE - time.time()
            if ahead > 0.005:
                time.sleep(ahead)
            while flying < WINDOW:
                cid = 's%d-%d' % (self.n, i)
                self.sent[cid] = self.pool[i % len(self.pool)]
                self.s.sendto(dt.invite(self.sent[cid], '+8613812345678',
                                        cid, cid, self.port),
                              ('127.0.0.1', self.d.port))
                i += 1
                flying += 1
            try:
                self.recv_one()
                flying -= 1
            except socket.timeout:
                # A lost answer (or a dead daemon): go on, the count at
                # the end says which.
                self.stalls += 1
                flying = 0

    def drain(self, deadline):
        while len(self.answers) < len(self.sent) and time.time() < deadline:
            try:
                self.recv_one()
            except socket.timeout:
                pass


def died(d):
    # Let a sanitizer finish its report; show it from its start.
    try:
        d.p.wait(timeout=10)
    except Exception:
        pass
    text = d.log()
    at = text.find('ERROR: AddressSanitizer')
    fail('callfenced died during the storm (rc %s): %s'
         % (d.p.poll(), text[at:at + 4000] if at >= 0 else text[-3000:]))


def test_storm(tmp):
    la = dt.numbers('170', 20, 61)
    lb = dt.numbers('171', 20, 62)
    clean = dt.numbers('139', 20, 63)
    hot = dt.numbers('150', 4, 64)
    for name, nums in (('a.txt', la), ('b.txt', lb)):
        with open(os.path.join(tmp, name), 'w') as f:
            f.write('\n'.join(nums) + '\n')
    group = {}
    for g, nums in (('la', la), ('lb', lb), ('clean', clean), ('hot', hot)):
        for n in nums:
            group[n] = g
    content = {}
    for fam, params in FAMILY.items():
        src = os.path.join(tmp, fam + '.rules')
        with open(src, 'w') as f:
            f.write(RULESET % params)
        with open(src, 'rb') as f:
            content[(fam, 'text')] = f.read()
        out = src + '.cfr'
        r = subprocess.run([dt.CALLFENCE, 'compile', src, '-o', out],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        if r.returncode != 0:
            fail('callfence compile %s: %s' % (fam, r.stdout.decode()))
        with open(out, 'rb') as f:
            content[(fam, 'compiled')] = f.read()
    rules = os.path.join(tmp, 'current')

    def install(variant):
        with open(rules + '.new', 'wb') as f:
            f.write(content[variant])
        os.rename(rules + '.new', rules)

    install(VARIANTS[0])
    d = Daemon(tmp, rules, workers=2, extra=('--log-ring-size', '65536'))
    gen_family = {1: 'a'}
    carried = {1: False}
    # The hot callers often, so their rate rules fire within a
    # generation or two.
    pool = la + lb + clean + hot * 8
    senders = [Sender(n, d, pool[n::2] + pool[:n] + pool[n + 1::2])
               for n in range(2)]
    for s in senders:
        s.start()
    t0 = time.time()
    bad_replies = []
    for k in range(RELOADS):
        pause = t0 + (k + 1) * PERIOD - time.time()
        if pause > 0:
            time.sleep(pause)
        prev, variant = VARIANTS[k % 4], VARIANTS[(k + 1) % 4]
        install(variant)
        try:
            reply = d.command('reload')
        except OSError:
            died(d)
        gen = k + 2
        keep = prev[0] == variant[0]
        gen_family[gen] = variant[0]
        carried[gen] = keep
        if (not reply.startswith('ok generation %d:' % gen) or
                ('heuristic state kept' in reply) != keep):
            bad_replies.append((k, variant, reply.strip()))
        if d.p.poll() is not None:
            died(d)
    took = time.time() - t0
    time.sleep(0.2)
    for s in senders:
        s.stop.set()
    for s in senders:
        s.join(5)
    for s in senders:
        s.drain(time.time() + 3)
    if d.p.poll() is not None:
        died(d)
    check(not bad_replies, '%d reloads in %.1f s, each in force at once, '
          'heuristic state kept exactly when unchanged %s'
          % (RELOADS, took, bad_replies[:2] or ''))
    check(d.metric('callfence_ruleset_generation') == RELOADS + 1,
          'generation %d in force' % (RELOADS + 1))
    sent, answers = {}, {}
    for s in senders:
        sent.update(s.sent)
        answers.update(s.answers)
    check(len(answers) == len(sent) and len(sent) > 2000,
          'every INVITE answered (%d of %d, %.0f calls/s)'
          % (len(answers), len(sent), len(sent) / took))
    codes = {'la': {603, 302}, 'lb': {608, 302}, 'clean': {302},
             'hot': {403, 302}}
    wrong = [c for c, code in answers.items()
             if code not in codes[group[sent[c]]]]
    check(not wrong, 'every answer one ruleset A or B gives its caller %s'
          % wrong[:3])
    check(d.metric('callfence_log_drops_total') == 0 and
          d.metric('callfence_overload_actions_total') == 0,
          'no call overflowed, no verdict log record dropped')
    d.stop()

    with open(d.vlog) as f:
        recs = [json.loads(line) for line in f]
    refs = [r['call_ref'] for r in recs]
    check(len(refs) == len(set(refs)) == len(sent) and set(refs) == set(sent),
          'verdict log: each call judged exactly once (%d)' % len(refs))
    bad = []
    gens = set()
    for r in recs:
        cid = r['call_ref']
        fam = gen_family.get(r['generation'])
        g = group['+' + r['caller']]
        gens.add(r['generation'])
        if (fam is None or r['rule'] not in ALLOWED[fam][g] or
                CODE[r['rule']] != answers[cid]):
            bad.append((cid, r['generation'], fam, g, r['rule'],
                        answers[cid]))
    check(not bad, 'each call judged by the ruleset of its generation, '
          'answered with that rule\'s code %s' % bad[:3])
    check(len(gens) >= RELOADS * 3 // 4,
          'calls judged by %d of the %d generations' % (len(gens),
                                                        RELOADS + 1))
    hot_checks(recs, carried)


def hot_checks(recs, carried):
    """A hot caller's rate across reloads.  Each caller is judged on one
    worker, whose records reach the log in the order it judged them."""
    seq = {}
    for r in recs:
        if r['caller'].startswith('86150'):
            seq.setdefault(r['caller'], []).append(r)
    fresh_bad, kept_bad, fresh_n, kept_n = [], [], 0, 0
    for caller, rs in seq.items():
        since = 0           # calls since the heuristics last changed
        for i, r in enumerate(rs):
            g = r['generation']
            prev = rs[i - 1]['generation'] if i else 0
            first = prev != g
            # New tables in any generation since its last call: its
            # count starts again.
            if first and not all(carried[x] for x in range(prev + 1, g + 1)):
                since = 0
            since += 1
            blocked = r['rule'].startswith('hot-')
            if not carried[g] and since <= HOT:
                # New tables: counting starts again from one.
                fresh_n += 1
                if blocked:
                    fresh_bad.append((caller, g, since))
            if (first and carried[g] and prev == g - 1 and
                    rs[i - 1]['rule'].startswith('hot-') and
                    since > HOT + 5):
                # The same tables: a caller over the rate stays over it.
                kept_n += 1
                if not blocked:
                    kept_bad.append((caller, g, since))
    check(not fresh_bad, 'after a reload that changed the heuristics the '
          'hot callers start from zero (%d calls checked) %s'
          % (fresh_n, fresh_bad[:3]))
    check(not kept_bad, 'across a reload that kept them a blocked hot '
          'caller stays blocked (%d reloads checked) %s'
          % (kept_n, kept_bad[:3]))


def main():
    tmp = tempfile.mkdtemp(prefix='cfd-storm-')
    try:
        {'storm': test_storm}[TEST](tmp)
    finally:
        kill_running()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
