#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build callfence's own test captures from hand-written messages, and their
tshark truth.

    python3 make_captures.py           # rewrites the *.pcap files
    python3 make_captures.py --truth   # and the *.truth.csv files (tshark)

Standard library only; the output is byte-identical on every run (fixed
timestamps, addresses and sequence numbers).  Every message is written out
below as text (SIP) or field by field (M3UA, M2PA, MTP2, ISUP), so each
case reads as what it tests.  The truth is what tshark decodes of the
pcaps, flattened from PDML into the column layout of the shared corpus's
truth files (see README.md), so the same checks read both.
"""
import csv
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1767225600          # 2026-01-01T00:00:00Z, every capture's first frame

# ----------------------------------------------------------------------
# pcap and the layers under the payloads

DLT_EN10MB, DLT_MTP2 = 1, 140
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
V4_A, V4_B = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20])
V6_A = bytes.fromhex("20010db8000000000000000000000010")
V6_B = bytes.fromhex("20010db8000000000000000000000020")


def pcap(path, linktype, frames):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)]
    for i, f in enumerate(frames):
        out.append(struct.pack("<IIII", T0 + i, 0, len(f), len(f)) + f)
    with open(os.path.join(HERE, path), "wb") as fh:
        fh.write(b"".join(out))


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(ethertype, payload):
    return MAC_B + MAC_A + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src=V4_A, dst=V4_B, total=None):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload),
                      1, 0, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum16(hdr)) + hdr[12:]
    return eth(0x0800, hdr + payload)


def ipv6(nh, payload, src=V6_A, dst=V6_B):
    return eth(0x86DD, struct.pack("!IHBB16s16s", 0x60000000, len(payload),
                                   nh, 64, src, dst) + payload)


def udp(payload, v6=False, sport=5060, dport=5060):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    if v6:
        pseudo = V6_A + V6_B + struct.pack("!IxxxB", 8 + len(payload), 17)
        c = csum16(pseudo + hdr + payload) or 0xFFFF
        hdr = hdr[:6] + struct.pack("!H", c)
        return ipv6(17, hdr + payload)
    return ipv4(17, hdr + payload)


def tcp(payload, seq, sport=40000, dport=5060):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, 0x18,
                      65535, 0, 0)
    pseudo = V4_A + V4_B + struct.pack("!xBH", 6, 20 + len(payload))
    c = csum16(pseudo + hdr + payload)
    return ipv4(6, hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload)


CRC32C = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    CRC32C.append(_c)


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = CRC32C[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def data_chunk(payload, tsn, ppid, stream=1, length=None):
    ch = struct.pack("!BBHIHHI", 0, 3, length or 16 + len(payload), tsn,
                     stream, tsn & 0xFFFF, ppid) + payload
    return ch + b"\0" * (-len(ch) % 4)


def sctp(chunks, sport=2905, dport=2905):
    body = struct.pack("!HHII", sport, dport, 0x01020304, 0) + b"".join(chunks)
    body = body[:8] + struct.pack("<I", crc32c(body)) + body[12:]
    return ipv4(132, body)


# ----------------------------------------------------------------------
# ISUP (Q.763), MTP3 (Q.704), M3UA (RFC 4666), M2PA (RFC 4165), MTP2

def bcd(digits):
    """Address signals, two a byte, first in the low nibble."""
    n = [int(d, 16) for d in digits]
    if len(n) % 2:
        n.append(0)
    return bytes(n[i] | n[i + 1] << 4 for i in range(0, len(n), 2))


def called(digits, nai=3, inn=1, npi=1):
    sig = digits.replace("F", "")
    odd = len(digits) % 2
    return bytes([odd << 7 | nai, inn << 7 | npi << 4]) + bcd(digits)


def number(digits, nai=3, ni=0, npi=1, apri=0, si=3):
    """Calling, Redirecting, Original Called, Generic (after the NQI)."""
    odd = len(digits) % 2
    return bytes([odd << 7 | nai, ni << 7 | npi << 4 | apri << 2 | si]) + bcd(digits)


def opt(code, value):
    return bytes([code, len(value)]) + value


def iam(called_digits, opts, cpc=10, called_nai=3, cic=None):
    """IAM: fixed part, Called Party Number, then the optional part."""
    head = (struct.pack("<H", cic) if cic is not None else b"") + bytes([1])
    fixed = bytes([0x00, 0x60, 0x01, cpc, 0x00])       # NCI FCI CPC TMR
    cdpn = called(called_digits, nai=called_nai)
    o = b"".join(opts)
    ptrs = bytes([2, 1 + 1 + len(cdpn) if o else 0])
    return head + fixed + ptrs + bytes([len(cdpn)]) + cdpn + (o + b"\0" if o else b"")


def rel(cic, cause, location=1, coding=0):
    cause_ind = bytes([0x80 | coding << 5 | location, 0x80 | cause])
    return struct.pack("<H", cic) + bytes([0x0C, 2, 0, len(cause_ind)]) + cause_ind


def mtp3(isup, opc, dpc, sls=0, ni=2, si=5):
    label = dpc | opc << 14 | sls << 28
    return bytes([ni << 6 | si]) + struct.pack("<I", label) + isup


def m3ua(isup, opc, dpc, sls=0, ni=2, si=5, rc=None, na=None, length=None):
    params = b""
    if na is not None:
        params += struct.pack("!HHI", 0x0200, 8, na)
    if rc is not None:
        params += struct.pack("!HHI", 0x0006, 8, rc)
    pd = struct.pack("!IIBBBB", opc, dpc, si, ni, 0, sls) + isup
    params += struct.pack("!HH", 0x0210, 4 + len(pd)) + pd
    params += b"\0" * (-len(params) % 4)
    return struct.pack("!BBBBI", 1, 0, 1, 1, length or 8 + len(params)) + params


def m2pa(msu, fsn):
    body = struct.pack("!II", 0xFFFFFF, fsn & 0xFFFFFF) + bytes([0]) + msu
    return struct.pack("!BBBBI", 1, 0, 11, 1, 8 + len(body)) + body


def mtp2(msu, fsn):
    li = min(len(msu), 63)
    su = bytes([0x80 | 0x7F, 0x80 | (fsn & 0x7F), li]) + msu
    return su + b"\x12\x34"                                 # the FCS


# ----------------------------------------------------------------------
# SIP: each INVITE is text with the line ends spelled out

def invite(ruri, headers, body="", call_id=None, cl=True, ctype=None):
    """An INVITE with the given header lines (CRLF each), a Via, CSeq
    and Call-ID unless @headers has them; Content-Length from the body."""
    lines = ["INVITE %s SIP/2.0" % ruri]
    names = [h.split(":", 1)[0].strip().lower() for h in headers]
    if "via" not in names and "v" not in names:
        lines.append("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-%s" % call_id)
    lines += headers
    if "call-id" not in names and "i" not in names:
        lines.append("Call-ID: %s" % call_id)
    if "cseq" not in names:
        lines.append("CSeq: 1 INVITE")
    if ctype:
        lines.append("Content-Type: %s" % ctype)
    if cl:
        lines.append("Content-Length: %d" % len(body.encode("latin-1")))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("latin-1")


FROM = "From: <sip:+12025550101@origin.example>;tag=f1"
TO = "To: <sip:+12025550199@gw.example>"

SIP_V4 = [
    # 1 plain, PAI first over From
    invite("sip:+12025550199@gw.example;user=phone", [
        "From: \"Alice\" <sip:+12025550101@origin.example>;tag=a1",
        TO, "P-Asserted-Identity: <sip:+12025550102@origin.example;user=phone>",
        "Max-Forwards: 70"], call_id="v4-plain"),
    # 2 compact forms f t i v m l, lower-case names
    invite("sip:2025550199@gw.example", [
        "v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-c1",
        "f: <sip:2025550103@origin.example>;tag=c1",
        "t: <sip:2025550199@gw.example>",
        "i: v4-compact", "m: <sip:2025550103@192.0.2.10>",
        "cseq: 7 INVITE", "l: 0"], call_id="v4-compact", cl=False),
    # 3 case-insensitive long names and folded lines
    invite("sip:+12025550199@gw.example", [
        "FROM: <sip:+12025550104@origin.example>\r\n ;tag=x1",
        "tO:\r\n\t<sip:+12025550199@gw.example>",
        "P-ASSERTED-IDENTITY:\r\n <tel:+12025550105>"], call_id="v4-case-fold"),
    # 4 several values in one PAI header (sip URI without a number first)
    invite("sip:+12025550199@gw.example", [
        FROM, TO,
        "P-Asserted-Identity: \"Front Desk\" <sip:frontdesk@origin.example>, <tel:+12025550106>"],
        call_id="v4-pai-multi"),
    # 5 repeated PAI headers
    invite("sip:+12025550199@gw.example", [
        FROM, TO, "P-Asserted-Identity: <sip:+12025550107@origin.example>",
        "P-Asserted-Identity: <tel:+12025550108>"], call_id="v4-pai-repeat"),
    # 6 quoted display name holding < > and an escaped quote
    invite("sip:+12025550199@gw.example", [
        "From: \"Bob <the \\\"boss\\\"> >\" <sip:+12025550109@origin.example>;tag=q1",
        TO], call_id="v4-display"),
    # 7 sips: URIs and URI parameters
    invite("sips:+12025550199@gw.example:5061;transport=tls;user=phone", [
        "From: <sips:+12025550110@origin.example;user=phone>;tag=s1",
        "To: <sips:+12025550199@gw.example>"], call_id="v4-sips"),
    # 8 tel: Request-URI and From, a local number with a phone-context
    invite("tel:+1-202-555-0199", [
        "From: <tel:5550111;phone-context=+1202>;tag=t1",
        "To: <tel:+1-202-555-0199>"], call_id="v4-tel"),
    # 9 user-parameters and an escaped '+'
    invite("sip:%2B12025550199;npdi@gw.example;user=phone", [
        "From: <sip:+12025550112;cpc=payphone@origin.example;user=phone>;tag=u1",
        TO], call_id="v4-userparams"),
    # 10 Privacy: id, caller restricted
    invite("sip:+12025550199@gw.example", [
        FROM, TO, "P-Asserted-Identity: <sip:+12025550113@origin.example>",
        "Privacy: id"], call_id="v4-privacy-id"),
    # 11 Privacy: header;user
    invite("sip:+12025550199@gw.example", [
        FROM, TO, "Privacy: header;user"], call_id="v4-privacy-header"),
    # 12 Privacy: none, allowed
    invite("sip:+12025550199@gw.example", [
        FROM, TO, "Privacy: none"], call_id="v4-privacy-none"),
    # 13 anonymous, no PAI: no caller number
    invite("sip:+12025550199@gw.example", [
        "From: \"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=an1", TO,
        "Privacy: id"], call_id="v4-anonymous"),
    # 14 Diversion (topmost wins) beside History-Info
    invite("sip:+12025550199@gw.example", [
        FROM, TO,
        "Diversion: <sip:+12025550120@gw.example>;reason=unconditional;counter=1",
        "Diversion: <sip:+12025550121@gw.example>;reason=user-busy",
        "History-Info: <sip:+12025550122@gw.example>;index=1, <sip:+12025550199@gw.example>;index=1.1"],
        call_id="v4-diversion"),
    # 15 History-Info alone, two entries: the first is the redirecting number
    invite("sip:+12025550199@gw.example", [
        FROM, TO,
        "History-Info: <sip:+12025550123@gw.example?Reason=SIP%3Bcause%3D302>;index=1",
        "History-Info: <sip:+12025550199@gw.example>;index=1.1;mp=1"],
        call_id="v4-history"),
    # 16 History-Info with one entry only: not a redirection
    invite("sip:+12025550199@gw.example", [
        FROM, TO, "History-Info: <sip:+12025550124@gw.example>;index=1"],
        call_id="v4-history-one"),
    # 17 Request-URI without a user part: callee from To
    invite("sip:gw.example", [FROM, "To: <sip:+12025550125@gw.example>"],
           call_id="v4-ruri-nouser"),
    # 18 a body with Content-Length (SDP)
    invite("sip:+12025550199@gw.example", [FROM, TO],
           body="v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
           ctype="application/sdp", call_id="v4-sdp"),
    # 19 national number without '+'
    invite("sip:2025550199@gw.example;user=phone", [
        "From: <sip:2025550126@origin.example;user=phone>;tag=n1",
        "To: <sip:2025550199@gw.example;user=phone>"], call_id="v4-national"),
]


def sipi_invite():
    isup = iam("2025550199", [opt(0x0A, number("2025550101", nai=3, apri=0, si=3)),
                              opt(0x0B, number("2025550130", nai=3, apri=0, si=0)[:2] +
                                  bcd("2025550130"))], cic=None)
    body = (b"--sipi-b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
            b"--sipi-b1\r\nContent-Type: application/ISUP;version=itu-t92+\r\n"
            b"Content-Disposition: signal;handling=required\r\n\r\n" + isup +
            b"\r\n--sipi-b1--\r\n")
    head = invite("sip:+12025550199@gw.example", [FROM, TO, "MIME-Version: 1.0"],
                  call_id="v4-sipi", cl=False,
                  ctype="multipart/mixed;boundary=sipi-b1")
    return head[:-2] + b"Content-Length: %d\r\n\r\n" % len(body) + body


# 20 SIP-I: multipart with SDP and an ISUP IAM (no CIC)
SIP_V4.append(sipi_invite())

SIP_V6 = [
    invite("sip:+12025550199@[2001:db8::20]:5060;user=phone", [
        "From: <sip:+12025550140@[2001:db8::10]>;tag=six1",
        "To: <sip:+12025550199@[2001:db8::20]>",
        "Contact: <sip:+12025550140@[2001:db8::10]:5060>"], call_id="v6-refs"),
    invite("sip:2025550199@[2001:db8::20]", [
        "f: \"Six\" <sip:2025550141@[2001:db8::10];user=phone>;tag=six2",
        "t: <sip:2025550199@[2001:db8::20]>", "i: v6-compact",
        "P-Asserted-Identity: <sip:2025550142@[2001:db8::10]>"], call_id="v6-compact"),
]


def sip_tcp_frames():
    """One INVITE in three segments (cut inside a header and inside the
    body), then two INVITEs in one segment."""
    a = invite("sip:+12025550199@gw.example", [
        "Via: SIP/2.0/TCP 192.0.2.10:40000;branch=z9hG4bK-tcp1", FROM, TO,
        "P-Asserted-Identity: <sip:+12025550150@origin.example>"],
        body="v=0\r\ns=split across segments\r\n", ctype="application/sdp",
        call_id="tcp-split")
    b = invite("sip:+12025550198@gw.example", [
        "Via: SIP/2.0/TCP 192.0.2.10:40000;branch=z9hG4bK-tcp2", FROM,
        "To: <sip:+12025550198@gw.example>"], call_id="tcp-two-1")
    c = invite("sip:+12025550197@gw.example", [
        "Via: SIP/2.0/TCP 192.0.2.10:40000;branch=z9hG4bK-tcp3", FROM,
        "To: <sip:+12025550197@gw.example>"], call_id="tcp-two-2")
    cut1, cut2 = 120, len(a) - 10
    seq = 1000
    frames = []
    for seg in (a[:cut1], a[cut1:cut2], a[cut2:], b + c):
        frames.append(tcp(seg, seq))
        seq += len(seg)
    return frames


def sip_sctp_frames():
    a = invite("sip:+12025550199@gw.example", [
        "Via: SIP/2.0/SCTP 192.0.2.10:5060;branch=z9hG4bK-sctp1", FROM, TO,
        "P-Asserted-Identity: <tel:+12025550160>"], call_id="sctp-1")
    return [sctp([data_chunk(a, 1, 0)], 5060, 5060)]


# ----------------------------------------------------------------------
# ISUP cases.  Point codes: 100 (OPC) -> 200 (DPC) unless said.

CALLING = 0x0A
REDIRECTING = 0x0B
REDIR_INFO = 0x13
OCN = 0x28
GENERIC = 0xC0


def isup_iams():
    """(IAM bytes, description) for every calling NAI/APRI/SI, and the
    redirection and generic parameters."""
    out = []
    cic = 1
    for nai, digits in ((1, "5550101"), (2, "2025550102"), (3, "2025550103"),
                        (4, "12025550104")):
        for apri in (0, 1, 2, 3):
            si = (nai + apri) % 4
            d = "" if apri == 2 else digits
            out.append(iam("2025550199", [opt(CALLING, number(d, nai=nai, apri=apri, si=si))],
                           cic=cic))
            cic += 1
    # Called with ST, international; no calling number at all
    out.append(iam("12025550199F", [], called_nai=4, cic=cic))
    cic += 1
    # Redirecting + Original Called + Redirection Information, payphone
    out.append(iam("2025550199", [
        opt(CALLING, number("2025550110", nai=3, apri=0, si=3)),
        opt(REDIRECTING, number("2025550111", nai=3, apri=0, si=0)[:2] + bcd("2025550111")),
        opt(REDIR_INFO, bytes([0x13, 0x12])),
        opt(OCN, number("12025550112", nai=4, apri=1, si=0)[:2] + bcd("12025550112")),
    ], cpc=15, cic=cic))
    cic += 1
    # Generic Numbers: additional calling party (NQI 6) after another
    out.append(iam("2025550199", [
        opt(CALLING, number("2025550113", nai=3, apri=1, si=1)),
        opt(GENERIC, bytes([5]) + number("2025550114", nai=3, apri=0, si=3)),
        opt(GENERIC, bytes([6]) + number("12025550115", nai=4, apri=0, si=1)),
    ], cpc=11, cic=cic))
    cic += 1
    return out


# "frame transport hex" lines of every SS7 transport message, for the
# decoder-level test (tests/decode/ss7/test_ss7_corpus.c), by capture.
VECS = {}


def vec(name, frame, transport, msg):
    VECS.setdefault(name, []).append("%d %s %s" % (frame, transport, msg.hex()))
    return msg


def isup_m3ua_frames():
    frames, tsn = [], 1
    iams = isup_iams()
    variants = [dict(), dict(rc=7), dict(na=3), dict(rc=7, na=3)]
    for i, m in enumerate(iams):
        msg = vec("isup_m3ua", len(frames) + 1, "m3ua",
                  m3ua(m, 100, 200, sls=i % 16, **variants[i % 4]))
        frames.append(sctp([data_chunk(msg, tsn, 3)]))
        tsn += 1
    # REL with a cause (17 user busy, location 1), and national coding
    for m in (m3ua(rel(1, 17, 1), 200, 100, rc=7),
              m3ua(rel(2, 31, 3, coding=3), 200, 100)):
        frames.append(sctp([data_chunk(vec("isup_m3ua", len(frames) + 1, "m3ua", m), tsn, 3)]))
        tsn += 1
    # Three DATA chunks in one packet: two IAMs and a REL
    a = iam("2025550198", [opt(CALLING, number("2025550120", nai=3, apri=0, si=3))], cic=40)
    b = iam("2025550197", [opt(CALLING, number("2025550121", nai=3, apri=1, si=3))], cic=41)
    n = len(frames) + 1
    frames.append(sctp([data_chunk(vec("isup_m3ua", n, "m3ua", m3ua(a, 300, 200, rc=9)), tsn, 3),
                        data_chunk(vec("isup_m3ua", n, "m3ua", m3ua(b, 300, 200, rc=9)), tsn + 1, 3),
                        data_chunk(vec("isup_m3ua", n, "m3ua", m3ua(rel(40, 16), 200, 300, rc=9)),
                                   tsn + 2, 3)]))
    return frames


def isup_m2pa_frames():
    a = iam("2025550196", [opt(CALLING, number("2025550130", nai=3, apri=0, si=3)),
                           opt(OCN, number("2025550131", nai=3, apri=0, si=0)[:2] + bcd("2025550131"))],
            cic=50)
    b = rel(50, 16)
    return [sctp([data_chunk(vec("isup_m2pa", 1, "m2pa", m2pa(mtp3(a, 400, 500, sls=3), 1)),
                             1, 5)], 3565, 3565),
            sctp([data_chunk(vec("isup_m2pa", 2, "m2pa", m2pa(mtp3(b, 500, 400, sls=3), 2)),
                             2, 5)], 3565, 3565)]


def isup_mtp2_frames():
    a = iam("2025550195", [opt(CALLING, number("12025550140", nai=4, apri=0, si=1)),
                           opt(GENERIC, bytes([6]) + number("2025550141", nai=3, apri=0, si=3))],
            cic=60)
    b = iam("5550142", [opt(CALLING, number("5550143", nai=1, apri=1, si=3))], cic=61)
    fisu = bytes([0xFF, 0xFF, 0]) + b"\x12\x34"
    return [vec("isup_mtp2", 1, "mtp2", mtp2(mtp3(a, 600, 700, sls=1), 1)),
            vec("isup_mtp2", 2, "mtp2", fisu),
            vec("isup_mtp2", 3, "mtp2", mtp2(mtp3(b, 600, 700, sls=2), 2))]


# ----------------------------------------------------------------------
# Bad packets: each is a counted decode error with its reason, and the
# good message after it still decodes (README.md lists the reasons).

def bad_frames():
    good = invite("sip:+12025550199@gw.example", [FROM, TO], call_id="bad-next-ok")
    good_iam = iam("2025550199", [opt(CALLING, number("2025550190", nai=3))], cic=90)
    trunc = invite("sip:+12025550199@gw.example", [FROM, TO], body="v=0\r\n",
                   call_id="bad-trunc")
    lying_cl = trunc.replace(b"Content-Length: 5", b"Content-Length: 500")
    no_colon = invite("sip:+12025550199@gw.example", [FROM, TO, "Bogus header line"],
                      call_id="bad-colon")
    bad_multipart = invite("sip:+12025550199@gw.example", [FROM, TO], body="no delimiter here",
                           ctype="multipart/mixed;boundary=zz", call_id="bad-multipart")
    iam_ptr = bytearray(good_iam)
    iam_ptr[2 + 6] = 200                             # called pointer past the end
    return [
        udp(trunc[:len(trunc) // 2]),                # sip: truncated (cut)
        udp(lying_cl),                               # sip: truncated (lying length)
        udp(no_colon),                               # sip: no-colon
        udp(bad_multipart),                          # sip: bad-multipart (SIP record ok)
        udp(good),
        sctp([data_chunk(m3ua(good_iam[:7], 100, 200), 1, 3)]),       # ss7: truncated
        sctp([data_chunk(m3ua(bytes(iam_ptr), 100, 200), 2, 3)]),     # ss7: bad-pointer
        sctp([data_chunk(m3ua(good_iam, 100, 200, length=400), 3, 3)]),  # M3UA length lies
        sctp([data_chunk(m3ua(good_iam, 100, 200), 4, 3, length=900)]),   # chunk length lies
        sctp([data_chunk(m3ua(good_iam, 100, 200), 5, 3)]),
    ]


CAPTURES = {
    "sip_udp_ipv4.pcap": (DLT_EN10MB, lambda: [udp(m) for m in SIP_V4]),
    "sip_udp_ipv6.pcap": (DLT_EN10MB, lambda: [udp(m, v6=True) for m in SIP_V6]),
    "sip_tcp_split.pcap": (DLT_EN10MB, sip_tcp_frames),
    "sip_sctp.pcap": (DLT_EN10MB, sip_sctp_frames),
    "isup_m3ua.pcap": (DLT_EN10MB, isup_m3ua_frames),
    "isup_m2pa.pcap": (DLT_EN10MB, isup_m2pa_frames),
    "isup_mtp2.pcap": (DLT_MTP2, isup_mtp2_frames),
    "bad_packets.pcap": (DLT_EN10MB, bad_frames),
}
# No truth for the bad packets: what they must give is in README.md and
# the check script, by reason.
NO_TRUTH = {"bad_packets.pcap"}


# ----------------------------------------------------------------------
# Truth: tshark's PDML, flattened into the shared corpus's columns

NUM_COLS = ["digits", "noa", "npi", "inn", "ni", "apri", "si", "odd_even"]
NUM_PARAMS = {4: "called", 10: "calling", 11: "redirecting", 40: "ocn",
              63: "location", 12: "redirection_number", 111: "called_in"}
DIGITS = {"isup.called", "isup.calling", "isup.redirecting",
          "isup.original_called_number", "isup.location_number",
          "isup.redirection_number", "isup.generic_number",
          "isup.called_in_number"}
ISUP_COLS = (["frame", "msg_idx", "transport", "opc", "dpc", "ni", "sls", "cic",
              "msg_type", "msg_name", "calling_category"]
             + ["%s_%s" % (p, c) for p in NUM_PARAMS.values() for c in NUM_COLS]
             + ["redir_indicator", "redir_orig_reason", "redir_counter",
                "redir_reason", "generic_numbers", "cause_value",
                "cause_location", "hop_counter", "param_codes"])
SIP_COLS = ["frame", "msg_idx", "transport", "src", "dst", "method", "resend",
            "r_uri", "r_uri_user", "r_uri_host", "from_display", "from_addr",
            "from_user", "from_host", "from_tag", "to_display", "to_addr",
            "to_user", "to_host", "pai_raw", "pai_addr", "pai_user", "pai_host",
            "ppi_raw", "ppi_user", "rpid_raw", "diversion_raw",
            "history_info_raw", "privacy", "call_id", "cseq", "contact_user",
            "user_agent", "isup_in_body"]


def show(f):
    v = f.get("show") or ""
    if v.startswith("0x"):
        try:
            return str(int(v, 16))
        except ValueError:
            pass
    return v


def fields(el):
    return el.iter("field")


def find(el, name):
    return next((show(f) for f in fields(el) if f.get("name") == name), "")


def find_all(el, name):
    return [f.get("show") or "" for f in fields(el) if f.get("name") == name]


def number_cols(par):
    d = dict.fromkeys(NUM_COLS, "")
    for f in fields(par):
        n, v = f.get("name") or "", show(f)
        key = ("digits" if n in DIGITS else
               "noa" if n.endswith("nature_of_address_indicator") else
               "npi" if n == "isup.numbering_plan_indicator" else
               "inn" if n == "isup.inn_indicator" else
               "ni" if n == "isup.ni_indicator" else
               "apri" if n == "isup.address_presentation_restricted_indicator" else
               "si" if n.startswith("isup.screening_indicator") else
               "odd_even" if n == "isup.isdn_odd_even_indicator" else None)
        if key and not d[key]:
            d[key] = f.get("show") if key == "digits" else v
    return d


def isup_truth(frame, idx, transport, lower, proto):
    r = dict.fromkeys(ISUP_COLS, "")
    r.update(frame=frame, msg_idx=idx, transport=transport, **lower)
    r["cic"] = find(proto, "isup.cic")
    r["msg_type"] = find(proto, "isup.message_type")
    mt = next(f for f in fields(proto) if f.get("name") == "isup.message_type")
    r["msg_name"] = (mt.get("showname") or "").split(": ", 1)[-1].rsplit(" (", 1)[0]
    # Every parameter code in wire order, the end of the optional part
    # (0) included; then the parameters, unnamed fields whose child is
    # the code.
    codes = [show(f) for f in fields(proto) if f.get("name") == "isup.parameter_type"]
    generics = []
    for par in proto.iter("field"):
        pt = next((k for k in par if k.get("name") == "isup.parameter_type"), None)
        if pt is None or par.get("name"):
            continue
        code = int(show(pt))
        if code in NUM_PARAMS:
            for c, v in number_cols(par).items():
                r["%s_%s" % (NUM_PARAMS[code], c)] = v
        elif code == 192:
            d = number_cols(par)
            generics.append("/".join([find(par, "isup.number_qualifier_indicator"),
                                      d["noa"], d["npi"], d["ni"], d["apri"], d["si"],
                                      d["digits"]]))
        elif code == 19:
            r.update(redir_indicator=find(par, "isup.redirecting_ind"),
                     redir_orig_reason=find(par, "isup.original_redirection_reason"),
                     redir_counter=find(par, "isup.redirection_counter"),
                     redir_reason=find(par, "isup.redirection_reason"))
        elif code == 18:
            r.update(cause_value=find(par, "isup.cause_indicator"),
                     cause_location=find(par, "q931.cause_location"))
        elif code == 9:
            r["calling_category"] = find(par, "isup.calling_partys_category")
        elif code == 61:
            r["hop_counter"] = find(par, "isup.hop_counter")
    r["generic_numbers"] = ";".join(generics)
    r["param_codes"] = " ".join(codes)
    return r


def sip_truth(frame, idx, transport, src, dst, proto):
    r = dict.fromkeys(SIP_COLS, "")
    g = lambda n: find(proto, n)
    j = lambda n: " | ".join(find_all(proto, n))
    r.update(frame=frame, msg_idx=idx, transport=transport, src=src, dst=dst,
             method=g("sip.Method"), resend=g("sip.resend"), r_uri=g("sip.r-uri"),
             r_uri_user=g("sip.r-uri.user"), r_uri_host=g("sip.r-uri.host"),
             from_display=g("sip.from.display.info"), from_addr=g("sip.from.addr"),
             from_user=g("sip.from.user"), from_host=g("sip.from.host"),
             from_tag=g("sip.from.tag"), to_display=g("sip.to.display.info"),
             to_addr=g("sip.to.addr"), to_user=g("sip.to.user"), to_host=g("sip.to.host"),
             pai_raw=j("sip.P-Asserted-Identity"), pai_addr=j("sip.pai.addr"),
             pai_user=j("sip.pai.user"), pai_host=j("sip.pai.host"),
             ppi_raw=j("sip.P-Preferred-Identity"), ppi_user=j("sip.ppi.user"),
             diversion_raw=j("sip.Diversion"), history_info_raw=j("sip.History-Info"),
             privacy=j("sip.Privacy"), call_id=g("sip.Call-ID"), cseq=g("sip.CSeq"),
             contact_user=g("sip.contact.user"), user_agent=g("sip.User-Agent"))
    r["isup_in_body"] = "1" if any(p.get("name") == "isup" for p in proto.iter("proto")) else "0"
    return r


def truth(name):
    path = os.path.join(HERE, name)
    out = subprocess.run(["tshark", "-r", path, "-n", "-o", "sctp.tsn_analysis:FALSE",
                          "-Y", 'isup || sip.Method == "INVITE"', "-T", "pdml"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    isup_rows, sip_rows = [], []
    for pkt in ET.fromstring(out).iter("packet"):
        frame = src = dst = transport = ""
        lower = dict(opc="", dpc="", ni="", sls="")
        n_isup = n_sip = 0
        in_sip = False
        for proto in pkt.iter("proto"):
            nm = proto.get("name")
            if nm == "geninfo":
                frame = find(proto, "num")
            elif nm in ("ip", "ipv6"):
                src, dst = find(proto, nm + ".src"), find(proto, nm + ".dst")
            elif nm in ("m3ua", "m2pa", "mtp2"):
                transport = nm
                if nm == "m3ua":
                    lower = dict(opc=find(proto, "m3ua.protocol_data_opc"),
                                 dpc=find(proto, "m3ua.protocol_data_dpc"),
                                 ni=find(proto, "m3ua.protocol_data_ni"),
                                 sls=find(proto, "m3ua.protocol_data_sls"))
            elif nm in ("udp", "tcp", "sctp"):
                transport = transport if transport in ("m3ua", "m2pa") else nm
            elif nm == "mtp3":
                lower = dict(opc=find(proto, "mtp3.opc"), dpc=find(proto, "mtp3.dpc"),
                             ni=find(proto, "mtp3.network_indicator"),
                             sls=find(proto, "mtp3.sls"))
            elif nm == "isup":
                n_isup += 1
                isup_rows.append(isup_truth(frame, n_isup,
                                            "sip-i/" + transport if in_sip else transport,
                                            lower, proto))
            elif nm == "sip":
                in_sip = True
                if find(proto, "sip.Method") == "INVITE":
                    n_sip += 1
                    sip_rows.append(sip_truth(frame, n_sip, transport, src, dst, proto))
    for rows, cols, suffix in ((isup_rows, ISUP_COLS, ".isup.truth.csv"),
                               (sip_rows, SIP_COLS, ".sip.truth.csv")):
        if not rows:
            continue
        with open(path + suffix, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return len(isup_rows), len(sip_rows)


def main():
    for name, (dlt, build) in CAPTURES.items():
        pcap(name, dlt, build())
    for stem, lines in VECS.items():
        with open(os.path.join(HERE, stem + ".vec"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
    if "--truth" in sys.argv[1:]:
        for name in CAPTURES:
            if name in NO_TRUTH:
                continue
            n_isup, n_sip = truth(name)
            print("%s\tisup=%d\tsip_invites=%d" % (name, n_isup, n_sip))


if __name__ == "__main__":
    main()
