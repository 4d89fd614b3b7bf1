#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Integration tests of callfenced against real peers, on 127.0.0.1 only.

    daemon_test.py CALLFENCED CALLFENCE SRCDIR TEST

TEST is one of:
  sipp      SIPp (Debian sip-tester) sends INVITEs whose callers are partly
            blacklisted: exactly the expected 302 and 603 answers, ACKs
            absorbed, a retransmission answered identically (same To tag),
            OPTIONS answered 200; malformed datagrams and a source outside
            the peer networks get no answer and are counted; SIGTERM stops.
  reload    a sender keeps INVITEs flowing while the ruleset is reloaded 20
            times (every third reload broken on purpose): every INVITE is
            answered, each answer matches ruleset A or ruleset B, never a
            mix; broken reloads are refused with a reason and counted.
  promtool  /metrics passes `promtool check metrics`.
  overload  2 workers, hand-over rings of 16: the daemon is stopped
            (SIGSTOP) while 100 INVITEs from blacklisted callers queue in
            its socket (6 rounds), so it wakes to bursts of 64 with more calls for
            the other core than its ring holds.  For each policy:
            fail-open answers the overflow 302 (judged calls get 603),
            fail-closed 503, drop nothing; every overflow is counted
            (overload actions, ring drops) and never judged.
  tap       the passive tap judges the bundled sample capture and a
            capture made by `callfence-bench gen` (SIP and ISUP, answers
            and releases): one verdict log line per set-up, blocked or
            allowed as its label says, the same verdicts and rules as
            `callfence replay`, and the daemon stops at the end of the
            file.  Then a live tap on the loopback interface (skipped
            without the right to capture) logs the INVITEs sent to it.
  kamailio  the deployment: a SIPp caller calls through Kamailio, which
            asks callfenced about each INVITE, follows each 302 to the
            callee (a SIPp UAS) and relays each refusal (603, 608, 403)
            to the caller: the calls complete or are refused exactly as
            the rules say, counted at the caller and at the callee.
            Exit 77 (skipped) without kamailio.
  compiled  rules compiled by `callfence compile`: loaded at start and
            on reload (replaced by rename), the new one in force at once;
            a truncated compiled file is refused with a reason and the
            old ruleset keeps answering.
