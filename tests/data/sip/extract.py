#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Golden SIP vectors from the shared corpus, with tshark as the oracle.

Writes corpus_<capture>_f<frame>.sip (the raw UDP payload of an INVITE) and
corpus.tsv (what the decoder must find in it), from the truth CSVs that
make_truth.py produced with tshark.  Run from tests/data/sip:

    ./extract.py /work/shared/corpus

Where our reading differs from tshark's on purpose, the expected value is
derived here, and the rule says why (see the README of the corpus):
  * user parts: tshark keeps RFC 4694 user parameters ("+1202...;cpc=x");
    the decoder splits them off, so the expected user is cut at ';'.
  * tel: URIs: tshark leaves *_user empty; the decoder's user is the
    number, taken from the URI up to ';'.
  * bare IPv6 hosts (not RFC 3261): tshark says "fec0"; the decoder keeps
    the whole literal and splits off a port only when all digits.
  * repeated Diversion/History-Info headers are joined with " | " by
    make_truth.py; the decoder splits every comma-separated entry.
"""
import csv, os, subprocess, sys

PER_CAPTURE = 3
COLS = ['file', 'method', 'call_id', 'cseq', 'ruri_user', 'ruri_host',
        'from_user', 'from_tag', 'to_user', 'pai_user', 'privacy',
        'diversion_first', 'n_diversion', 'n_history', 'contact_user']

def split_list(v):
    """Comma-separated values, commas in quotes and <> not counted."""
    out, cur, q, a, i = [], '', False, False, 0
    while i < len(v):
        c = v[i]
        if q:
            if c == '\\':
                cur += v[i:i + 2]; i += 2; continue
            if c == '"':
                q = False
        elif c == '"':
            q = True
        elif c == '<':
            a = True
        elif c == '>':
            a = False
        elif c == ',' and not a:
            out.append(cur.strip()); cur = ''; i += 1; continue
        cur += c; i += 1
    if cur.strip():
        out.append(cur.strip())
    return out

def entries(raw):
    return [e for h in raw.split(' | ') if h for e in split_list(h)]

def user(addr, tshark_user):
    if addr.lower().startswith('tel:'):
        return addr[4:].split(';')[0]
    return tshark_user.split(';')[0]

def host(uri, tshark_host):
    hp = uri.split(':', 1)[-1].split('@', 1)[-1].split(';')[0]
    if hp.count(':') > 1 and not hp.startswith('['):
        h, _, port = hp.rpartition(':')
        return h if port.isdigit() else hp
    return tshark_host

def expected(fn, r):
    div = entries(r['diversion_raw'])
    return [fn, r['method'], r['call_id'], r['cseq'],
            user(r['r_uri'], r['r_uri_user']), host(r['r_uri'], r['r_uri_host']),
            user(r['from_addr'], r['from_user']), r['from_tag'],
            user(r['to_addr'], r['to_user']),
            user(r['pai_addr'].split(' | ')[0], r['pai_user'].split(' | ')[0]),
            r['privacy'], div[0] if div else '', str(len(div)),
            str(len(entries(r['history_info_raw']))),
            r['contact_user'].split(';')[0]]

def main():
    corpus = sys.argv[1]
    out = [COLS]
    for name in sorted(os.listdir(corpus)):
        if not name.endswith('.sip.truth.csv'):
            continue
        cap = name[:-len('.sip.truth.csv')]
        rows = list(csv.DictReader(open(os.path.join(corpus, name))))
        rows = [r for r in rows if r['transport'] == 'udp' and r['resend'] == '0']
        if not cap.startswith('synthetic'):
            rows = rows[:PER_CAPTURE]
        if not rows:
            continue
        res = subprocess.run(['tshark', '-n', '-r', os.path.join(corpus, cap),
                              '-Y', 'sip.Method=="INVITE"', '-T', 'fields',
                              '-E', 'occurrence=l', '-e', 'frame.number',
                              '-e', 'udp.payload'],
                             capture_output=True, text=True).stdout
        payload = dict(l.split('\t') for l in res.splitlines() if '\t' in l)
        base = cap.split('.')[0]
        for r in rows:
            hexdata = payload.get(r['frame'], '').strip()
            if not hexdata:
                continue
            fn = 'corpus_%s_f%s.sip' % (base, r['frame'])
            open(fn, 'wb').write(bytes.fromhex(hexdata))
            out.append(expected(fn, r))
    with open('corpus.tsv', 'w') as f:
        for row in out:
            assert not any('\t' in c or '\n' in c for c in row)
            f.write('\t'.join(row) + '\n')

main()
