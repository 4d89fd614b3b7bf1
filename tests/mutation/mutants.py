#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The mutants of tests/mutation/run.sh: one small source change each, a
bug a carrier would pay for, and the tests that should catch it.

    mutants.py list                  name, build, tests, what (tab-separated)
    mutants.py files NAME            the files NAME changes
    mutants.py apply NAME TREE       change TREE (a scratch copy, never the
                                     working tree): every edit's text must
                                     be found exactly as often as it says,
                                     or nothing is written and it exits 2
    mutants.py failed TESTLOG.JSON   the tests a meson run failed, one a line

Each edit is (path, old text, new text, times): exact text, not a regular
expression, so a change to the code that moves or rewrites a pattern makes
the mutant fail loudly instead of silently mutating nothing.

tests: meson test names, or 'suite:NAME' for a whole suite.  build:
'plain' (the default build) or 'asan' (-Db_sanitize=address,undefined,
where a use after free aborts the daemon).
"""

import json
import os
import sys

WORKER = 'tools/callfenced/worker.c'
SCREEN = 'engine/pipeline/screen.c'
CACHE = 'engine/pipeline/screen_cache.c'
PLANE = 'engine/pipeline/plane.c'

DAEMON = ['suite:daemon', 'screen']
RELOADS = ['suite:pipeline', 'callfenced-reload', 'callfenced-compiled',
           'callfenced-state', 'callfenced-storm']

MUTANTS = [
    dict(name='cache-callid',
         what='retransmission cache keyed on the Call-ID alone: a new '
              'CSeq or branch, or other bytes, get the cached answer',
         build='plain', tests=DAEMON,
         edits=[(CACHE,
                 '\th = cf_hash_bytes(m->call_id.p, m->call_id.len);\n'
                 '\th = cf_hash64(h ^ m->cseq);\n'
                 '\tif (branch.p)\n'
                 '\t\th = cf_hash64(h ^ cf_hash_bytes(branch.p, '
                 'branch.len));\n',
                 '\th = cf_hash_bytes(m->call_id.p, m->call_id.len);\n', 1),
                (SCREEN, '\t\tif (e && e->fp != j->fp) {\n',
                 '\t\tif (e && e->fp != j->fp && 0) {\n', 1)]),
    dict(name='log-drops-uncounted',
         what='verdict log records a full ring refuses dropped without '
              'being counted (log_flush)',
         build='plain', tests=DAEMON,
         edits=[(WORKER,
                 '\tif (n < w->n_logq)\n'
                 '\t\t/* The logger is behind: records go, calls never '
                 'wait. */\n'
                 '\t\tcf_metrics_count(w->m, w->d->slots.log_drops, '
                 'w->n_logq - n);\n',
                 '\t(void)n;\n', 1)]),
    dict(name='heur-never-shared',
         what='heuristic state not carried across a reload: '
              'cf_ruleset_scratch_alloc_after() always makes fresh tables',
         build='plain',
         tests=['suite:pipeline', 'suite:ruleset', 'suite:heur'] + DAEMON,
         edits=[('engine/ruleset/ruleset.c',
                 '\tif (!prev || rs->nheurs == 0 || '
                 '!scratch_heur_fits(prev, rs))\n',
                 '\tif (1 || !prev || rs->nheurs == 0 || '
                 '!scratch_heur_fits(prev, rs))\n', 1)]),
    dict(name='free-before-grace',
         what='a reload frees the old ruleset without waiting for the '
              'grace period (no synchronize_rcu() in cf_plane_publish)',
         build='asan', tests=RELOADS,
         edits=[(PLANE,
                 '\t\tsynchronize_rcu();\n'
                 '\t\tsnap_free(old, p->n_workers);\n',
                 '\t\tsnap_free(old, p->n_workers);\n', 1)]),
    dict(name='heur-commit-skipped',
         what='a reload that keeps the heuristics leaves the tables owned '
              'by the old snapshot, which frees them under the new one',
         build='asan', tests=RELOADS,
         edits=[(PLANE,
                 '\tif (carried)\n'
                 '\t\tfor (i = 0; i < p->n_workers; i++)\n'
                 '\t\t\tcf_ruleset_scratch_heur_commit(',
                 '\tif (carried && 0)\n'
                 '\t\tfor (i = 0; i < p->n_workers; i++)\n'
                 '\t\t\tcf_ruleset_scratch_heur_commit(', 1)]),
    dict(name='steer-whole-number',
         what='calls steered by the whole caller number instead of its '
              'block: a gang rotating through a block splits over cores',
         build='plain', tests=['suite:pipeline'] + DAEMON,
         edits=[('engine/pipeline/steer.c',
                 '\t\tif (d && d < cf_numkey_len(c->num.key))\n'
                 '\t\t\treturn cf_numkey_prefix(c->num.key, d);\n'
                 '\t\treturn c->num.key;\n',
                 '\t\t(void)d;\n'
                 '\t\treturn c->num.key;\n', 1)]),
    dict(name='sipi-sip-wins',
         what='SIP-I: the IAM\'s numbers fill only what the SIP headers '
              'lack, so a forged From beats the IAM\'s calling number',
         build='plain',
         tests=['suite:pipeline', 'suite:integration'] + DAEMON,
         edits=[('engine/pipeline/events.c',
                 '\t\tif (isup->party[r].present)\n'
                 '\t\t\tcall->party[r] = isup->party[r];\n',
                 '\t\tif (isup->party[r].present && '
                 '!call->party[r].present)\n'
                 '\t\t\tcall->party[r] = isup->party[r];\n', 1)]),
    dict(name='acl-skipped',
         what='datagrams from outside the peer networks are judged and '
              'answered (ACL check skipped)',
         build='plain', tests=DAEMON,
         edits=[(SCREEN, '\tif (w->s->cfg.acl && !known) {\n',
                 '\tif (w->s->cfg.acl && !known && 0) {\n', 1)]),
    dict(name='fail-closed-opens',
         what='overload policy fail-closed answers the overflow 302: '
              'calls nobody judged are routed on',
         build='plain', tests=DAEMON,
         edits=[(SCREEN,
                 '\tif (pol == CF_SCREEN_FAIL_CLOSED) {\n'
                 '\t\tcf_sip_reply_unavailable(p);\n',
                 '\tif (pol == CF_SCREEN_FAIL_CLOSED) {\n'
                 '\t\tcf_sip_reply_allow(p);\n', 1)]),
    dict(name='events-stay-home',
         what='answers and releases decoded on one core never reach the '
              'core that judged their set-up (hand_event keeps them)',
         build='plain', tests=['suite:pipeline'] + DAEMON,
         edits=[(SCREEN, '\t\tj = claim(w, i, 0, &none);\n',
                 '\t\tcontinue;\n\t\tj = claim(w, i, 0, &none);\n', 1)]),
]
BY_NAME = {m['name']: m for m in MUTANTS}


def die(msg):
    print('mutants.py: ' + msg, file=sys.stderr)
    sys.exit(2)


def mutant(name):
    if name not in BY_NAME:
        die('no mutant %r (mutants.py list)' % name)
    return BY_NAME[name]


def apply(name, tree):
    m = mutant(name)
    texts = {}
    for path, old, new, times in m['edits']:
        full = os.path.join(tree, path)
        if full not in texts:
            try:
                with open(full) as f:
                    texts[full] = f.read()
            except OSError as e:
                die('%s: %s: %s' % (name, path, e))
        found = texts[full].count(old)
        if found != times:
            die('%s: %s: the text to change is found %d times, not %d: '
                'has the code moved?\n--- looked for:\n%s'
                % (name, path, found, times, old))
        texts[full] = texts[full].replace(old, new)
    for full, text in texts.items():
        with open(full, 'w') as f:
            f.write(text)


def failed(log):
    bad = []
    with open(log) as f:
        for line in f:
            r = json.loads(line)
            if r.get('result') not in ('OK', 'SKIP', 'EXPECTEDFAIL'):
                # 'project:suites / name': the name is enough.
                name = r['name'].rsplit(' / ', 1)[-1]
                bad.append('%s(%s)' % (name, r['result'].lower())
                           if r.get('result') != 'FAIL' else name)
    return bad


def main(argv):
    if len(argv) == 2 and argv[1] == 'list':
        for m in MUTANTS:
            print('\t'.join((m['name'], m['build'], ','.join(m['tests']),
                             m['what'])))
    elif len(argv) == 3 and argv[1] == 'files':
        for p in sorted({e[0] for e in mutant(argv[2])['edits']}):
            print(p)
    elif len(argv) == 4 and argv[1] == 'apply':
        apply(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == 'failed':
        for t in failed(argv[2]):
            print(t)
    else:
        die('usage: mutants.py list | files NAME | apply NAME TREE | '
            'failed TESTLOG.JSON')


if __name__ == '__main__':
    main(sys.argv)
