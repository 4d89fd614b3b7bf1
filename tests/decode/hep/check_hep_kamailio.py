#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Kamailio's HEP mirror, afresh, against callfence's HEP decoder.

    check_hep_kamailio.py HEP_DUMP SRCDIR

Runs tests/data/hep/make_hep.py into a temporary directory, for HEP3 and
HEPv2: Kamailio with etc/kamailio-hep.cfg, SIPp calls through it on
loopback (answered, cancelled, busy, answered over IPv6), the HEP
datagrams it sends, and their truth from sngrep and tshark.  Then:

  - hep_dump (callfence's decoder, and its SIP parser on the payload)
    reads every datagram, and every column of every row equals the truth;
  - the config's other branches (screening, auth key) pass kamailio -c;
  - the mirror is complete: each message of each call is there as the
    proxy received it and as it sent it on (100 Trying only sent), so
    answers, CANCELs, BYEs and failures reach callfenced from both sides.

Needs kamailio, sipp, sngrep, tshark and the right to capture on lo (root),
all of which scripts/setup-debian.sh and CI provide: a missing one fails.
Bounded in time; make_hep.py kills what it started.
"""

import collections
import csv
import os
import subprocess
import sys
import tempfile

HEP_DUMP, SRCDIR = sys.argv[1:3]
MAKE = os.path.join(SRCDIR, 'tests', 'data', 'hep', 'make_hep.py')

# Per call (make_hep.py's CALLS, in order), what the proxy
# must both receive and send: requests by method, responses by status and
# CSeq method.
EXPECT = {
    'answer': ['INVITE', '180/INVITE', '200/INVITE', 'ACK', 'BYE',
               '200/BYE'],
    'cancel': ['INVITE', '180/INVITE', 'CANCEL', '200/CANCEL',
               '487/INVITE', 'ACK'],
    'busy': ['INVITE', '486/INVITE', 'ACK'],
}


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print('ok: ' + msg)


def kind(row):
    if row['method']:
        return row['method']
    return '%s/%s' % (row['status'], row['cseq_method'])


def check_version(tmp, version):
    name = 'v%d' % version
    r = subprocess.run([sys.executable, MAKE, '--out', tmp, '--name', name,
                        '--hep-version', str(version)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=240)
    out = r.stdout.decode()
    if r.returncode != 0:
        fail('make_hep.py --hep-version %d:\n%s' % (version, out[-3000:]))
    truth = list(csv.DictReader(open(os.path.join(tmp, name +
                                                  '.truth.csv'))))
    d = subprocess.run([HEP_DUMP, os.path.join(tmp, name + '.bin')],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    if d.returncode != 0:
        fail('hep_dump: ' + d.stderr.decode())
    ours = list(csv.DictReader(d.stdout.decode().splitlines()))
    check(len(ours) == len(truth) and len(truth) >= 40,
          'HEPv%d: %d datagrams from Kamailio, %d truth rows' %
          (version, len(ours), len(truth)))
    for o, t in zip(ours, truth):
        for col in t:
            if o[col] != t[col]:
                fail('HEPv%d datagram %s %s: callfence %r, truth %r' %
                     (version, t['datagram'], col, o[col], t[col]))
    print('ok: HEPv%d: every column of every datagram as sngrep and '
          'tshark read it' % version)

    # The proxy's port is in every datagram, as source or destination.
    ports = collections.Counter()
    for t in truth:
        ports[t['src_port']] += 1
        ports[t['dst_port']] += 1
    proxy = ports.most_common(1)[0][0]
    seen = collections.defaultdict(lambda: collections.Counter())
    calls = {}
    for t in truth:
        if t['call_id'].startswith('probe-'):
            continue
        where = 'in' if t['dst_port'] == proxy else 'out'
        seen[t['call_id']][(kind(t), where)] += 1
        if t['method'] == 'INVITE' and where == 'in':
            calls.setdefault(t['call_id'], (t['src_ip'], None))
    # make_hep.py places the calls one after another, in this order.
    order = list(seen)
    check(len(order) == 4, 'HEPv%d: four calls mirrored' % version)
    users = dict(zip(order, ('answer', 'cancel', 'busy', 'answer')))
    check(calls[order[3]][0] == '::1' and
          all(calls[c][0] == '127.0.0.1' for c in order[:3]),
          'HEPv%d: the last call over IPv6, the others over IPv4' % version)
    for cid, user in users.items():
        for k in EXPECT[user]:
            for where in ('in', 'out'):
                if not seen[cid][(k, where)]:
                    fail('HEPv%d %s call %s: no %s %s the proxy' %
                         (version, user, cid, k,
                          'into' if where == 'in' else 'out of'))
        if not seen[cid][('100/INVITE', 'out')]:
            fail('HEPv%d %s call: no 100 Trying of the proxy' %
                 (version, user))
    print('ok: HEPv%d: every message of every call, into and out of the '
          'proxy (and its 100 Trying)' % version)


def check_config_variants():
    """The branches of the config the calls above do not take parse: the
    screening relay and the auth key (not run here: callfenced's HEP
    port does not exist yet)."""
    sys.path.insert(0, os.path.dirname(MAKE))
    import make_hep
    moddir = make_hep.find_moddir()
    r = subprocess.run(['kamailio', '-c', '-f', make_hep.CFG, '-L', moddir,
                        '-A', 'WITH_SCREENING', '-A',
                        'CF_SCREEN_URI="sip:127.0.0.1:5070"', '-A',
                        'CF_HEP_AUTH_KEY="k3y"', '-A', 'CF_HEP_VERSION=2'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    check(r.returncode == 0, 'etc/kamailio-hep.cfg with WITH_SCREENING, '
          'CF_HEP_AUTH_KEY and HEPv2 passes kamailio -c' +
          ('' if r.returncode == 0 else ':\n' + r.stdout.decode()[-1500:]))


def main():
    check_config_variants()
    with tempfile.TemporaryDirectory(prefix='cf-hep-check-') as tmp:
        check_version(tmp, 3)
        check_version(tmp, 2)


if __name__ == '__main__':
    main()
