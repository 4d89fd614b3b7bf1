#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extract SS7 transport messages from the shared corpus captures.

Writes, for each capture, <name>.vec (one line per M3UA/M2PA message or MTP2
signal unit: "frame transport hex") and <name>.truth.csv (the tshark truth
rows for those frames), so tests/decode/ss7/test_ss7_corpus.c can check the
decoder against tshark without a pcap reader.  Standard library only.

    python3 make_vectors.py /work/shared/corpus
"""
import csv
import os
import struct
import sys

# capture, truth file, last frame kept (None: all)
CAPTURES = [
    ("synthetic_isup_m3ua.pcap", None),
    ("wswiki_m3ua_isup.cap", None),
    ("xdrtester_isup_m2pa.pcap", None),
    ("wswiki_isup_load_generator.libpcap.pcap", 600),
    ("wswiki_isup_m3ua_draft6.cap", None),
]
PPID = {3: "m3ua", 5: "m2pa"}


def records(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off, n = 24, 0
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16
        n += 1
        yield n, linktype, data[off:off + caplen]
        off += caplen


def sctp_data(linktype, frame):
    if linktype == 1:
        p, ethertype = 14, struct.unpack(">H", frame[12:14])[0]
    elif linktype == 113:
        p, ethertype = 16, struct.unpack(">H", frame[14:16])[0]
    else:
        return
    if ethertype != 0x0800 or frame[p + 9] != 132:
        return
    s = p + (frame[p] & 15) * 4 + 12
    while s + 4 <= len(frame):
        ctype, _, clen = struct.unpack(">BBH", frame[s:s + 4])
        if clen < 4:
            return
        if s + clen > len(frame):
            return  # cut by the snap length
        if ctype == 0 and clen >= 16:
            ppid = struct.unpack(">I", frame[s + 12:s + 16])[0]
            yield ppid, frame[s + 16:s + clen]
        s += (clen + 3) & ~3


def main(corpus):
    for name, last in CAPTURES:
        base = name.replace(".libpcap.pcap", ".pcap")
        stem = base.rsplit(".", 1)[0]
        with open(stem + ".vec", "w") as out:
            for n, lt, fr in records(os.path.join(corpus, name)):
                if last and n > last:
                    break
                if lt == 140:
                    out.write("%d mtp2 %s\n" % (n, fr.hex()))
                    continue
                for ppid, payload in sctp_data(lt, fr):
                    if ppid in PPID:
                        out.write("%d %s %s\n" % (n, PPID[ppid], payload.hex()))
        src = os.path.join(corpus, base + ".isup.truth.csv")
        with open(src) as f, open(stem + ".truth.csv", "w") as out:
            rows = csv.reader(f)
            w = csv.writer(out, lineterminator="\n")
            for i, row in enumerate(rows):
                if i == 0 or not last or int(row[0]) <= last:
                    w.writerow(row)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../../../../shared/corpus")
