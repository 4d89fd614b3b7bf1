#!/usr/bin/env python3
"""`callfence replay` on every capture of the shared corpus, field by field
against what tshark decoded (the *.truth.csv files).

Raw caller and callee texts must equal tshark's; call references and
presentation must agree; the redirecting, original-called and generic
numbers must be what `callfence normalise` makes of tshark's digits and
nature of address (so the decoder's digits and NAI are what is checked,
not the normaliser, which has its own tests).  Every set-up tshark saw must
be in the output and nothing else.

SIP-I (tshark's transport "sip-i/sctp"): an INVITE whose application/ISUP
body part holds an IAM is one call, one record (proto sip, the Call-ID as
its call_ref).  Every party the IAM carries is the call's (the IAM wins,
rules/README.md says why), so those fields are compared with tshark's ISUP
decode and not with its SIP one; a party the IAM lacks keeps the SIP
header's.  Where tshark is wrong or decodes more
than an RFC decoder should, the case is listed in KNOWN with the reason.

usage: check_replay_corpus.py CALLFENCE CORPUS_DIR
"""
import csv
import io
import os
import subprocess
import sys

PLAN = ["--country-code", "1"]

# (file, frame): why our output differs from tshark's, on purpose.
KNOWN = {
    ("wswiki_isup_m3ua_draft6.cap", "isup"):
        "pre-RFC 4666 M3UA (draft 6): rejected and counted as m3ua-draft, "
        "which the corpus README allows",
}


def replay(cf, path):
    out = subprocess.run([cf, "replay", "--format", "csv", *PLAN, path],
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"replay {path} failed: {out.stderr}")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    by_frame = {}
    for r in rows:
        by_frame.setdefault(r["frame"], []).append(r)
    return rows, by_frame


