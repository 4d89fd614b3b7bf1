#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The data plane as a carrier meets it: a live callfenced over UDP on
127.0.0.1, its control socket, its metrics and its verdict log.

    plane_test.py CALLFENCED CALLFENCE SRCDIR TEST

TEST is one of:
  state     heuristic state survives reloads: one caller, 15 calls, a
            reload by `callfence reload` (then by SIGHUP), 10 more calls
            under `caller calls > 20 per 1m`: calls 21.. are blocked, on
            2 workers, with the unchanged rules and with rules whose
            heuristics are the same; with other heuristics it starts
            afresh, and the reload says which.
  workers   block-keyed counts do not depend on the worker count: a
            caller alone in its block and a gang of 8 numbers in one
            block, under `caller block 9 calls > 30 per 1m`, are blocked
            from exactly call 31 with 1, 2 and 4 workers, as `callfence
            replay` of the same calls says.
  releases  call outcomes sent to the screening port reach the owning
            core: INVITEs CANCELled within a second make `short-calls`
            (wangiri) fire; calls ended by BYE do not; BYEs bring
            `concurrent-calls` down again; a forwarded 486 is learnt and
            never answered.  On 2 workers, with
            PAI callers whose From differs (the releases cannot be
            steered by number).
  monitor   a trial (monitor) rule leaves a trace: its would-match
            counter in /metrics and its id in each verdict log record.
  hep       call outcomes from a HEP3 mirror (--hep-listen), as Kamailio's
            siptrace sends them: every CANCEL mirrored twice (received and
            sent) makes wangiri fire after exactly as many calls as CANCELs
            on the screening port do; INVITEs on the mirror are not judged
            again; undecodable datagrams are counted.
  shed      overload as a policy, not a kernel drop: INVITEs that waited
            in the socket longer than --overload-delay (the daemon
            stopped while they queue) are answered by the policy unjudged
            — 503 with Retry-After (fail-closed), 302 (fail-open), nothing
            (drop) — and counted; fresh ones are judged again.
  stall     control clients that send their command a byte every 1.5 s
            or never read their reply: another client's reload is
            answered at once and SIGTERM stops the daemon at once (10 s
            and more before); a verdict log whose reader never reads (a
            FIFO): calls are still answered, SIGTERM stops the daemon
            within seconds; a tap of a capture file finishes, stops, and
            a reload during it is answered (each hung for ever before).
  cache     the retransmission cache answers only a true retransmission:
            a blacklisted caller reusing a clean call's Call-ID, CSeq and
            top Via branch (or its Call-ID with a new CSeq or branch) is
            judged and blocked; a byte-identical resend of either gets
            the first answer again, byte for byte, and is not judged.
