#!/usr/bin/env python3
"""`callfence replay` on callfence's own captures (tests/data/captures),
every field of every set-up against the tshark truth written beside them.

Unlike the shared corpus check, which compares what tshark shows of the
public captures, every record field is compared here:

  proto, call_ref      "sip" + the Call-ID; "isup" + OPC:DPC:CIC.  SIP-I
                       (an IAM in the INVITE's body) is one record, the
                       SIP one, with every party the IAM carries taken
                       from the IAM (rules/README.md says why)
  caller_raw           SIP: the user part of the first P-Asserted-Identity
                       value with a number (tshark's raw PAI headers split
                       here at commas outside quotes and <>), else From's;
                       ISUP: the Calling Party digits (ST dropped)
  callee_raw           SIP: the Request-URI user part, else To's;
                       ISUP: the Called Party digits
  caller, callee       SIP: `callfence normalise` of the raw user part,
  redirecting          %-decoded, with a tel: phone-context in front;
  original_called      ISUP: `callfence normalise --nai` with tshark's NOA
  generic              SIP redirecting: the topmost Diversion, else the
                       first History-Info entry when there are several;
                       original_called and generic are ISUP-only
  presentation         SIP: Privacy id/header/user; ISUP: APRI

The normaliser has its own tests: here it turns tshark's digits and NOA
into the form the record prints, so what is checked is that the decoder
found the right digits, NOA and URI.

bad_packets.pcap has no truth: its records and its decode errors by reason
(replay's stderr summary) must be exactly BAD_RECORDS and BAD_ERRORS.

usage: check_replay_captures.py CALLFENCE CAPTURES_DIR
"""
import csv
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_replay_corpus import PLAN, replay, st_stripped  # noqa: E402

NAI_NAMES = {"1": "subscriber", "3": "national", "4": "international"}

# (frame, proto, call_ref) of every record of bad_packets.pcap, in order.
BAD_RECORDS = [
    ("4", "sip", "bad-multipart"),   # the SIP record stays, its body is bad
    ("5", "sip", "bad-next-ok"),
    ("10", "isup", "100:200:90"),
]
# Decode errors by reason, and capture-layer counters, for bad_packets.pcap.
BAD_ERRORS = {
    "sip:truncated": 2,        # cut datagram; Content-Length past the end
    "sip:no-colon": 1,
    "sip:bad-multipart": 1,    # multipart body without its delimiter
    "ss7:truncated": 2,        # IAM cut in its fixed part; M3UA length lies
    "ss7:bad-pointer": 1,      # Called Party pointer past the message
}
BAD_CAPTURE = {"sctp:bad-chunk": 1}  # SCTP chunk length past the packet


def normalise(cf, text, nai="unknown"):
    out = subprocess.run([cf, "normalise", *PLAN, "--nai", nai], input=text + "\n",
                         check=True, capture_output=True, text=True).stdout
    f = out.rstrip("\n").split("\t")
    return "" if len(f) < 2 or f[1] == "invalid" else f[1]


def split_values(header):
    """One header's values: commas outside quotes and <> separate them."""
    out, cur, quoted, angle, esc = [], "", False, False, False
    for c in header:
        if esc:
            esc = False
        elif quoted and c == "\\":
            esc = True
        elif c == '"':
            quoted = not quoted
        elif not quoted and c in "<>":
            angle = c == "<"
        elif c == "," and not quoted and not angle:
            out.append(cur.strip())
            cur = ""
            continue
        cur += c
    return [v for v in out + [cur.strip()] if v]


def value_uri(value):
    """The URI of a name-addr or addr-spec value."""
    m = re.search(r'<([^>]*)>', re.sub(r'"(\\.|[^"\\])*"', '""', value))
    return m.group(1) if m else value.split(";")[0].strip()


def uri_user(uri):
    """(user part as written, without user parameters; its number, %-decoded
    and with a tel: phone-context in front), or ("", "")."""
    scheme, _, rest = uri.partition(":")
    scheme = scheme.lower()
    if scheme == "tel":
        num, *params = rest.split("?")[0].split(";")
        ctx = next((p.split("=", 1)[1] for p in params
                    if p.lower().startswith("phone-context=")), "")
        full = ctx + num if not num.startswith("+") and ctx.startswith("+") else num
        return num, full
    if scheme in ("sip", "sips") and "@" in rest:
        user = rest.split("@")[0].split(";")[0]
        return user, urllib.parse.unquote(user)
    return "", ""


def has_number(user):
    return bool(re.fullmatch(r"\+?[0-9().\-]*[0-9][0-9().\-]*", user))


def header_values(raw):
    """tshark joins repeated headers with ' | '."""
    return [v for h in raw.split(" | ") if h for v in split_values(h)]


def sip_want(cf, t):
    caller = next((uri_user(value_uri(v)) for v in header_values(t["pai_raw"])
                   if has_number(uri_user(value_uri(v))[1])), None)
    if caller is None:
        caller = uri_user(t["from_addr"])
    callee = uri_user(t["r_uri"])
    if not callee[0]:
        callee = uri_user(t["to_addr"])
    div = header_values(t["diversion_raw"])
    hist = header_values(t["history_info_raw"])
    redir = div[0] if div else hist[0] if len(hist) > 1 else ""
    restricted = any(tok.strip().lower() in ("id", "header", "user")
                     for p in t["privacy"].split(" | ") for tok in re.split("[;,]", p))
    return {
        "proto": "sip", "call_ref": t["call_id"],
        "caller_raw": caller[0], "callee_raw": callee[0],
        "caller": normalise(cf, caller[1]) if caller[1] else "",
        "callee": normalise(cf, callee[1]) if callee[1] else "",
        "redirecting": normalise(cf, uri_user(value_uri(redir))[1]) if redir else "",
        "original_called": "", "generic": "",
        "presentation": "restricted" if restricted else "allowed",
    }