def normalise_all(cf, pairs):
    """E.164 for each (digits, nai) as `callfence normalise` reads it."""
    result = {}
    names = {"1": "subscriber", "3": "national", "4": "international"}
    for nai in set(n for _, n in pairs):
        digits = sorted(set(d for d, n in pairs if n == nai and d))
        if not digits:
            continue
        out = subprocess.run([cf, "normalise", *PLAN, "--nai",
                              names.get(nai, "unknown")],
                             input="\n".join(digits) + "\n", check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split("\t")
            result[(f[0], nai)] = "" if f[1] == "invalid" else f[1]
    return result


def st_stripped(d):
    # tshark shows the ST end-of-pulsing signal as a trailing F.
    return d[:-1] if d.endswith("F") else d


def uri_user(uri, user):
    """The user part tshark saw, without user parameters; tel: numbers."""
    if not user and uri.startswith("tel:"):
        user = uri[4:]
    return user.split(";")[0]


def sipi_frames(isup_rows):
    """Frames whose INVITE carries an IAM: the IAM's parties win there."""
    return {t["frame"] for t in isup_rows
            if t["transport"].startswith("sip-i") and t["msg_type"] == "1"}


def check_sip(name, truth_rows, by_frame, failures, sipi=frozenset()):
    seen = 0
    for t in truth_rows:
        ours = by_frame.get(t["frame"], [])
        idx = int(t["msg_idx"] or 1) - 1
        if idx >= len(ours):
            failures.append(f"{name} frame {t['frame']}: INVITE missing")
            continue
        o = ours[idx]
        seen += 1
        callee = uri_user(t["r_uri"], t["r_uri_user"]) or uri_user(t["to_addr"], t["to_user"])
        pai = t["pai_user"].split(" | ")[0] if t["pai_user"] else ""
        if not pai and t["pai_addr"].startswith("tel:"):
            pai = uri_user(t["pai_addr"], "")
        caller = pai.split(";")[0] if pai else t["from_user"].split(";")[0]
        restricted = any(p in t["privacy"].split(";") for p in ("id", "header", "user"))
        want = {
            "proto": "sip", "call_ref": t["call_id"], "callee_raw": callee,
            "caller_raw": caller,
            "presentation": "restricted" if restricted else "allowed",
        }
        if t["frame"] in sipi:
            for k in ("callee_raw", "caller_raw", "presentation"):
                del want[k]
        for k, v in want.items():
            if o[k] != v:
                failures.append(f"{name} frame {t['frame']}: {k} {o[k]!r}, tshark {v!r}")
    return seen


def check_isup(cf, name, truth_rows, by_frame, failures):
    iams = [t for t in truth_rows if t["msg_type"] == "1"]
    if iams and (name, "isup") in KNOWN:
        return 0
    pairs = []
    for t in iams:
        for p in ("redirecting", "ocn"):
            pairs.append((st_stripped(t[p + "_digits"]), t[p + "_noa"]))
        for g in filter(None, t["generic_numbers"].split(";")):
            nqi, noa, *_, digits = g.split("/")
            pairs.append((st_stripped(digits), noa))
    norm = normalise_all(cf, pairs)
    seen = 0
    for t in iams:
        sip_i = t["transport"].startswith("sip-i")
        ours = [o for o in by_frame.get(t["frame"], [])
                if o["proto"] == ("sip" if sip_i else "isup")]
        # Several IAMs in one frame (bundled chunks) come in order.
        nth = sum(1 for u in iams if u["frame"] == t["frame"]
                  and int(u["msg_idx"]) < int(t["msg_idx"]))
        if nth >= len(ours):
            failures.append(f"{name} frame {t['frame']}: IAM missing")
            continue
        o = ours[nth]
        seen += 1
        apri = t["calling_apri"]
        want = {
            "call_ref": f"{t['opc']}:{t['dpc']}:{t['cic']}",
            "callee_raw": st_stripped(t["called_digits"]),
            "caller_raw": st_stripped(t["calling_digits"]),
            "presentation": {"0": "allowed", "1": "restricted", "3": "restricted"}.get(apri, ""),
            "redirecting": norm.get((st_stripped(t["redirecting_digits"]), t["redirecting_noa"]), ""),
            "original_called": norm.get((st_stripped(t["ocn_digits"]), t["ocn_noa"]), ""),
        }
        gens = [g.split("/") for g in filter(None, t["generic_numbers"].split(";"))]
        # The generic party is the additional calling party number (NQI 6)
        # when there is one, else the first generic number.
        pick = next((g for g in gens if g[0] == "6"), gens[0] if gens else None)
        want["generic"] = norm.get((st_stripped(pick[-1]), pick[1]), "") if pick else ""
        if sip_i:
            # One record: its Call-ID is checked with the SIP decode;
            # parties the IAM lacks are the SIP headers'.
            carried = {"call_ref": False,
                       "callee_raw": bool(t["called_digits"]),
                       "caller_raw": bool(t["calling_digits"]),
                       "presentation": bool(t["calling_digits"]),
                       "redirecting": bool(t["redirecting_digits"]),
                       "original_called": bool(t["ocn_digits"]),
                       "generic": bool(gens)}
            want = {k: v for k, v in want.items() if carried[k]}
        for k, v in want.items():
            if o[k] != v:
                failures.append(f"{name} frame {t['frame']}: {k} {o[k]!r}, tshark {v!r}")
    return seen


def main():
    cf, corpus = sys.argv[1:3]
    if not os.path.exists(os.path.join(corpus, "MANIFEST.tsv")):
        print(f"no corpus at {corpus}: skipped")
        return 77
    failures = []
    total = 0
    manifest = [l.split("\t")[0] for l in open(os.path.join(corpus, "MANIFEST.tsv"))
                if l.strip() and not l.startswith("#")]
    for name in manifest:
        rows, by_frame = replay(cf, os.path.join(corpus, name))
        expected = 0
        sip_truth = os.path.join(corpus, name + ".sip.truth.csv")
        isup_truth = os.path.join(corpus, name + ".isup.truth.csv")
        isup_rows = (list(csv.DictReader(open(isup_truth)))
                     if os.path.exists(isup_truth) else [])
        sipi = sipi_frames(isup_rows)
        if os.path.exists(sip_truth):
            t = list(csv.DictReader(open(sip_truth)))
            expected += len(t)
            total += check_sip(name, t, by_frame, failures, sipi)
        if isup_rows:
            if (name, "isup") not in KNOWN:
                expected += sum(1 for r in isup_rows if r["msg_type"] == "1"
                                and not r["transport"].startswith("sip-i"))
            total += check_isup(cf, name, isup_rows, by_frame, failures)
        if len(rows) != expected:
            failures.append(f"{name}: {len(rows)} records, tshark saw {expected} set-ups")
    for (name, what), why in KNOWN.items():
        print(f"known: {name} ({what}): {why}")
    for f in failures[:40]:
        print(f)
    print(f"{total} set-ups compared field by field, {len(failures)} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
