#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The RFC 4475 torture messages sent to a live callfenced over UDP, each
answered as ../shared/corpus/rfc4475/README.md (copied with the messages to
tests/data/sip/rfc4475/) says a screening server must:

  valid INVITEs          judged: 302 (the rules allow everyone)
  invalid INVITEs        400, never a 302 that echoes their bytes
  valid other requests   200 to OPTIONS, 405 to the rest
  invalid other requests 400 (505 for badvers)
  responses              no answer
  baddate                judged or 400 (either is allowed)

insuf (no From, To or Call-ID, RFC 4475 §3.1.2.17) gets its 400 with
the Via and CSeq it has, which the client matches a response on.  One
message gets no answer, on purpose, and is checked so: test (no SIP
version and no Via: nowhere to send one; it is not an RFC 4475 message,
the archive carries it).  trws, missing from the README's table, gets
400 (RFC 4475 §3.1.2.10 allows it).

    rfc4475_test.py CALLFENCED CALLFENCE SRCDIR
"""

import os
import socket
import sys
import tempfile
import shutil

sys.argv.append('rfc4475')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402

from daemon_test import Daemon, check, kill_running  # noqa: E402

VALID_INVITE = 'wsinv esc01 longreq invut sdp01 inv2543'.split()
INVALID_INVITE = ('badinv01 clerr escruri insuf ltgtruri lwsruri lwsstart '
                  'multi01 ncl quotbal').split()
VALID_OTHER = ('intmeth esc02 lwsdisp semiuri transports unkscm novelsc '
               'zeromf bext01 badbranch dblreq mpart01 escnull cparam01 '
               'cparam02 regescrt regaut01 unksm2').split()
INVALID_OTHER = ('badaspec baddn mismatch01 mismatch02 mcl01 regbadct '
                 'scalar02 trws').split()
RESPONSES = 'bcast bigcode noreason scalarlg unreason'.split()
UNANSWERABLE = 'test'.split()


def main():
    here = os.path.join(dt.SRCDIR, 'tests', 'data', 'sip', 'rfc4475')
    tmp = tempfile.mkdtemp(prefix='cfd-4475-')
    try:
        rules = os.path.join(tmp, 'allow.rules')
        with open(rules, 'w') as f:
            f.write('plan {\n\tcountry-code 1\n}\ndefault allow\n')
        d = Daemon(tmp, rules, workers=2)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', 0))

        def answer(name, wait=1.0):
            with open(os.path.join(here, name + '.dat'), 'rb') as f:
                s.sendto(f.read(), ('127.0.0.1', d.port))
            s.settimeout(wait)
            try:
                b = s.recv(65536)
            except socket.timeout:
                return None
            return int(b.split(b' ', 2)[1])

        want = {}
        for n in VALID_INVITE:
            want[n] = {302}
        for n in INVALID_INVITE + INVALID_OTHER:
            want[n] = {400}
        want['badvers'] = {505}
        for n in VALID_OTHER:
            with open(os.path.join(here, n + '.dat'), 'rb') as f:
                method = f.read().split(b' ', 1)[0]
            want[n] = {200} if method == b'OPTIONS' else {405}
        for n in RESPONSES + UNANSWERABLE:
            want[n] = {None}
        want['baddate'] = {302, 400}
        files = sorted(f[:-4] for f in os.listdir(here) if f.endswith('.dat'))
        check(sorted(want) == files, 'every message of the set has its '
              'expected answer (%d)' % len(files))
        wrong = []
        for n in files:
            # Silence is waited for a little, an answer a second.
            got = answer(n, 0.3 if want[n] == {None} else 1.0)
            if got not in want[n]:
                wrong.append('%s: %s, want %s' % (n, got, sorted(
                    want[n], key=str)))
        check(not wrong, 'each of the %d answered as RFC 4475 asks%s'
              % (len(files), ''.join('\n  ' + w for w in wrong)))
        check(d.metric('callfence_sip_messages_total', kind='bad_request')
              == len(INVALID_INVITE) + len(INVALID_OTHER) + 1,
              'the 400s and the 505 counted as bad requests')

        # What IMS sends: 40 Vias and over 8 KB of headers to echo, on two
        # workers (the call is handed over half the time).
        for k in range(4):
            vias = ''.join('Via: SIP/2.0/UDP p%d.ims.example.net:5060;'
                           'branch=z9hG4bK%d-%d;received=192.0.2.%d;'
                           'x-token=%s\r\n' % (i, k, i, i, 'y' * 120)
                           for i in range(40))
            rr = ''.join('Record-Route: <sip:p%d.ims.example.net;lr;'
                         'transport=udp;ftag=%s>\r\n' % (i, 'x' * 40)
                         for i in range(40))
            msg = ('INVITE sip:+12125550%03d@ims.example.net;user=phone '
                   'SIP/2.0\r\n%s%s'
                   'From: <sip:+12125551%03d@ims.example.net;user=phone>'
                   ';tag=f%d\r\nTo: <sip:+12125550%03d@ims.example.net>\r\n'
                   'Call-ID: ims-%d\r\nCSeq: 1 INVITE\r\n'
                   'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n'
                   % (k, vias, rr, k, k, k, k)).encode()
            s.sendto(msg, ('127.0.0.1', d.port))
            s.settimeout(2)
            try:
                b = s.recv(65536)
            except socket.timeout:
                b = b''
            check(b.startswith(b'SIP/2.0 302 ') and b.count(b'\r\nVia: ')
                  == 40 and len(vias) > 8192,
                  'an IMS INVITE of %d bytes, 40 Vias: 302 echoing every '
                  'Via (%d)' % (len(msg), b.count(b'\r\nVia: ')))
        d.stop()
    finally:
        kill_running()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