Every test is bounded in time; ports are picked free.
"""

import json
import os
import shutil
import signal
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
PLAN = 'plan {\n\tcountry-code 86\n}\n'


def sip(method, caller, callee, cid, branch, port, pai=None, status=None,
        cseq=1):
    """A request (or, with status, a response to an INVITE) as the SBC
    forwards it to the screening port."""
    head = ('SIP/2.0 %d Reason' % status if status else
            '%s sip:%s@127.0.0.1 SIP/2.0' % (method, callee))
    cseq_method = 'INVITE' if status else method
    lines = [head,
             'Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s' % (port, branch),
             'From: <sip:%s@127.0.0.1;user=phone>;tag=f%s' % (caller, cid),
             'To: <sip:%s@127.0.0.1>%s' % (callee,
                                            ';tag=t' if status or method == 'BYE'
                                            else ''),
             'Call-ID: %s' % cid,
             'CSeq: %d %s' % (cseq, cseq_method),
             'Max-Forwards: 70']
    if pai:
        lines.append('P-Asserted-Identity: <sip:%s@127.0.0.1;user=phone>'
                     % pai)
    lines += ['Content-Length: 0', '', '']
    return '\r\n'.join(lines).encode()


class Peer:
    """The SBC: one UDP socket that asks and reads the answers."""

    def __init__(self, d):
        self.d = d
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(('127.0.0.1', 0))
        self.s.settimeout(3)
        self.port = self.s.getsockname()[1]
        self.n = 0

    def ask(self, msg):
        self.s.sendto(msg, ('127.0.0.1', self.d.port))
        try:
            return int(self.s.recv(65536).split(b' ', 2)[1])
        except socket.timeout:
            fail('no answer from callfenced')

    def send(self, msg):
        self.s.sendto(msg, ('127.0.0.1', self.d.port))

    def call(self, caller, callee='+8613912345678', pai=None):
        """One INVITE; its answer code and its Call-ID."""
        self.n += 1
        cid = 'c%d-%d' % (self.n, self.port)
        code = self.ask(sip('INVITE', caller, callee, cid, 'i%d' % self.n,
                            self.port, pai=pai))
        return code, cid


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


RATE = PLAN + ('rule fast { priority 1 when caller calls > 20 per 1m '
               'action block reason "%s" }\ndefault allow\n')


def calls(peer, caller, n):
    return [peer.call(caller)[0] for _ in range(n)]


def test_state(tmp):
    rules = write(tmp, 'r.rules', RATE % 'rate')
    d = Daemon(tmp, rules, workers=2)
    peer = Peer(d)
    caller = '+8613800000001'
    for how in ('callfence reload', 'SIGHUP'):
        first = calls(peer, caller, 15)
        check(first == [302] * 15, '%s: 15 calls allowed' % how)
        write(tmp, 'r.rules', RATE % ('rate, ' + how))
        gen = d.metric('callfence_ruleset_generation')
        if how == 'SIGHUP':
            d.p.send_signal(signal.SIGHUP)
            deadline = time.time() + 5
            while (d.metric('callfence_ruleset_generation') == gen and
                   time.time() < deadline):
                time.sleep(0.05)
        else:
            out = subprocess.run([dt.CALLFENCE, 'reload', '--control',
                                  d.control], capture_output=True,
                                 text=True, timeout=20)
            check(out.returncode == 0 and 'heuristic state kept' in out.stdout,
                  'callfence reload: ok, heuristic state kept (%r)'
                  % out.stdout.strip())
        check(d.metric('callfence_ruleset_generation') == gen + 1,
              '%s: a new generation is in force' % how)
        after = calls(peer, caller, 10)
        check(after == [302] * 5 + [603] * 5,
              '%s: calls 16-20 allowed, 21-25 blocked by the new rules (%s)'
              % (how, after))
        # The next round starts a minute's worth of calls later: another
        # caller keeps the rounds apart.
        caller = '+8613800000002'
    # Other heuristics: nothing carried, and the reload says so.
    write(tmp, 'r.rules', PLAN + 'rule fast { priority 1 when caller calls '
          '> 20 per 2m action block }\ndefault allow\n')
    out = subprocess.run([dt.CALLFENCE, 'reload', '--control', d.control],
                         capture_output=True, text=True, timeout=20)
    check(out.returncode == 0 and 'heuristic state kept' not in out.stdout,
          'other heuristics: reloaded afresh (%r)' % out.stdout.strip())
    check(calls(peer, caller, 3) == [302] * 3,
          'other heuristics: the caller starts again from one')
    d.stop()


BLOCK = PLAN + ('rule gang { priority 1 when caller block 9 calls > 30 per 1m '
                'action block }\ndefault allow\n')


def first_blocked(codes):
    return next((i + 1 for i, c in enumerate(codes) if c == 603), None)


def test_workers(tmp):
    rules = write(tmp, 'b.rules', BLOCK)
    gang = ['+861380000%04d' % (i * 1111 % 10000) for i in range(8)]
    for workers in (1, 2, 4):
        d = Daemon(tmp, rules, workers=workers)
        peer = Peer(d)
        # Each run takes fresh blocks: the windows of the last run are
        # still open in no daemon, but keep the numbers apart anyway.
        alone = '+86139%d0000001' % workers
        codes = calls(peer, alone, 40)
        check(first_blocked(codes) == 31,
              '%d worker(s): a caller alone in its block is blocked from '
              'call 31 (%s)' % (workers, first_blocked(codes)))
        codes = [peer.call(gang[i % 8].replace('1380000', '13%d0000'
                                               % workers))[0]
                 for i in range(40)]
        check(first_blocked(codes) == 31,
              '%d worker(s): a gang of 8 numbers in one block is blocked '
              'from call 31 (%s)' % (workers, first_blocked(codes)))
        d.stop()


WANGIRI = PLAN + """rule wangiri {
	priority 1
	when caller short-calls under 3s > 3 per 1m
	action block
}
rule busy {
	priority 2
	when caller concurrent-calls > 3
	action block
}
default allow
"""


def test_releases(tmp):
    rules = write(tmp, 'w.rules', WANGIRI)
    d = Daemon(tmp, rules, workers=2)
    peer = Peer(d)

    # Wangiri: rings once, CANCELs.  The From is a display number, the
    # caller is the PAI: a release cannot be steered by its From.
    wangiri = '+8617000000001'
    codes = []
    for i in range(6):
        code, cid = peer.call('+8699%07d' % i, pai=wangiri)
        codes.append(code)
        check(peer.ask(sip('CANCEL', '+8699%07d' % i, '+8613912345678', cid,
                           'i%d' % peer.n, peer.port)) == 200,
              'CANCEL %d answered 200' % (i + 1))
    check(codes == [302] * 4 + [603] * 2,
          'wangiri: blocked once 4 calls were CANCELled within 3 s (%s)'
          % codes)

    # Answered calls ended by BYE are not short calls, and the BYEs end
    # them for concurrent-calls too.
    honest = '+8613800000099'
    codes = []
    for i in range(6):
        code, cid = peer.call(honest)
        codes.append(code)
        check(peer.ask(sip('BYE', honest, '+8613912345678', cid,
                           'b%d' % peer.n, peer.port, cseq=2)) == 200,
              'BYE %d answered 200' % (i + 1))
    check(codes == [302] * 6,
          'calls ended by BYE are neither short nor concurrent (%s)' % codes)
    # A final failure forwarded by the SBC is learnt, never answered.
    code, cid = peer.call('+8613800000088')
    peer.send(sip(None, '+8613800000088', '+8613912345678', cid,
                  'i%d' % peer.n, peer.port, status=486))

    # Concurrent calls: with three open, the fourth (counted with them)
    # is blocked; BYEs free them.
    busy = '+8613800000077'
    open_calls = [peer.call(busy) for _ in range(3)]
    check([c for c, _ in open_calls] == [302] * 3,
          '3 open calls allowed (%s)' % [c for c, _ in open_calls])
    check(peer.call(busy)[0] == 603, 'the fourth concurrent call is blocked')
    # The refused call is over as it is refused: one BYE leaves two
    # open, and a new call (the third) goes through.
    cid = open_calls[0][1]
    peer.ask(sip('BYE', busy, '+8613912345678', cid, 'b' + cid,
                 peer.port, cseq=2))
    time.sleep(0.1)
    check(peer.call(busy)[0] == 302,
          'after one BYE the caller may call again: the refused call was '
          'not left open')
    check(d.metric('callfence_sip_messages_total', kind='cancel') == 6 and
          d.metric('callfence_sip_messages_total', kind='bye') == 7 and
          d.metric('callfence_sip_messages_total', kind='response_learnt') == 1,
          'CANCEL, BYE and the 486 counted as learnt')
    check(d.metric('callfence_event_drops_total') == 0, 'no event dropped')
    d.stop()


TRIAL = PLAN + """rule trial-170 {
	priority 1
	when caller prefix 86170
	action block
	monitor
}
default allow
"""


def test_monitor(tmp):
    rules = write(tmp, 't.rules', TRIAL)
    d = Daemon(tmp, rules, workers=2)
    peer = Peer(d)
    codes = [peer.call('+861700000%04d' % i)[0] for i in range(5)]
    codes += [peer.call('+861390000%04d' % i)[0] for i in range(3)]
    check(codes == [302] * 8, 'a monitor rule blocks nothing')
    check(d.metric('callfence_rule_monitor_hits_total', rule='trial-170') == 5,
          'its would-match counter is 5 in /metrics')
    check(d.metric('callfence_rule_hits_total', rule='default') == 8,
          'the default decided all 8')
    d.stop()
    recs = [json.loads(line) for line in open(d.vlog)]
    check(len(recs) == 8, 'verdict log: 8 records')
    check(sorted(r['monitor'] == ['trial-170'] for r in recs) ==
          [False] * 3 + [True] * 5,
          'verdict log: the 5 calls it would have blocked name it')


CACHE = PLAN + """rule black {
	priority 1
	when caller prefix 86170
	action block
}
default allow
"""


def test_cache(tmp):
    rules = write(tmp, 'c.rules', CACHE)
    d = Daemon(tmp, rules, workers=1)
    peer = Peer(d)
    callee = '+8613912345678'
    clean = sip('INVITE', '+8613800000001', callee, 'same', 'b1', peer.port)
    forged = sip('INVITE', '+8617000000001', callee, 'same', 'b1', peer.port)

    def answer(msg):
        peer.send(msg)
        try:
            return peer.s.recv(65536)
        except socket.timeout:
            fail('no answer')

    first = answer(clean)
    check(first.startswith(b'SIP/2.0 302 '), 'a clean call: 302')
    check(answer(forged).startswith(b'SIP/2.0 603 '),
          'a blacklisted caller reusing its Call-ID, CSeq and branch: 603')
    again = answer(clean)
    check(again.startswith(b'SIP/2.0 302 '),
          'the clean call resent: 302 again (judged afresh: its entry was '
          'replaced)')
    check(answer(clean) == again,
          'a byte-identical resend: the same answer, byte for byte')
    for what, msg in (('a new CSeq', forged.replace(b'CSeq: 1 ', b'CSeq: 2 ')),
                      ('a new branch', forged.replace(b'z9hG4bKb1',
                                                      b'z9hG4bKb2'))):
        check(answer(msg.replace(b'+8617000000001', b'+8617000000002'))
              .startswith(b'SIP/2.0 603 '),
              'the Call-ID of a judged call with %s: judged, 603' % what)
    judged = d.metric('callfence_sip_messages_total', kind='invite')
    check(judged == 5, 'judged: every request but the resend (%d)' % judged)
    check(d.metric('callfence_sip_messages_total',
                   kind='invite_retransmission') == 1,
          'one retransmission answered from the cache')
    check(d.metric('callfence_sip_messages_total',
                   kind='invite_transaction_reused') == 2,
          'two reuses of a judged transaction counted')
    d.stop()


def hep3(payload, src, dst, t=None):
    """A HEP3 datagram (generic chunks, vendor 0) carrying SIP over UDP
    from @src to @dst, (ip, port) pairs of IPv4."""
    import struct
    t = time.time() if t is None else t

    def chunk(kind, data):
        return struct.pack('!HHH', 0, kind, 6 + len(data)) + data

    body = (chunk(0x01, b'\x02') + chunk(0x02, b'\x11') +
            chunk(0x03, socket.inet_aton(src[0])) +
            chunk(0x04, socket.inet_aton(dst[0])) +
            chunk(0x07, struct.pack('!H', src[1])) +
            chunk(0x08, struct.pack('!H', dst[1])) +
            chunk(0x09, struct.pack('!I', int(t))) +
            chunk(0x0a, struct.pack('!I', int(t * 1e6) % 1000000)) +
            chunk(0x0b, b'\x01') + chunk(0x0c, struct.pack('!I', 1)) +
            chunk(0x0f, payload))
    return b'HEP3' + struct.pack('!H', 6 + len(body)) + body


def test_hep(tmp):
    rules = write(tmp, 'w.rules', WANGIRI)
    hport = dt.free_port()
    d = Daemon(tmp, rules, workers=2,
               extra=['--hep-listen', '127.0.0.1:%d' % hport])
    peer = Peer(d)
    mirror = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    uac, proxy, uas = ('10.0.0.1', 5060), ('10.0.0.2', 5060), ('10.0.0.3', 5060)
    wangiri = '+8617000000002'
    codes = []
    for i in range(6):
        code, cid = peer.call(wangiri)
        codes.append(code)
        cancel = sip('CANCEL', wangiri, '+8613912345678', cid,
                     'i%d' % peer.n, peer.port)
        # As the proxy received it, and as it sent it on.
        mirror.sendto(hep3(cancel, uac, proxy), ('127.0.0.1', hport))
        mirror.sendto(hep3(cancel, proxy, uas), ('127.0.0.1', hport))
        # The mirror is a separate socket: give it time to land.
        time.sleep(0.05)
    check(codes == [302] * 4 + [603] * 2,
          'wangiri from the HEP mirror: blocked once 4 calls were CANCELled '
          '(%s)' % codes)
    # An honest caller: the mirror shows the screening server's own 302
    # (a redirect: the call goes on), the answer and the BYE.
    honest = '+8613800000098'
    codes = []
    for i in range(6):
        code, cid = peer.call(honest)
        codes.append(code)
        for m in (sip(None, honest, '+8613912345678', cid, 'i%d' % peer.n,
                      peer.port, status=302),
                  sip(None, honest, '+8613912345678', cid, 'i%d' % peer.n,
                      peer.port, status=200),
                  sip('BYE', honest, '+8613912345678', cid, 'b%d' % peer.n,
                      peer.port, cseq=2)):
            mirror.sendto(hep3(m, proxy, uac), ('127.0.0.1', hport))
        time.sleep(0.05)
    check(codes == [302] * 6, 'a mirrored 302 is no release: an honest '
          'caller is never a wangiri (%s)' % codes)
    invite = sip('INVITE', wangiri, '+8613912345678', 'x', 'x', peer.port)
    mirror.sendto(hep3(invite, uac, proxy), ('127.0.0.1', hport))
    mirror.sendto(b'HEP3\x00\x02', ('127.0.0.1', hport))
    time.sleep(0.1)
    check(d.metric('callfence_hep_messages_total', kind='learnt') == 24,
          'every mirrored CANCEL, 200 and BYE learnt (24)')
    check(d.metric('callfence_hep_messages_total', kind='no_call_event') == 6,
          'the mirrored 302s are no call event (6)')
    check(d.metric('callfence_hep_messages_total', kind='invite_ignored') == 1,
          'a mirrored INVITE is not judged again')
    check(d.metric('callfence_hep_messages_total', kind='undecodable') == 1 and
          d.metric('callfence_hep_errors_total', reason='bad-length') == 1,
          'a broken HEP datagram is counted by reason')
    check(d.metric('callfence_calls_total') == 12, 'twelve calls judged')
    d.stop()


def stop(d):
    """SIGSTOP, and wait until the daemon is stopped (signals are
    delivered asynchronously)."""
    d.p.send_signal(signal.SIGSTOP)
    deadline = time.time() + 5
    while time.time() < deadline:
        with open('/proc/%d/stat' % d.p.pid) as f:
            if f.read().rsplit(')', 1)[1].split()[0] == 'T':
                return
        time.sleep(0.005)
    fail('callfenced did not stop on SIGSTOP')


def test_shed(tmp):
    rules = write(tmp, 'c.rules', CACHE)
    want = {'fail-closed': 503, 'fail-open': 302, 'drop': None}
    for policy in ('fail-closed', 'fail-open', 'drop'):
        sub = os.path.join(tmp, policy)
        os.mkdir(sub)
        d = Daemon(sub, rules, workers=1,
                   extra=['--overload', policy, '--overload-delay', '30'])
        peer = Peer(d)
        stop(d)
        try:
            for i in range(50):
                peer.send(sip('INVITE', '+861700000%04d' % i,
                              '+8613912345678', 'q%d' % i, 'q%d' % i,
                              peer.port))
            time.sleep(0.2)
        finally:
            d.p.send_signal(signal.SIGCONT)
        answers = []
        peer.s.settimeout(0.5)
        try:
            while True:
                answers.append(peer.s.recv(65536))
        except socket.timeout:
            pass
        code = want[policy]
        if code:
            check(len(answers) == 50 and
                  all(a.startswith(b'SIP/2.0 %d ' % code) for a in answers),
                  '%s: the 50 INVITEs that queued 200 ms answered %d, '
                  'unjudged (%d: %s)' % (policy, code, len(answers),
                                        set(a[:12] for a in answers)))
        else:
            check(not answers, 'drop: the queued INVITEs get no answer')
        if code == 503:
            check(all(b'\r\nRetry-After: 1\r\n' in a for a in answers),
                  'fail-closed: each 503 says Retry-After')
        check(d.metric('callfence_overload_shed_total') == 50 and
              d.metric('callfence_overload_actions_total',
                       policy=policy) == 50,
              '%s: 50 shed, counted as overload actions' % policy)
        check(d.metric('callfence_calls_total') == 0, 'none judged')
        peer.s.settimeout(3)
        check(peer.call('+8617000000001')[0] == 603,
              '%s: a fresh INVITE is judged again (603)' % policy)
        d.stop()


class StuckReader:
    """A FIFO at @path held open by a reader that never reads."""

    def __init__(self, path):
        os.mkfifo(path)
        self.p = subprocess.Popen(
            [sys.executable, '-c',
             'import sys, time\nf = open(sys.argv[1], "rb")\ntime.sleep(60)',
             path])
        dt.RUNNING.append(self.p)

    def close(self):
        self.p.kill()
        self.p.wait()


def stops_within(d, seconds):
    t0 = time.time()
    d.p.send_signal(signal.SIGTERM)
    try:
        d.p.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        fail('callfenced did not stop within %d s' % seconds)
    return time.time() - t0


class Dribbler(threading.Thread):
    """A control client that sends its command a byte every 1.5 s."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.stop = threading.Event()

    def run(self):
        for b in b'reload\n':
            if self.stop.wait(1.5):
                break
            try:
                self.s.send(bytes([b]))
            except OSError:
                break

    def close(self):
        self.stop.set()
        self.s.close()


