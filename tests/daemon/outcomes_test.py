#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Call outcomes in screening mode, with real peers: a SIPp caller calls
through Kamailio (the SBC), which asks callfenced about each new INVITE,
follows its 302 to a SIPp callee or relays its refusal, and tells
callfenced how each call ENDS, so that `short-calls` (wangiri) and
`concurrent-calls` work live.

    outcomes_test.py CALLFENCED CALLFENCE SRCDIR TEST

TEST is how callfenced learns the outcomes:
  hep       etc/kamailio-hep.cfg with WITH_SCREENING: Kamailio's siptrace
            mirrors every SIP message it handles as HEP3 to
            `callfenced --hep-listen`;
  forward   etc/kamailio-forward.cfg: Kamailio sends a copy of each
            CANCEL and BYE (answered 200 by callfenced, the answers
            dropped by Kamailio) and of each final failure from the
            callee (learnt, never answered) to the screening port.
The callers sit behind an upstream hop (a second Via, a socket of the
test): nothing may reach it, nor any SIPp an unexpected message.
Both run the same calls, under
    wangiri: caller short-calls under 3s > 3 per 1m    (priority 1)
    busy:    caller concurrent-calls > 3               (priority 2)
  1. a wangiri caller cancels 8 calls while they ring: the first 4 reach
     the callee (302 followed) and are cancelled, the next 4 are refused
     603 by Kamailio relaying callfenced's answer (wangiri, in the
     verdict log), and the CANCELs show in /metrics;
  2. an honest caller makes 6 calls, answered and hung up with BYE after
     about 1 s: none refused (a BYE-ended call is not short);
  3. a caller holds 3 answered calls open; a fourth is refused 603
     (busy); after the 3 BYEs a fifth goes through.
Checked at the callers (SIPp's logs), at the callees (which calls reached
them), in callfenced's /metrics and in its verdict log.  About 13 s.
Exit 77 (skipped) without kamailio or sipp.  Every process is bounded in
time (SIPp -timeout, subprocess timeouts, at most LIFETIME s for the
others) and killed at the end, also on failure, on SIGTERM and when the
test itself is killed: Kamailio in its own session under a keeper that
ends the whole process group, callfenced and SIPp watched by a reaper.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402  (argv: the same four words)

from daemon_test import Daemon, check, fail  # noqa: E402

TEST = dt.TEST
HERE = os.path.dirname(os.path.abspath(__file__))
ETC = os.path.join(dt.SRCDIR, 'etc')
MODDIRS = ('/usr/lib/x86_64-linux-gnu/kamailio/modules',
           '/usr/lib/aarch64-linux-gnu/kamailio/modules',
           '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules')

RULES = """plan {
	country-code 86
}
rule wangiri {
	priority 1
	when caller short-calls under 3s > 3 per 1m
	action block
	reason "calls cancelled before answer"
}
rule busy {
	priority 2
	when caller concurrent-calls > 3
	action block
	reason "too many calls at once"
}
default allow
"""

WANGIRI = '+8617000000001'
HONEST = '+8613800000099'
BUSY = '+8613800000077'
CALLEE = '+8613912345678'


def find_kamailio():
    kamailio = shutil.which('kamailio') or (
        '/usr/sbin/kamailio' if os.path.exists('/usr/sbin/kamailio')
        else None)
    if not kamailio or not shutil.which('sipp'):
        print('skip: kamailio or sipp not installed '
              '(scripts/setup-debian.sh installs both)')
        sys.exit(77)
    for d in MODDIRS:
        if os.path.exists(os.path.join(d, 'siptrace.so')):
            return kamailio, d
    fail('kamailio is installed but its modules (siptrace.so) are not '
         'in %s' % ', '.join(MODDIRS))


# Kamailio's keeper: leads the session Kamailio runs in, and ends the
# whole group (Kamailio and every child it forked) when Kamailio exits,
# when the test goes away (its end of the stdin pipe closes, even on
# SIGKILL) or after LIFETIME seconds, whichever comes first.
KEEPER = """
import os, select, signal, subprocess, sys, time
deadline = time.time() + float(sys.argv[1])
k = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL)
rc = None
while rc is None and time.time() < deadline:
    if select.select([sys.stdin], [], [], 0.1)[0] and not os.read(0, 1):
        break
    rc = k.poll()
signal.signal(signal.SIGTERM, signal.SIG_IGN)
os.killpg(0, signal.SIGTERM)
time.sleep(0.5)
os.killpg(0, signal.SIGKILL)
"""
LIFETIME = 80