Every test is bounded in time; ports are picked free.
"""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CALLFENCED, CALLFENCE, SRCDIR, TEST = sys.argv[1:5]
BENCH = sys.argv[5] if len(sys.argv) > 5 else None
HERE = os.path.join(SRCDIR, 'tests', 'daemon')
RUNNING = []


def kill_running():
    # A failed check must not leave a daemon holding meson's pipes, nor
    # a Kamailio's children behind: those run in their own session and
    # go as a process group.
    for p in RUNNING:
        if getattr(p, 'group', False):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if p.poll() is None:
            p.kill()
        p.wait()


def free_port(kind=socket.SOCK_DGRAM):
    # Free for both UDP and TCP so one number serves either use.
    while True:
        s = socket.socket(socket.AF_INET, kind)
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(('127.0.0.1', port))
            t.close()
            return port
        except OSError:
            t.close()


def fail(msg):
    print('FAIL: ' + msg)
    kill_running()
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print('ok: ' + msg)


RULES = """plan {
	country-code 86
}
list blacklist "%s"
rule blacklisted {
	priority 10
	when caller in blacklist
	action block
	reason "caller is on the blacklist"
}
default allow
"""


class Daemon:
    def __init__(self, tmp, rules, extra=(), workers=1):
        self.tmp = tmp
        self.port = free_port()
        self.mport = free_port()
        self.control = os.path.join(tmp, 'control.sock')
        self.vlog = os.path.join(tmp, 'verdicts.jsonl')
        self.stderr = open(os.path.join(tmp, 'callfenced.err'), 'w+')
        args = [CALLFENCED, '--rules', rules,
                '--sip-listen', '127.0.0.1:%d' % self.port,
                '--sip-listen', '[::1]:%d' % self.port,
                '--metrics', '127.0.0.1:%d' % self.mport,
                '--control', self.control,
                '--verdict-log', self.vlog,
                '--workers', str(workers),
                '--peer', '127.0.0.1/32=national',
                '--peer', '::1/128=international',
                '--foreground'] + list(extra)
        # Tests that count judged calls must not see calls shed for
        # waiting in the socket (a sanitizer build is slow): shedding is
        # tested where a test asks for it.
        if '--overload-delay' not in extra:
            args += ['--overload-delay', '0']
        self.p = subprocess.Popen(args, stderr=self.stderr,
                                  stdout=subprocess.DEVNULL)
        RUNNING.append(self.p)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.p.poll() is not None:
                fail('callfenced exited: ' + self.log())
            if 'ready' in self.log():
                return
            time.sleep(0.05)
        fail('callfenced not ready')

    def log(self):
        self.stderr.flush()
        with open(self.stderr.name) as f:
            return f.read()

    def metrics(self):
        url = 'http://127.0.0.1:%d/metrics' % self.mport
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()

    def metric(self, name, **labels):
        text = self.metrics()
        want = ','.join('%s="%s"' % kv for kv in labels.items())
        total = 0.0
        for line in text.splitlines():
            if line.startswith('#'):
                continue
            m = re.match(r'([a-z_]+)(\{[^}]*\})? (\S+)$', line)
            if not m or m.group(1) != name:
                continue
            if want and want not in (m.group(2) or ''):
                continue
            total += float(m.group(3))
        return total

    def command(self, cmd):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.control)
        s.sendall(cmd.encode() + b'\n')
        out = b''
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
        return out.decode()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            fail('callfenced did not stop on SIGTERM')
        check(rc == 0, 'callfenced stops cleanly on SIGTERM (rc %d)' % rc)


def invite(caller, callee, cid, branch, port):
    return ('INVITE sip:%s@127.0.0.1 SIP/2.0\r\n'
            'Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\r\n'
            'From: <sip:%s@127.0.0.1;user=phone>;tag=t%s\r\n'
            'To: <sip:%s@127.0.0.1>\r\n'
            'Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n'
            'Content-Length: 0\r\n\r\n' % (callee, port, branch, caller, cid,
                                            callee, cid, )).encode()


def numbers(prefix, n, seed):
    rng = random.Random(seed)
    return ['+86%s%08d' % (prefix, rng.randrange(10 ** 8)) for _ in range(n)]


def test_sipp(tmp):
    blacklist = numbers('170', 30, 1)
    clean = numbers('139', 50, 2)
    with open(os.path.join(tmp, 'blacklist.txt'), 'w') as f:
        f.write('\n'.join(blacklist) + '\n')
    rules = os.path.join(tmp, 'test.rules')
    with open(rules, 'w') as f:
        f.write(RULES % 'blacklist.txt')
    callers = blacklist[:12] + clean[:28]
    random.Random(3).shuffle(callers)
    with open(os.path.join(tmp, 'callers.csv'), 'w') as f:
        f.write('SEQUENTIAL\n')
        for c in callers:
            f.write('%s;+8613812345678;\n' % c)
    n = len(callers)
    d = Daemon(tmp, rules, workers=2)

    log = os.path.join(tmp, 'sipp.log')
    sipp = ['sipp', '127.0.0.1:%d' % d.port, '-i', '127.0.0.1',
            '-p', str(free_port()), '-m', str(n), '-r', '200', '-l', '50',
            '-nostdin', '-timeout', '30s', '-recv_timeout', '5000',
            '-trace_logs', '-log_file', log, '-trace_err',
            '-error_file', os.path.join(tmp, 'sipp.err')]
    r = subprocess.run(sipp + ['-sf', os.path.join(HERE, 'uac.xml'),
                               '-inf', os.path.join(tmp, 'callers.csv')],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=60)
    check(r.returncode == 0, 'SIPp UAC: %d calls, all successful (rc %d %s)'
          % (n, r.returncode, r.stderr.decode()[-300:]))
    lines = open(log).read().splitlines()
    first = {}
    retrans = {}
    for line in lines:
        w = line.split()
        if w and w[0] in ('R302', 'R603'):
            first[w[1]] = (w[0][1:], w[2], w[3])
            if w[0] == 'R302' and not (
                    len(w) > 4 and w[4].startswith('sip:+8613812345678@')):
                fail('call %s: 302 Contact is not the Request-URI' % w[1])
        elif w and w[0] in ('T302', 'T603'):
            retrans[w[1]] = (w[0][1:], w[2])
    want603 = sum(1 for c in callers if c in blacklist)
    got603 = sum(1 for v in first.values() if v[0] == '603')
    got302 = sum(1 for v in first.values() if v[0] == '302')
    check(len(first) == n, 'every INVITE answered (%d)' % len(first))
    check(got603 == want603 == 12, '603 for exactly the %d blacklisted '
          'callers' % want603)
    check(got302 == n - want603, '302 for the %d others' % (n - want603))
    check(all(('+' + v[1].lstrip('+')) in blacklist
              for v in first.values() if v[0] == '603'),
          'each 603 went to a blacklisted caller')
    check(got302 > 0, 'each 302 carries the Request-URI as Contact')
    check(all(retrans.get(k) == (v[0], v[2]) for k, v in first.items()),
          'each retransmission got the same code and the same To tag')

    # OPTIONS keep-alives.
    r = subprocess.run(['sipp', '127.0.0.1:%d' % d.port, '-i', '127.0.0.1',
                        '-p', str(free_port()), '-m', '5', '-r', '50',
                        '-nostdin', '-timeout', '20s',
                        '-recv_timeout', '5000', '-sf',
                        os.path.join(HERE, 'options.xml')],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=40)
    check(r.returncode == 0, 'SIPp OPTIONS: 5 answered 200 with Allow')

    # Malformed datagrams and a stranger: no answer, counted.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    s.settimeout(0.3)
    junk = [b'garbage', b'INVITE sip:x SIP/2.0\r\nVia: x\r\n',
            b'\x00\x01\x02',
            b'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKr\r\n'
            b'From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n'
            b'Call-ID: r\r\nCSeq: 1 INVITE\r\n\r\n']
    for j in junk:
        s.sendto(j, ('127.0.0.1', d.port))
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(('127.0.0.2', 0))
    stranger.settimeout(0.3)
    for i in range(3):
        stranger.sendto(invite(clean[i], '+8613812345678', 'x%d' % i,
                               'x%d' % i, 5060), ('127.0.0.1', d.port))
    answered = 0
    for sock in (s, stranger):
        try:
            sock.recv(4096)
            answered += 1
        except socket.timeout:
            pass
    check(answered == 0, 'no answer to malformed datagrams or strangers')
    # IPv6 peer, classified international; another method gets 405.
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s6.settimeout(2)
    s6.sendto(invite(blacklist[0], '+8613812345678', 'v6', 'v6', 5060),
              ('::1', d.port))
    check(s6.recv(4096).startswith(b'SIP/2.0 603 Decline\r\n'),
          'IPv6: INVITE from a blacklisted caller gets 603')
    s6.sendto(invite(clean[0], '+8613812345678', 'm', 'm', 5060)
              .replace(b'INVITE', b'MESSAGE'), ('::1', d.port))
    check(s6.recv(4096).startswith(b'SIP/2.0 405 Method Not Allowed\r\n'),
          'IPv6: MESSAGE gets 405')

    time.sleep(0.2)
    check(d.metric('callfence_acl_rejects_total') == 3,
          'ACL rejects counted (3)')
    check(d.metric('callfence_decode_errors_total') == 3,
          'decode errors counted (3; the stray response apart)')
    check(d.metric('callfence_sip_messages_total',
                   kind='response_learnt') == 1,
          'a 200 to an INVITE: never answered, learnt as an answer')
    check(d.metric('callfence_sip_messages_total', kind='ack_absorbed') == n,
          'ACKs absorbed (%d)' % n)
    check(d.metric('callfence_sip_messages_total',
                   kind='invite_retransmission') == n,
          'retransmissions answered from the cache (%d)' % n)
    check(d.metric('callfence_sip_messages_total', kind='options') == 5,
          'OPTIONS counted (5)')
    check(d.metric('callfence_calls_total', verdict='block') == 13,
          'calls_total{verdict=block} = 13')
    check(d.metric('callfence_calls_total', verdict='allow') == n - 12,
          'calls_total{verdict=allow} = %d' % (n - 12))
    check(d.metric('callfence_rule_hits_total', rule='blacklisted') == 13,
          'rule hits counted')
    d.stop()
    recs = open(d.vlog).read().splitlines()
    check(len(recs) == n + 1, 'verdict log: one line per judged call (%d)'
          % len(recs))
    check(any('"ingress":"international","source":"[::1]:' in r
              for r in recs), 'verdict log: ingress and IPv6 source')


RULES_B = """plan {
	country-code 86
}
list blacklist "%s"
rule blocked-b {
	priority 10
	when caller in blacklist
	action block reply 608
	reason "ruleset B"
}
default allow
"""


def test_reload(tmp):
    la = numbers('170', 20, 11)
    lb = numbers('171', 20, 12)
    clean = numbers('139', 20, 13)
    for name, nums in (('a.txt', la), ('b.txt', lb)):
        with open(os.path.join(tmp, name), 'w') as f:
            f.write('\n'.join(nums) + '\n')
    text = {'A': RULES % 'a.txt', 'B': RULES_B % 'b.txt',
            'broken': RULES % 'a.txt' + 'rule oops { priority }\n'}
    expect = {  # code per ruleset for a caller of each group
        'A': {'la': 603, 'lb': 302, 'clean': 302},
        'B': {'la': 302, 'lb': 608, 'clean': 302},
    }
    group = {}
    for g, nums in (('la', la), ('lb', lb), ('clean', clean)):
        for n in nums:
            group[n] = g
    callers = la + lb + clean
    rules = os.path.join(tmp, 'current.rules')

    def install(which):
        tmpname = rules + '.new'
        with open(tmpname, 'w') as f:
            f.write(text[which])
        os.rename(tmpname, rules)

    install('A')
    d = Daemon(tmp, rules, workers=2)
    gen_rules = {1: 'A'}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Answers pile up while the test waits for a reload: room for them
    # (up to net.core.rmem_max).
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(('127.0.0.1', 0))
    s.setblocking(False)
    port = s.getsockname()[1]
    sent = {}
    answers = {}

    def pump(seconds):
        end = time.time() + seconds
        while time.time() < end:
            # At most 512 outstanding: the answers must fit the test's
            # socket buffer whatever the load on the machine.
            if len(sent) - len(answers) > 512:
                collect(0.002)
                continue
            for _ in range(16):
                i = len(sent)
                caller = callers[i % len(callers)]
                cid = 'rl%d' % i
                sent[cid] = caller
                s.sendto(invite(caller, '+8613812345678', cid, cid, port),
                         ('127.0.0.1', d.port))
            collect(0.002)

    def collect(wait):
        end = time.time() + wait
        while True:
            try:
                b = s.recv(65536)
            except BlockingIOError:
                if time.time() >= end:
                    return
                time.sleep(0.0005)
                continue
            m = re.search(rb'\r\nCall-ID: (\S+)\r\n', b)
            answers[m.group(1).decode()] = int(b[8:11])

    refused = 0
    gen = 1
    for k in range(20):
        which = 'broken' if k % 3 == 2 else ('B' if gen % 2 else 'A')
        install(which)
        pump(0.05)
        reply = d.command('reload')
        if which == 'broken':
            if not reply.startswith('error: ') or 'current.rules' not in reply:
                fail('broken reload %d not refused with a reason: %r'
                     % (k, reply))
            refused += 1
        else:
            if not reply.startswith('ok generation %d:' % (gen + 1)):
                fail('reload %d: %r' % (k, reply))
            gen += 1
            gen_rules[gen] = which
        pump(0.05)
    deadline = time.time() + 3
    while len(answers) < len(sent) and time.time() < deadline:
        collect(0.1)
    check(refused == 6 and gen == 15, '20 reloads under load: 14 in force, '
          '6 broken ones refused with a reason')
    check(len(answers) == len(sent),
          'every INVITE answered (%d of %d)' % (len(answers), len(sent)))
    ok_codes = {'la': {603, 302}, 'lb': {608, 302}, 'clean': {302}}
    bad = [c for c, code in answers.items()
           if code not in ok_codes[group[sent[c]]]]
    check(not bad, 'every answer is one ruleset A or B would give')
    time.sleep(0.3)
    d.stop()
    judged = 0
    for line in open(d.vlog):
        rec = __import__('json').loads(line)
        cid = rec['call_ref']
        which = gen_rules[rec['generation']]
        g = group['+' + rec['caller']]
        if expect[which][g] != answers.get(cid):
            fail('call %s answered %s, but generation %d (%s) says %d'
                 % (cid, answers.get(cid), rec['generation'], which,
                    expect[which][g]))
        judged += 1
    check(judged == len(sent), 'each answer is the one of the ruleset in '
          'force when it was judged (%d calls, by the verdict log)' % judged)


def test_promtool(tmp):
    with open(os.path.join(tmp, 'blacklist.txt'), 'w') as f:
        f.write('+8617012345678\n')
    rules = os.path.join(tmp, 'test.rules')
    with open(rules, 'w') as f:
        f.write(RULES % 'blacklist.txt')
    d = Daemon(tmp, rules, workers=2)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for i, caller in enumerate(['+8617012345678', '+8613912345678']):
        s.sendto(invite(caller, '+8613812345678', 'p%d' % i, 'p%d' % i,
                        5060), ('127.0.0.1', d.port))
        s.recv(4096)
    text = d.metrics()
    r = subprocess.run(['promtool', 'check', 'metrics'], input=text.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    check(r.returncode == 0, 'promtool check metrics: %s'
          % (r.stdout.decode().strip() or 'clean'))
    families = ('callfence_calls_total', 'callfence_rule_hits_total',
                'callfence_decode_errors_total', 'callfence_ring_drops_total',
                'callfence_log_drops_total',
                'callfence_overload_actions_total',
                'callfence_acl_rejects_total', 'callfence_ruleset_generation',
                'callfence_ruleset_load_seconds',
                'callfence_sip_packets_total',
                'callfence_verdict_latency_seconds')
    missing = [f for f in families if '# TYPE %s ' % f not in text]
    check(not missing, '/metrics has every family the issue asks for %s'
          % (missing or ''))
    check('callfence_calls_total{proto="sip",verdict="block"} 1'
          in d.command('metrics'), 'the control socket serves them too')
    d.stop()


def test_overload(tmp):
    callers = numbers('170', 600, 21)
    with open(os.path.join(tmp, 'blacklist.txt'), 'w') as f:
        f.write('\n'.join(callers) + '\n')
    rules = os.path.join(tmp, 'test.rules')
    with open(rules, 'w') as f:
        f.write(RULES % 'blacklist.txt')
    overflow_code = {'fail-open': 302, 'fail-closed': 503, 'drop': None}
    for policy in ('fail-open', 'fail-closed', 'drop'):
        sub = os.path.join(tmp, policy)
        os.mkdir(sub)
        d = Daemon(sub, rules, workers=2,
                   extra=('--ring-size', '16', '--overload', policy,
                          '--overload-delay', '0'))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        # One source socket: SO_REUSEPORT gives every datagram to the
        # same worker, which owns about half of the callers.
        # Rounds of 100 so a default net.core.rmem_max (208 KiB) holds
        # a round while the daemon is stopped.
        codes = {}
        for r in range(0, len(callers), 100):
            d.p.send_signal(signal.SIGSTOP)
            try:
                for i in range(r, min(r + 100, len(callers))):
                    cid = 'ov%d' % i
                    s.sendto(invite(callers[i], '+8613812345678', cid, cid,
                                    port), ('127.0.0.1', d.port))
            finally:
                d.p.send_signal(signal.SIGCONT)
            s.settimeout(0.5)
            try:
                while True:
                    b = s.recv(65536)
                    m = re.search(rb'\r\nCall-ID: (\S+)\r\n', b)
                    codes[m.group(1).decode()] = int(b[8:11])
            except socket.timeout:
                pass
        n = len(callers)
        ovl = d.metric('callfence_overload_actions_total', policy=policy)
        judged = d.metric('callfence_calls_total')
        check(d.metric('callfence_udp_rx_drops_total') == 0,
              '%s: the kernel dropped nothing' % policy)
        check(ovl > 0 and d.metric('callfence_ring_drops_total') == ovl,
              '%s: the rings overflowed (%d calls), every one counted '
              'as a ring drop and an overload action' % (policy, ovl))
        check(judged + ovl == n, '%s: judged (%d) + overflowed (%d) = %d '
              'sent' % (policy, judged, ovl, n))
        got = {c: sum(1 for v in codes.values() if v == c)
               for c in (302, 503, 603)}
        check(got[603] == judged, '%s: each judged call answered 603 (%d)'
              % (policy, got[603]))
        want = overflow_code[policy]
        if want:
            check(got[want] == ovl and len(codes) == n,
                  '%s: each overflowed call answered %d (%d), every call '
                  'answered' % (policy, want, got[want]))
        else:
            check(len(codes) == judged and got[302] == got[503] == 0,
                  'drop: the overflowed calls get no answer (%d of %d '
                  'answered)' % (len(codes), n))
        d.stop()
        recs = open(d.vlog).read().splitlines()
        check(len(recs) == judged, '%s: the verdict log has the judged '
              'calls only (%d)' % (policy, len(recs)))


# What carrier.rules says of each class of the generator's labels; the
# heuristic classes (robocall, scanner, ...) wait for heuristics.
EXPECT = {
    'legit': ('allow', 'default'),
    'legit-foreign': ('allow', 'default'),
    'legit-roaming': ('allow', 'default'),
    'blacklisted': ('block', 'blacklisted'),
    'dno': ('block', 'dno-impersonation'),
    'spoofed': ('block', 'spoofed-domestic'),
}
GATEWAYS = ['--peer', '198.51.100.0/24=international',
            '--point-code', '1000-1063=international',
            '--peer', '203.0.113.0/24=national',
            '--point-code', '2000-2063=national',
            '--peer', '192.0.2.0/24=local',
            '--point-code', '3000-3063=local']


def tap_capture(tmp, name, pcap, labels, lists):
    import csv
    import json
    rules = os.path.join(SRCDIR, 'rules', 'examples', 'carrier.rules')
    opts = []
    for lst in ('blacklist', 'roaming', 'dno', 'whitelist'):
        path = os.path.join(lists, lst + '.txt')
        if os.path.exists(path):
            opts += ['--list', '%s=%s' % (lst, path)]
    vlog = os.path.join(tmp, name + '.jsonl')
    r = subprocess.run([CALLFENCED, '--rules', rules, '--tap', pcap,
                        '--verdict-log', vlog, '--log-ring-size', '64']
                       + opts + GATEWAYS, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=60)
    err = r.stderr.decode()
    check(r.returncode == 0 and 'end of file' in err,
          '%s: the tap reads the file to its end and stops (rc %d)'
          % (name, r.returncode))
    setups, answers, releases = {}, 0, 0
    for row in csv.DictReader(open(labels)):
        if row['event'] == 'setup':
            setups[int(row['frame'])] = row['class']
        answers += row['event'] == 'answer'
        releases += row['event'] == 'release'
    recs = [json.loads(line) for line in open(vlog)]
    frames = [rec['frame'] for rec in recs]
    check(sorted(frames) == sorted(setups),
          '%s: one verdict log line per set-up (%d), by capture frame'
          % (name, len(setups)))
    wrong = [(rec['frame'], setups[rec['frame']], rec['verdict'],
              rec['rule']) for rec in recs
             if setups[rec['frame']] in EXPECT and
             EXPECT[setups[rec['frame']]] != (rec['verdict'], rec['rule'])]
    check(not wrong, '%s: each set-up blocked or allowed as its label '
          'says, by the right rule %s' % (name, wrong[:3] or ''))
    blocked = sum(1 for rec in recs if rec['verdict'] == 'block')
    check(blocked == sum(1 for c in setups.values() if c in EXPECT and
                         EXPECT[c][0] == 'block') and blocked > 0,
          '%s: %d blocked' % (name, blocked))
    check('%d set-ups judged, %d answers, %d releases'
          % (len(setups), answers, releases) in err,
          '%s: answers (%d) and releases (%d) reach the observe hook'
          % (name, answers, releases))
    rp = subprocess.run([CALLFENCE, 'replay', '--rules', rules]
                        + [o.replace('--point-code', '--opc') for o in opts
                           + GATEWAYS] + [pcap],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                        timeout=60)
    want = sorted((x['frame'], x['call_ref'], x['verdict'], x['rule'])
                  for x in map(json.loads, rp.stdout.decode().splitlines()))
    got = sorted((x['frame'], x['call_ref'], x['verdict'], x['rule'])
                 for x in recs)
    check(got == want, '%s: the same verdicts and rules as callfence '
          'replay' % name)


def tap_live(tmp):
    import json
    port = free_port()
    rules = os.path.join(tmp, 'live.rules')
    with open(os.path.join(tmp, 'live-bl.txt'), 'w') as f:
        f.write('+8617012345678\n')
    with open(rules, 'w') as f:
        f.write(RULES % 'live-bl.txt')
    vlog = os.path.join(tmp, 'live.jsonl')
    err = open(os.path.join(tmp, 'live.err'), 'w+')
    p = subprocess.Popen([CALLFENCED, '--rules', rules, '--tap', 'lo',
                          '--tap-filter', 'udp dst port %d' % port,
                          '--verdict-log', vlog],
                         stdout=subprocess.DEVNULL, stderr=err)
    RUNNING.append(p)
    deadline = time.time() + 10
    while time.time() < deadline and p.poll() is None:
        if 'ready' in open(err.name).read():
            break
        time.sleep(0.05)
    if p.poll() is not None:
        print('skip: live tap on lo: ' + open(err.name).read().strip())
        return
    time.sleep(0.3)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    callers = ['+8617012345678', '+8613912345678', '+8613912345679']
    for i, caller in enumerate(callers):
        s.sendto(invite(caller, '+8613812345678', 'live%d' % i,
                        'live%d' % i, 5060), ('127.0.0.1', port))
    deadline = time.time() + 5
    recs = []
    while time.time() < deadline and len(recs) < 3:
        time.sleep(0.2)
        if os.path.exists(vlog):
            recs = [json.loads(x) for x in open(vlog).read().splitlines()]
    p.send_signal(signal.SIGTERM)
    check(p.wait(timeout=10) == 0, 'live tap stops on SIGTERM')
    recs = [json.loads(x) for x in open(vlog).read().splitlines()]
    got = sorted((r['call_ref'], r['verdict']) for r in recs)
    check(got == [('live0', 'block'), ('live1', 'allow'),
                  ('live2', 'allow')],
          'live tap on lo (BPF filter): the 3 INVITEs judged and logged')


def test_tap(tmp):
    sample = os.path.join(SRCDIR, 'rules', 'examples', 'sample')
    tap_capture(tmp, 'sample', os.path.join(sample, 'calls.pcap'),
                os.path.join(sample, 'labels.csv'), sample)
    if BENCH:
        gen = os.path.join(tmp, 'gen')
        os.mkdir(gen)
        subprocess.run([BENCH, 'gen', '--calls', '300', '--seed', '7',
                        '--pcap', os.path.join(gen, 'calls.pcap'),
                        '--labels', os.path.join(gen, 'labels.csv'),
                        '--lists', gen], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tap_capture(tmp, 'generated', os.path.join(gen, 'calls.pcap'),
                    os.path.join(gen, 'labels.csv'), gen)
    tap_live(tmp)


RULES_KAM = """plan {
	country-code 86
}
list blacklist "bl.txt"
list dno "dno.txt"
list barred "barred.txt"
rule blacklisted {
	priority 10
	when caller in blacklist
	action block
	reason "caller is on the blacklist"
}
rule dno-impersonation {
	priority 20
	when caller in dno
	action block reply 608
	reason "inbound-only number as caller"
}
rule barred {
	priority 30
	when caller in barred
	action block reply 403
	reason "barred caller"
}
default allow
"""


def test_kamailio(tmp):
    kamailio = shutil.which('kamailio') or (
        '/usr/sbin/kamailio' if os.path.exists('/usr/sbin/kamailio')
        else None)
    if not kamailio or not shutil.which('sipp'):
        print('skip: kamailio or sipp not installed')
        sys.exit(77)
    mpath = None
    for d in ('/usr/lib/x86_64-linux-gnu/kamailio/modules',
              '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules'):
        if os.path.exists(os.path.join(d, 'tm.so')):
            mpath = d + '/'
    if not mpath:
        print('skip: kamailio modules not found')
        sys.exit(77)
    groups = {'603': numbers('170', 6, 31), '608': numbers('171', 4, 32),
              '403': numbers('172', 3, 33), '200': numbers('139', 12, 34)}
    for name, code in (('bl.txt', '603'), ('dno.txt', '608'),
                       ('barred.txt', '403')):
        with open(os.path.join(tmp, name), 'w') as f:
            f.write('\n'.join(groups[code]) + '\n')
    rules = os.path.join(tmp, 'kam.rules')
    with open(rules, 'w') as f:
        f.write(RULES_KAM)
    d = Daemon(tmp, rules, workers=2)
    kport, uas_port, uac_port = free_port(), free_port(), free_port()
    cfg = os.path.join(tmp, 'kamailio.cfg')
    with open(os.path.join(HERE, 'kamailio.cfg')) as f:
        text = f.read() % {'kport': kport, 'cfport': d.port,
                           'mpath': mpath}
    with open(cfg, 'w') as f:
        f.write(text)
    kerr = open(os.path.join(tmp, 'kamailio.err'), 'w+')
    k = subprocess.Popen([kamailio, '-f', cfg, '-DD', '-E', '-m', '32',
                          '-M', '4', '-Y', tmp, '-w', tmp,
                          '-P', os.path.join(tmp, 'kamailio.pid')],
                         stdout=subprocess.DEVNULL, stderr=kerr,
                         start_new_session=True)
    k.group = True
    RUNNING.append(k)
    # Ready when it answers an OPTIONS (sl: 404 or 200, any answer).
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(('127.0.0.1', 0))
    probe.settimeout(0.2)
    deadline = time.time() + 10
    ready = False
    while time.time() < deadline and not ready:
        if k.poll() is not None:
            fail('kamailio exited: ' + open(kerr.name).read()[-800:])
        probe.sendto(b'OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n'
                     b'Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKp%d\r\n'
                     b'From: <sip:p@127.0.0.1>;tag=p\r\nTo: <sip:k@127.0.0.1>'
                     b'\r\nCall-ID: probe%d\r\nCSeq: 1 OPTIONS\r\n'
                     b'Max-Forwards: 0\r\nContent-Length: 0\r\n\r\n'
                     % (probe.getsockname()[1], int(time.time() * 1e3),
                        int(time.time() * 1e3)), ('127.0.0.1', kport))
        try:
            probe.recv(4096)
            ready = True
        except socket.timeout:
            pass
    check(ready, 'kamailio answers on 127.0.0.1:%d' % kport)

    callers = [(c, code) for code, nums in groups.items() for c in nums]
    random.Random(35).shuffle(callers)
    n, n_ok = len(callers), len(groups['200'])
    with open(os.path.join(tmp, 'calls.csv'), 'w') as f:
        f.write('SEQUENTIAL\n')
        for c, _ in callers:
            f.write('%s;+8613812345678;%d;\n' % (c, uas_port))
    uas_log = os.path.join(tmp, 'uas.log')
    uas = subprocess.Popen(['sipp', '-sf', os.path.join(HERE, 'kam_uas.xml'),
                            '-i', '127.0.0.1', '-p', str(uas_port),
                            '-m', str(n_ok), '-nostdin', '-timeout', '40s',
                            '-trace_logs', '-log_file', uas_log],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    RUNNING.append(uas)
    uac_log = os.path.join(tmp, 'uac.log')
    r = subprocess.run(['sipp', '127.0.0.1:%d' % kport,
                        '-sf', os.path.join(HERE, 'kam_uac.xml'),
                        '-inf', os.path.join(tmp, 'calls.csv'),
                        '-i', '127.0.0.1', '-p', str(uac_port),
                        '-m', str(n), '-r', '20', '-l', '10', '-nostdin',
                        '-timeout', '40s', '-recv_timeout', '8000',
                        '-trace_logs', '-log_file', uac_log, '-trace_err',
                        '-error_file', os.path.join(tmp, 'uac.err')],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=60)
    if r.returncode != 0:
        print(open(os.path.join(tmp, 'uac.err')).read()[:1500])
        print(open(kerr.name).read()[-3000:])
    check(r.returncode == 0, 'SIPp caller: %d calls through kamailio, each '
          'completed or refused (rc %d)' % (n, r.returncode))
    try:
        uas.wait(timeout=20)
    except subprocess.TimeoutExpired:
        fail('the callee did not get its %d calls' % n_ok)
    got = {}
    for line in open(uac_log).read().splitlines():
        w = line.split()
        if len(w) == 2 and w[0] in ('R200', 'R603', 'R608', 'R403'):
            got[w[1]] = w[0][1:]
    want = {c: code for c, code in callers}
    check(got == want, 'at the caller: %s' % ', '.join(
        '%d %s' % (len(groups[c]), 'completed (200)' if c == '200' else
                   'refused ' + c) for c in ('200', '603', '608', '403')))
    reached = [line.split()[1] for line in open(uas_log).read().splitlines()
               if line.startswith('UAS ')]
    check(sorted(reached) == sorted(groups['200']),
          'at the callee: exactly the %d allowed calls, each once (302 '
          'followed)' % n_ok)
    check(d.metric('callfence_calls_total', verdict='block') == n - n_ok
          and d.metric('callfence_calls_total', verdict='allow') == n_ok,
          'callfenced judged each INVITE once (%d block, %d allow)'
          % (n - n_ok, n_ok))
    check(d.metric('callfence_sip_messages_total', kind='ack_absorbed') == n,
          'kamailio acknowledged each final answer (%d ACKs absorbed)' % n)
    os.killpg(k.pid, signal.SIGTERM)
    try:
        k.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(k.pid, signal.SIGKILL)
        k.wait()
    d.stop()


def test_compiled(tmp):
    la = numbers('170', 5, 41)
    lb = numbers('171', 5, 42)
    for name, nums in (('a.txt', la), ('b.txt', lb)):
        with open(os.path.join(tmp, name), 'w') as f:
            f.write('\n'.join(nums) + '\n')
    cur = os.path.join(tmp, 'current.cfr')

    def compile_to(text, out):
        src = os.path.join(tmp, 'src.rules')
        with open(src, 'w') as f:
            f.write(text)
        r = subprocess.run([CALLFENCE, 'compile', src, '-o', out],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        if r.returncode != 0:
            fail('callfence compile: ' + r.stdout.decode())

    def install(data):
        with open(cur + '.new', 'wb') as f:
            f.write(data)
        os.rename(cur + '.new', cur)

    compile_to(RULES % 'a.txt', cur)
    d = Daemon(tmp, cur, workers=2)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    s.settimeout(2)
    seq = [0]

    def ask(caller):
        seq[0] += 1
        cid = 'cc%d' % seq[0]
        s.sendto(invite(caller, '+8613812345678', cid, cid,
                        s.getsockname()[1]), ('127.0.0.1', d.port))
        return int(s.recv(4096)[8:11])

    check([ask(la[0]), ask(lb[0]), ask('+8613912345678')] == [603, 302, 302],
          'compiled ruleset A loaded at start: 603 for its blacklist')
    compile_to(RULES_B % 'b.txt', cur + '.b')
    with open(cur + '.b', 'rb') as f:
        b = f.read()
    install(b)
    reply = d.command('reload')
    check(reply.startswith('ok generation 2:'), 'compiled ruleset B '
          'reloaded: %s' % reply.strip())
    check([ask(la[0]), ask(lb[0])] == [302, 608],
          'ruleset B in force: 608 for its list, A\'s callers pass')
    install(b[:len(b) // 2])
    reply = d.command('reload')
    check(reply.startswith('error: ') and 'current.cfr' in reply,
          'a truncated compiled ruleset is refused: %s' % reply.strip())
    check([ask(la[0]), ask(lb[0])] == [302, 608],
          'the old ruleset (generation 2) keeps answering')
    check(d.metric('callfence_reloads_total', result='failed') == 1 and
          d.metric('callfence_ruleset_generation') == 2,
          'the refused reload is counted, generation stays 2')
    d.stop()


def main():
    tmp = tempfile.mkdtemp(prefix='cfd-test-')
    try:
        {'sipp': test_sipp, 'reload': test_reload,
         'promtool': test_promtool, 'overload': test_overload,
         'tap': test_tap, 'kamailio': test_kamailio,
         'compiled': test_compiled}[TEST](tmp)
    finally:
        kill_running()
        if os.environ.get('CFD_TEST_KEEP'):
            print('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