def isup_number(cf, digits, noa):
    d = st_stripped(digits)
    return normalise(cf, d, NAI_NAMES.get(noa, "unknown")) if d else ""


def isup_want(cf, t):
    gens = [g.split("/") for g in filter(None, t["generic_numbers"].split(";"))]
    pick = next((g for g in gens if g[0] == "6"), gens[0] if gens else None)
    return {
        "proto": "isup",
        "call_ref": f"{t['opc']}:{t['dpc']}:{t['cic']}",
        "caller_raw": st_stripped(t["calling_digits"]),
        "callee_raw": st_stripped(t["called_digits"]),
        "caller": isup_number(cf, t["calling_digits"], t["calling_noa"]),
        "callee": isup_number(cf, t["called_digits"], t["called_noa"]),
        "redirecting": isup_number(cf, t["redirecting_digits"], t["redirecting_noa"]),
        "original_called": isup_number(cf, t["ocn_digits"], t["ocn_noa"]),
        "generic": isup_number(cf, pick[-1], pick[1]) if pick else "",
        "presentation": {"0": "allowed", "1": "restricted",
                         "3": "restricted"}.get(t["calling_apri"], ""),
    }


# Which ISUP fields a party of the IAM fills, by the truth column that
# says the IAM carried it.
SIPI_FIELDS = {
    "calling_digits": ("caller_raw", "caller", "presentation"),
    "called_digits": ("callee_raw", "callee"),
    "redirecting_digits": ("redirecting",),
    "ocn_digits": ("original_called",),
    "generic_numbers": ("generic",),
}


def sipi_want(cf, sip_t, isup_t):
    """SIP-I: the SIP record, the parties the IAM carries in place."""
    want = sip_want(cf, sip_t)
    isup = isup_want(cf, isup_t)
    for column, fields in SIPI_FIELDS.items():
        if isup_t[column]:
            for k in fields:
                want[k] = isup[k]
    return want


def check_capture(cf, d, name, failures):
    rows, by_frame = replay(cf, os.path.join(d, name))
    truth = []
    for kind in ("sip", "isup"):
        p = os.path.join(d, f"{name}.{kind}.truth.csv")
        if os.path.exists(p):
            truth += [(kind, t) for t in csv.DictReader(open(p))
                      if kind == "sip" or t["msg_type"] == "1"]
    # SIP-I: the IAM joins the INVITE of its frame.
    sipi = {t["frame"]: t for k, t in truth
            if k == "isup" and t["transport"].startswith("sip-i/")}
    truth = [(k, t) for k, t in truth
             if not (k == "isup" and t["frame"] in sipi)]
    truth.sort(key=lambda kt: (int(kt[1]["frame"]), kt[0] != "sip",
                               int(kt[1]["msg_idx"])))
    if len(rows) != len(truth):
        failures.append(f"{name}: {len(rows)} records, tshark saw {len(truth)} set-ups")
    compared = 0
    for (kind, t), o in zip(truth, rows):
        where = f"{name} frame {t['frame']}"
        if o["frame"] != t["frame"]:
            failures.append(f"{where}: record of frame {o['frame']} instead")
            continue
        if kind == "isup":
            want = isup_want(cf, t)
        elif t["frame"] in sipi:
            want = sipi_want(cf, t, sipi[t["frame"]])
        else:
            want = sip_want(cf, t)
        missing = set(o) - set(want) - {"frame"}
        if missing:
            failures.append(f"{where}: fields not checked: {sorted(missing)}")
        for k, v in want.items():
            if o.get(k) != v:
                failures.append(f"{where}: {k} {o.get(k)!r}, tshark {v!r}")
        compared += 1
    return compared


def check_bad(cf, d, failures):
    path = os.path.join(d, "bad_packets.pcap")
    out = subprocess.run([cf, "replay", "--format", "csv", *PLAN, path],
                         capture_output=True, text=True)
    if out.returncode != 0:
        failures.append(f"bad_packets.pcap: replay failed: {out.stderr}")
        return
    rows = list(csv.DictReader(out.stdout.splitlines()))
    got = [(r["frame"], r["proto"], r["call_ref"]) for r in rows]
    if got != BAD_RECORDS:
        failures.append(f"bad_packets.pcap: records {got}, want {BAD_RECORDS}")
    errors = {}
    for line in out.stderr.splitlines():
        if line.startswith("decode errors:"):
            f = line.split(":", 1)[1].split()
            errors = {f[i]: int(f[i + 1]) for i in range(0, len(f), 2)}
    if errors != BAD_ERRORS:
        failures.append(f"bad_packets.pcap: decode errors {errors}, want {BAD_ERRORS}")
    for k, v in BAD_CAPTURE.items():
        if f"{k} {v}" not in out.stderr.splitlines():
            failures.append(f"bad_packets.pcap: capture counter {k} is not {v}")


def main():
    cf, d = sys.argv[1:3]
    failures = []
    total = 0
    for name in sorted(os.listdir(d)):
        if name.endswith(".pcap") and name != "bad_packets.pcap":
            total += check_capture(cf, d, name, failures)
    check_bad(cf, d, failures)
    for f in failures[:60]:
        print(f)
    print(f"{total} set-ups compared on every field, bad packets checked, "
          f"{len(failures)} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
