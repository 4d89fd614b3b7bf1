#!/usr/bin/env python3
"""Differential check of the traffic generator's encoders against tshark.

Generates a small mixed capture (SIP over UDP, ISUP over M3UA/SCTP) and
asks tshark, a decoder nobody on the team wrote, what each INVITE and IAM
says: caller and callee must be the numbers the generator's label file
says, and tshark must find no malformed packet and no bad checksum.
Then SIP-I (`--sipi 1`): every INVITE carries an IAM in its
application/ISUP part that tshark decodes to the same caller and callee.

usage: check_gen_tshark.py CALLFENCE_BENCH TSHARK WORKDIR
"""
import csv
import os
import subprocess
import sys


def tshark_fields(tshark, pcap, display_filter, fields):
    cmd = [tshark, "-n", "-r", pcap, "-o", "sctp.checksum:CRC-32C",
           "-o", "ip.check_checksum:TRUE", "-Y", display_filter,
           "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def isup_e164(digits, nai):
    # Q.763 nature of address: 3 national (significant), 4 international.
    return ("86" + digits) if nai == "3" else digits


def main():
    bench, tshark, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(work, "gen.pcap")
    labels = os.path.join(work, "gen.csv")
    subprocess.run([bench, "gen", "--calls", "400", "--seed", "11",
                    "--subscribers", "100000", "--duration", "600",
                    "--pcap", pcap, "--labels", labels], check=True,
                   capture_output=True)
    want = {}
    with open(labels) as f:
        for row in csv.DictReader(f):
            if row["event"] == "setup":
                want[row["frame"]] = (row["proto"], row["caller"], row["callee"])

    failures = []
    seen = 0
    for frame, ruri, pai in tshark_fields(tshark, pcap, 'sip.Method == "INVITE"',
                                          ["frame.number", "sip.r-uri.user", "sip.pai.user"]):
        seen += 1
        got = ("sip", pai.lstrip("+"), ruri.lstrip("+"))
        if want.get(frame) != got:
            failures.append(f"frame {frame}: tshark {got}, labels {want.get(frame)}")
    for frame, called, called_nai, calling, calling_nai in tshark_fields(
            tshark, pcap, "isup.message_type == 1",
            ["frame.number", "isup.called",
             "isup.called_party_nature_of_address_indicator", "isup.calling",
             "isup.calling_party_nature_of_address_indicator"]):
        seen += 1
        got = ("isup", isup_e164(calling, calling_nai.split(",")[0]),
               isup_e164(called, called_nai))
        if want.get(frame) != got:
            failures.append(f"frame {frame}: tshark {got}, labels {want.get(frame)}")
    if seen != len(want):
        failures.append(f"tshark found {seen} set-ups, the labels list {len(want)}")
    bad = tshark_fields(tshark, pcap,
                        "_ws.malformed || sctp.checksum.status == 0 || ip.checksum.status == 0",
                        ["frame.number"])
    if bad:
        failures.append(f"malformed or bad checksum in frames {[b[0] for b in bad][:10]}")
    failures += check_sipi(bench, tshark, work)
    for f in failures[:20]:
        print(f)
    print(f"{seen} set-ups compared, {len(failures)} failures")
    return 1 if failures else 0


def check_sipi(bench, tshark, work):
    """--sipi 1: the IAM in each INVITE names the labelled parties."""
    pcap = os.path.join(work, "sipi.pcap")
    labels = os.path.join(work, "sipi.csv")
    subprocess.run([bench, "gen", "--calls", "300", "--seed", "13",
                    "--proto", "sip", "--sipi", "1", "--subscribers", "100000",
                    "--duration", "600", "--pcap", pcap, "--labels", labels],
                   check=True, capture_output=True)
    want = {}
    with open(labels) as f:
        for row in csv.DictReader(f):
            if row["event"] == "setup":
                want[row["frame"]] = (row["caller"], row["callee"])
    failures = []
    rows = tshark_fields(tshark, pcap, 'sip.Method == "INVITE"',
                         ["frame.number", "sip.pai.user", "isup.calling",
                          "isup.calling_party_nature_of_address_indicator",
                          "isup.called",
                          "isup.called_party_nature_of_address_indicator"])
    for frame, pai, calling, calling_nai, called, called_nai in rows:
        got = (isup_e164(calling, calling_nai.split(",")[0]),
               isup_e164(called, called_nai))
        if want.get(frame) != got or pai.lstrip("+") != got[0]:
            failures.append(f"SIP-I frame {frame}: IAM {got}, PAI {pai}, "
                            f"labels {want.get(frame)}")
    if len(rows) != len(want):
        failures.append(f"SIP-I: tshark found {len(rows)} INVITEs, the "
                        f"labels list {len(want)}")
    bad = tshark_fields(tshark, pcap, "_ws.malformed", ["frame.number"])
    if bad:
        failures.append(f"SIP-I: malformed frames {[b[0] for b in bad][:10]}")
    print(f"SIP-I: {len(rows)} INVITEs with their IAM compared")
    return failures


if __name__ == "__main__":
    sys.exit(main())