# The reaper of the other processes (callfenced, SIPp): told each pid on
# its stdin, it kills them if the test goes away without saying "done"
# (even on SIGKILL: its stdin closes), or after LIFETIME seconds.
REAPER = """
import os, select, signal, sys, time
deadline = time.time() + float(sys.argv[1])
pids, buf = [], b''
while time.time() < deadline:
    if not select.select([sys.stdin], [], [], 0.1)[0]:
        continue
    data = os.read(0, 4096)
    if not data:
        break
    buf += data
    if b'done' in buf:
        sys.exit(0)
    pids = [int(x) for x in buf.split(b'\\n')[:-1] if x.isdigit()]
for pid in pids:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
"""


class Reaper:
    def __init__(self):
        self.p = subprocess.Popen([sys.executable, '-c', REAPER,
                                   str(LIFETIME)], stdin=subprocess.PIPE,
                                  start_new_session=True)

    def watch(self, pid):
        self.p.stdin.write(b'%d\n' % pid)
        self.p.stdin.flush()

    def done(self):
        try:
            self.p.stdin.write(b'done\n')
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


REAP = []


class Kamailio:
    """Kamailio with one of etc/'s configurations and pre-processor
    defines, in a session of its own under a keeper (it forks: the group
    goes as one), for at most LIFETIME seconds."""

    def __init__(self, tmp, cfg, defines):
        binary, moddir = find_kamailio()
        self.port = dt.free_port()
        base = [binary, '-f', cfg, '-L', moddir,
                '-A', 'CF_LISTEN=udp:127.0.0.1:%d' % self.port]
        for d in defines:
            base += ['-A', d]
        # Parse errors are reported by kamailio -c at once.
        r = subprocess.run(base + ['-c'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        if r.returncode != 0:
            fail('%s does not pass kamailio -c:\n%s'
                 % (cfg, r.stdout.decode()[-2000:]))
        args = base + ['-DD', '-E', '-m', '32', '-M', '8', '-Y', tmp,
                       '-w', tmp, '-P', os.path.join(tmp, 'kamailio.pid')]
        self.err = open(os.path.join(tmp, 'kamailio.err'), 'w+')
        self.p = subprocess.Popen([sys.executable, '-c', KEEPER,
                                   str(LIFETIME)] + args,
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=self.err,
                                  start_new_session=True)
        self.p.group = True
        dt.RUNNING.append(self.p)
        # Ready when it answers an OPTIONS to itself.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(('127.0.0.1', 0))
        probe.settimeout(0.2)
        deadline = time.time() + 10
        n = 0
        while time.time() < deadline:
            if self.p.poll() is not None:
                fail('kamailio exited: ' + self.log()[-1500:])
            n += 1
            probe.sendto(('OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n'
                          'Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKp%d\r\n'
                          'From: <sip:probe@127.0.0.1>;tag=probe\r\n'
                          'To: <sip:127.0.0.1:%d>\r\n'
                          'Call-ID: probe-%d@127.0.0.1\r\n'
                          'CSeq: %d OPTIONS\r\nMax-Forwards: 70\r\n'
                          'Content-Length: 0\r\n\r\n'
                          % (self.port, probe.getsockname()[1], n, self.port,
                             n, n)).encode(), ('127.0.0.1', self.port))
            try:
                probe.recv(4096)
                probe.close()
                print('ok: kamailio (%s) answers on 127.0.0.1:%d'
                      % (os.path.basename(cfg), self.port))
                return
            except socket.timeout:
                pass
        fail('kamailio does not answer on 127.0.0.1:%d' % self.port)

    def log(self):
        self.err.flush()
        with open(self.err.name) as f:
            return f.read()

    def stop(self):
        # The keeper ends the group (itself last) when its stdin closes.
        self.p.stdin.close()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()


class Sipp:
    """One SIPp run, bounded by -timeout and by the wait; its log lines
    (the scenario's <log>) read back after."""

    def __init__(self, tmp, name, scenario, extra, timeout=30):
        self.name = name
        self.log_file = os.path.join(tmp, name + '.log')
        self.err_file = os.path.join(tmp, name + '.err')
        self.port = dt.free_port()
        self.timeout = timeout
        args = ['sipp', '-sf', os.path.join(HERE, scenario),
                '-i', '127.0.0.1', '-p', str(self.port), '-nostdin',
                '-timeout', '%ds' % timeout, '-timeout_error',
                '-trace_logs', '-log_file', self.log_file,
                '-trace_err', '-error_file', self.err_file] + extra
        self.stderr = open(os.path.join(tmp, name + '.stderr'), 'w+')
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=self.stderr)
        dt.RUNNING.append(self.p)
        REAP[0].watch(self.p.pid)

    def wait(self, what):
        try:
            rc = self.p.wait(timeout=self.timeout + 10)
        except subprocess.TimeoutExpired:
            fail('%s: SIPp did not finish' % what)
        if rc != 0:
            err = ''
            if os.path.exists(self.err_file):
                err = open(self.err_file).read()[-1500:]
            self.stderr.seek(0)
            print(self.stderr.read()[-800:])
            print(err)
        return rc

    def lines(self):
        if not os.path.exists(self.log_file):
            return []
        return [w for w in (line.split() for line in open(self.log_file))
                if w]


class Upstream:
    """The hop the callers sit behind, as their second Via names it: a
    socket that must get nothing (a stray answer to a copy would come
    here)."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(('127.0.0.1', 0))
        self.s.setblocking(False)
        self.port = self.s.getsockname()[1]

    def got(self):
        out = []
        while True:
            try:
                out.append(self.s.recv(65536))
            except BlockingIOError:
                return out


def caller(tmp, name, scenario, kam, uas, who, calls, limit, pause_ms,
           timeout=30):
    """SIPp calling @calls times from @who through Kamailio to the callee
    SIPp @uas, at most @limit at once, each held or ringing @pause_ms."""
    return Sipp(tmp, name, scenario,
                ['127.0.0.1:%d' % kam.port, '-m', str(calls),
                 '-l', str(limit), '-r', '10', '-d', str(pause_ms),
                 '-recv_timeout', '8000',
                 '-key', 'caller', who, '-key', 'callee', CALLEE,
                 '-key', 'callee_port', str(uas.port),
                 '-key', 'upstream_port', str(kam.upstream.port)], timeout)


def outcomes(sipp):
    """Per call, in call order: '603' (or another refusal), 'cancelled'
    (rang, CANCELled, 487), 'answered' (200, BYE answered 200) or what
    was seen of it."""
    seen = {}
    for w in sipp.lines():
        if len(w) == 2 and w[1].isdigit():
            seen.setdefault(int(w[1]), []).append(w[0])
    out = []
    for n in sorted(seen):
        s = seen[n]
        if s in (['R603'], ['R608'], ['R403']):
            out.append(s[0][1:])
        elif s == ['R180', 'R487']:
            out.append('cancelled')
        elif s == ['R200', 'BYE200']:
            out.append('answered')
        else:
            out.append('/'.join(s))
    return out


def reached(uas):
    return [w[1] for w in uas.lines() if w[0] == 'UAS' and len(w) > 1]


def wait_for(cond, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    fail('timed out waiting for ' + what)


def verdicts(d, who, want=0):
    """(verdict, rule) of @who's calls in the verdict log, in order;
    waits up to 3 s for @want of them (a logger thread writes it)."""
    deadline = time.time() + 3
    while True:
        recs = [json.loads(line) for line in open(d.vlog)]
        got = [(r['verdict'], r['rule']) for r in recs
               if r.get('caller', '').lstrip('+') == who.lstrip('+')]
        if len(got) >= want or time.time() > deadline:
            return got
        time.sleep(0.05)


def start_kamailio(tmp, d, how):
    if how == 'hep':
        return Kamailio(tmp, os.path.join(ETC, 'kamailio-hep.cfg'),
                        ['WITH_SCREENING',
                         'CF_SCREEN_URI="sip:127.0.0.1:%d"' % d.port,
                         'CF_HEP_URI="sip:127.0.0.1:%d"' % d.hport])
    return Kamailio(tmp, os.path.join(ETC, 'kamailio-forward.cfg'),
                    ['CF_SCREEN_URI="sip:127.0.0.1:%d"' % d.port])


def run(tmp, how):
    rules = os.path.join(tmp, 'outcomes.rules')
    with open(rules, 'w') as f:
        f.write(RULES)
    extra = []
    hport = None
    if how == 'hep':
        hport = dt.free_port()
        extra = ['--hep-listen', '127.0.0.1:%d' % hport]
    d = Daemon(tmp, rules, workers=2, extra=extra)
    REAP[0].watch(d.p.pid)
    d.hport = hport
    kam = start_kamailio(tmp, d, how)
    kam.upstream = Upstream()
    t0 = time.time()

    # The callees: one that rings until cancelled (the wangiri calls
    # that get through), one that answers (the honest and busy calls).
    ring = Sipp(tmp, 'uas-ring', 'outcome_uas_ring.xml', ['-m', '4'], 40)
    answer = Sipp(tmp, 'uas-answer', 'outcome_uas_answer.xml',
                  ['-m', '10'], 40)

    # 1. Wangiri: one call at a time, cancelled 300 ms after the 180.
    w = caller(tmp, 'wangiri', 'outcome_uac_cancel.xml', kam, ring, WANGIRI,
               8, 1, 300)
    rc = w.wait('wangiri caller')
    got = outcomes(w)
    check(rc == 0 and got == ['cancelled'] * 4 + ['603'] * 4,
          'wangiri caller: calls 1-4 ring at the callee and are cancelled, '
          '5-8 refused 603 through kamailio (rc %d, %s)' % (rc, got))
    if ring.wait('ringing callee') != 0:
        fail('the ringing callee did not end cleanly')
    check(reached(ring) == [WANGIRI] * 4,
          'the ringing callee got exactly the 4 allowed calls (302 followed)')
    check(verdicts(d, WANGIRI, 8) == [('allow', 'default')] * 4 +
          [('block', 'wangiri')] * 4,
          'verdict log: 4 allowed, then 4 blocked by rule wangiri')

    # 2. An honest caller: answered, BYE after ~1 s, two at a time.
    h = caller(tmp, 'honest', 'outcome_uac_answer.xml', kam, answer, HONEST,
               6, 2, 1000)
    rc = h.wait('honest caller')
    got = outcomes(h)
    check(rc == 0 and got == ['answered'] * 6,
          'honest caller: 6 calls answered and ended by BYE, none refused '
          '(rc %d, %s; verdict log: %s)' % (rc, got, verdicts(d, HONEST)))
    check(verdicts(d, HONEST, 6) == [('allow', 'default')] * 6,
          'verdict log: the honest caller allowed 6 times')

    # 3. Concurrency: 3 calls held open, a fourth refused, a fifth after
    # the BYEs.
    held = caller(tmp, 'held', 'outcome_uac_answer.xml', kam, answer, BUSY,
                  3, 3, 6000)
    wait_for(lambda: sum(1 for x in held.lines() if x[0] == 'R200') == 3,
             10, 'the 3 held calls to be answered')
    fourth = caller(tmp, 'fourth', 'outcome_uac_answer.xml', kam, answer,
                    BUSY, 1, 1, 200)
    rc = fourth.wait('fourth call')
    got = outcomes(fourth)
    check(rc == 0 and got == ['603'],
          'with 3 calls held open, a fourth is refused 603 (rc %d, %s)'
          % (rc, got))
    rc = held.wait('held calls')
    got = outcomes(held)
    check(rc == 0 and got == ['answered'] * 3,
          'the 3 held calls ended by BYE (rc %d, %s)' % (rc, got))
    fifth = caller(tmp, 'fifth', 'outcome_uac_answer.xml', kam, answer, BUSY,
                   1, 1, 200)
    rc = fifth.wait('fifth call')
    got = outcomes(fifth)
    check(rc == 0 and got == ['answered'],
          'after the BYEs a fifth call goes through (rc %d, %s)' % (rc, got))
    if answer.wait('answering callee') != 0:
        fail('the answering callee did not end cleanly')
    check(sorted(reached(answer)) == sorted([HONEST] * 6 + [BUSY] * 4),
          'the answering callee got the 6 honest and 4 allowed busy calls')
    check(verdicts(d, BUSY, 5) == [('allow', 'default')] * 3 +
          [('block', 'busy'), ('allow', 'default')],
          'verdict log: the fourth call blocked by rule busy')
    check(sum(1 for _ in open(d.vlog)) == 19,
          'verdict log: one record per INVITE (19)')
    took = time.time() - t0

    # What callfenced counted.
    time.sleep(0.2)
    m = {}
    for name, label in (('callfence_hep_messages_total', 'learnt'),
                        ('callfence_hep_messages_total', 'invite_ignored'),
                        ('callfence_hep_messages_total', 'no_call_event'),
                        ('callfence_sip_messages_total', 'cancel'),
                        ('callfence_sip_messages_total', 'bye'),
                        ('callfence_sip_messages_total', 'response_learnt'),
                        ('callfence_sip_messages_total', 'invite')):
        m[label if 'hep' not in name else 'hep_' + label] = \
            d.metric(name, kind=label)
    print('metrics: %s' % m)
    check(d.metric('callfence_calls_total', verdict='block') == 5 and
          d.metric('callfence_calls_total', verdict='allow') == 14,
          'callfenced judged each of the 19 INVITEs once (5 block, 14 allow)')
    check(d.metric('callfence_rule_hits_total', rule='wangiri') == 4 and
          d.metric('callfence_rule_hits_total', rule='busy') == 1,
          'rule hits: wangiri 4, busy 1')
    check(d.metric('callfence_event_drops_total') == 0, 'no event dropped')
    if how == 'hep':
        check_hep(d, m)
    else:
        check_forward(d, m)
    quiet = [x.name for x in (ring, answer, w, h, held, fourth, fifth)
             if os.path.exists(x.err_file) and os.path.getsize(x.err_file)]
    check(not quiet, 'no SIPp peer saw an unexpected or unknown message '
          '(its -trace_err file is empty) %s' % (quiet or ''))
    stray = kam.upstream.got()
    check(not stray, 'nothing reached the callers\' upstream hop (%d: %s)'
          % (len(stray), stray[0][:60] if stray else ''))
    print('ok: the calls took %.1f s' % took)
    kam.stop()
    d.stop()


def check_hep(d, m):
    # What the mirror carries that callfenced learns (each message as the
    # proxy received it and as it sent it on): per cancelled call the
    # CANCEL and the 487, twice each; per answered call the 200 and the
    # BYE, twice each; per refused call the 603.  4 x 4 + 10 x 4 + 5 x 2
    # = 66 at least (retransmissions add more); the second copy of a
    # release finds its call gone and counts nothing.
    check(m['hep_learnt'] >= 66,
          'HEP: the mirrored CANCELs, 487s, 200s, BYEs and 603s learnt (%d)'
          % m['hep_learnt'])
    # The caller's, the screening one and the callee's.
    check(m['hep_invite_ignored'] >= 19 + 19 + 14,
          'HEP: mirrored INVITEs not judged again (%d)'
          % m['hep_invite_ignored'])
    check(d.metric('callfence_hep_messages_total', kind='undecodable') == 0,
          'HEP: every datagram from Kamailio decoded')
    check(m['cancel'] == 0 and m['bye'] == 0 and m['response_learnt'] == 0,
          'HEP: nothing but INVITEs and ACKs on the screening port')


def check_forward(d, m):
    check(m['cancel'] == 4, 'forward: the 4 CANCELs copied to the '
          'screening port and answered 200 (%d)' % m['cancel'])
    check(m['bye'] == 10, 'forward: the 10 BYEs copied (%d)' % m['bye'])
    check(m['response_learnt'] == 4, 'forward: the callee\'s 4 487s '
          'copied, learnt and never answered (%d)' % m['response_learnt'])


def on_signal(sig, frame):
    # A timeout (meson sends SIGTERM) or ^C: clean up on the way out.
    fail('signal %d' % sig)


def main():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    tmp = tempfile.mkdtemp(prefix='cfd-outcomes-')
    REAP.append(Reaper())
    try:
        if TEST not in ('hep', 'forward'):
            fail('unknown test %r (hep, forward)' % TEST)
        find_kamailio()
        run(tmp, TEST)
    finally:
        dt.kill_running()
        REAP[0].done()
        if os.environ.get('CFD_TEST_KEEP'):
            print('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