def stalled_control_clients(tmp, rules):
    """Control clients that dribble their command or never read their
    reply hold up neither another client nor SIGTERM."""
    d = Daemon(tmp, rules, workers=1)
    dribblers = [Dribbler(d.control) for _ in range(3)]
    for c in dribblers:
        c.start()
    # A metrics reader that reads nothing, with the smallest buffer.
    hog = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    hog.connect(d.control)
    hog.send(b'metrics\n')
    time.sleep(0.3)
    t0 = time.time()
    out = subprocess.run([dt.CALLFENCE, 'reload', '--control', d.control],
                         capture_output=True, text=True, timeout=20)
    took = time.time() - t0
    check(out.returncode == 0 and took < 1.0,
          'a reload beside 3 dribbling clients and one that reads '
          'nothing: answered in %.2f s (%r)' % (took, out.stdout.strip()))
    took = stops_within(d, 10)
    check(took < 1.5, 'SIGTERM with those clients connected: stopped in '
          '%.2f s' % took)
    for c in dribblers:
        c.close()
    hog.close()


def test_stall(tmp):
    rules = write(tmp, 's.rules', RATE % 'rate')
    own = os.path.join(tmp, 'control-clients')
    os.mkdir(own)
    stalled_control_clients(own, rules)
    reader = StuckReader(os.path.join(tmp, 'verdicts.jsonl'))
    d = Daemon(tmp, rules, workers=2)
    peer = Peer(d)
    # A record is ~500 bytes: 400 fill the 64 KiB pipe many times.
    codes = [peer.call('+861380%07d' % i)[0] for i in range(400)]
    check(codes == [302] * 400, 'every call answered with the log stuck')
    took = stops_within(d, 15)
    check('stuck' in d.log(), 'the stuck writer is reported')
    check(True, 'SIGTERM with the log stuck: stopped in %.1f s' % took)
    reader.close()

    # The tap of a file waits for its logger, but not for ever.
    os.unlink(os.path.join(tmp, 'verdicts.jsonl'))
    reader = StuckReader(os.path.join(tmp, 'verdicts.jsonl'))
    sample = os.path.join(dt.SRCDIR, 'rules', 'examples', 'sample')
    carrier = os.path.join(dt.SRCDIR, 'rules', 'examples', 'carrier.rules')
    d = Daemon(tmp, carrier, workers=1,
               extra=['--tap', os.path.join(sample, 'calls.pcap'),
                      '--log-ring-size', '64',
                      '--list', 'blacklist=' +
                      os.path.join(sample, 'blacklist.txt')])
    out = subprocess.run([dt.CALLFENCE, 'reload', '--control', d.control],
                         capture_output=True, text=True, timeout=20)
    check(out.returncode == 0, 'a reload while the tap waits on the log '
          'is answered (%r %r)' % (out.stdout.strip(), out.stderr.strip()))
    try:
        rc = d.p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        fail('the tap did not finish its file with the log stuck')
    check(rc == 0, 'the tap finished the file and stopped (rc %d)' % rc)
    check('dropping them' in d.log(), 'the tap says it drops records')
    reader.close()


def main():
    tmp = tempfile.mkdtemp(prefix='cfd-plane-')
    try:
        {'state': test_state, 'workers': test_workers,
         'releases': test_releases, 'monitor': test_monitor,
         'cache': test_cache, 'stall': test_stall,
         'hep': test_hep, 'shed': test_shed}[TEST](tmp)
    finally:
        kill_running()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
