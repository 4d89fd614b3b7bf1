#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Record what Kamailio's siptrace sends over HEP, and what other decoders
read in it.

    make_hep.py [--out DIR] [--hep-version 3|2] [--name NAME]
                [--datagrams-only]

Runs, on loopback only, Kamailio with etc/kamailio-hep.cfg (siptrace
mirroring every SIP message to a HEP collector), and SIPp callers and
callees through it, one call after another:

  answer    INVITE (SDP), 100, 180, 200, ACK, BYE, 200       IPv4
  cancel    INVITE, 100, 180, CANCEL, 200, 487, ACK          IPv4
  busy      INVITE, 100, 486, ACK                            IPv4
  answer6   as answer                                        IPv6 (::1)

plus the OPTIONS probes that find Kamailio ready.  The collector (a UDP
socket in this script) keeps every datagram.  Writes into DIR (default:
this directory):

  NAME.bin        the datagrams as received: a 4-byte big-endian length,
                  then the bytes, for each
  NAME.pcap       the same datagrams as Ethernet/IPv4/UDP frames from
                  Kamailio's socket to the collector, receive times
  NAME.truth.csv  per datagram, what decoders other than callfence's read
                  in it: sngrep's HEP decoder (-L) for the time, tshark
                  for the SIP packets sngrep rebuilt and for those on the
                  loopback wire (dumpcap, root needed) for the addresses,
                  ports and SIP fields (see make_truth())

NAME is kamailio_siptrace (HEP3) or kamailio_siptrace_v2.  With
--datagrams-only the truth is not made (no sngrep, tshark or capture).
Every process started is bounded in time and killed at the end, also on
failure.  Standard library only.
"""

import argparse
import csv
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
CFG = os.path.join(SRCDIR, 'etc', 'kamailio-hep.cfg')
SIPP = os.path.join(HERE, 'sipp')
MODDIRS = ('/usr/lib/x86_64-linux-gnu/kamailio/modules',
           '/usr/lib/aarch64-linux-gnu/kamailio/modules',
           '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules')
CAPTURE_ID = 2207

# name, UAC scenario, UAS scenario, address
CALLS = [
    ('answer', 'uac_answer.xml', 'uas_answer.xml', '127.0.0.1'),
    ('cancel', 'uac_cancel.xml', 'uas_ring.xml', '127.0.0.1'),
    ('busy', 'uac_busy.xml', 'uas_busy.xml', '127.0.0.1'),
    ('answer6', 'uac_answer.xml', 'uas_answer.xml', '::1'),
]

# The truth, one row per HEP datagram.
COLUMNS = ['datagram', 'time', 'src_ip', 'src_port', 'dst_ip', 'dst_port',
           'proto_type', 'method', 'status', 'cseq_method', 'call_id',
           'payload_len']
# What tshark reads of each SIP packet, of the wire and of sngrep's output.
TSHARK_FIELDS = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src',
                 'ipv6.dst', 'udp.srcport', 'udp.dstport', 'sip.Method',
                 'sip.Status-Code', 'sip.CSeq.method', 'sip.Call-ID',
                 'udp.payload']

RUNNING = []


def log(msg):
    print('make_hep: ' + msg, flush=True)


def die(msg):
    log('FAIL: ' + msg)
    stop_all()
    sys.exit(1)


def stop_all():
    for p in RUNNING:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                p.wait(timeout=5)
                if sig == signal.SIGTERM:
                    # The leader is gone; its group may not be.
                    continue
            except subprocess.TimeoutExpired:
                pass


def start(args, **kw):
    # A group of its own: Kamailio forks, and its children must go too.
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                         start_new_session=True, **kw)
    RUNNING.append(p)
    return p


def free_udp_port(family=socket.AF_INET, host='127.0.0.1'):
    # Free on both loopbacks: a call may come in on either.
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
        try:
            t = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            t.bind(('::1', port))
            t.close()
            return port
        except OSError:
            t.close()


class Collector(threading.Thread):
    """The HEP server: keeps every datagram with its time and sender."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.got = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            self.got.append((time.time_ns(), addr, data))

    def stop(self):
        self.done.set()
        self.join(timeout=5)
        self.sock.close()


def find_moddir():
    for d in MODDIRS:
        if os.path.exists(os.path.join(d, 'siptrace.so')):
            return d
    return None


def start_kamailio(tmp, kport, hep_port, version):
    kamailio = shutil.which('kamailio') or '/usr/sbin/kamailio'
    moddir = find_moddir()
    if not os.path.exists(kamailio) or not moddir:
        die('kamailio with siptrace.so is not installed '
            '(scripts/setup-debian.sh installs it)')
    err = open(os.path.join(tmp, 'kamailio.err'), 'w+')
    k = start([kamailio, '-f', CFG, '-L', moddir, '-DD', '-E',
               '-m', '32', '-M', '8', '-Y', tmp, '-w', tmp,
               '-P', os.path.join(tmp, 'kamailio.pid'),
               '-A', 'CF_LISTEN=udp:127.0.0.1:%d' % kport,
               '-A', 'CF_LISTEN6=udp:[::1]:%d' % kport,
               '-A', 'CF_HEP_URI="sip:127.0.0.1:%d"' % hep_port,
               '-A', 'CF_HEP_VERSION=%d' % version,
               '-A', 'CF_HEP_CAPTURE_ID=%d' % CAPTURE_ID],
              stdout=subprocess.DEVNULL, stderr=err)
    # Ready when it answers an OPTIONS to itself.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(('127.0.0.1', 0))
    probe.settimeout(0.2)
    deadline = time.time() + 10
    n = 0
    while time.time() < deadline:
        if k.poll() is not None:
            err.seek(0)
            die('kamailio exited: ' + err.read()[-1500:])
        n += 1
        probe.sendto(('OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n'
                      'Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKprobe%d\r\n'
                      'From: <sip:probe@127.0.0.1>;tag=probe\r\n'
                      'To: <sip:127.0.0.1:%d>\r\n'
                      'Call-ID: probe-%d@127.0.0.1\r\nCSeq: %d OPTIONS\r\n'
                      'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n'
                      % (kport, probe.getsockname()[1], n, kport, n, n))
                     .encode(), ('127.0.0.1', kport))
        try:
            probe.recv(4096)
            probe.close()
            return k, err
        except socket.timeout:
            pass
    die('kamailio does not answer on 127.0.0.1:%d' % kport)


def sipp(scenario, host, port, extra, logname, tmp):
    return ['sipp', '-sf', os.path.join(SIPP, scenario), '-i', host,
            '-p', str(port), '-m', '1', '-nostdin', '-timeout', '15s',
            '-timeout_error', '-trace_err', '-error_file',
            os.path.join(tmp, logname + '.err')] + extra


def run_calls(tmp, kport):
    if not shutil.which('sipp'):
        die('sipp is not installed (scripts/setup-debian.sh installs it)')
    for name, uac, uas, host in CALLS:
        uas_port, uac_port = free_udp_port(), free_udp_port()
        callee = '[%s]' % host if ':' in host else host
        remote = '%s:%d' % (callee, kport)
        s = start(sipp(uas, host, uas_port, [], name + '-uas', tmp),
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        c = start(sipp(uac, host, uac_port,
                       [remote, '-key', 'callee_host', callee,
                        '-key', 'callee_port', str(uas_port)],
                       name + '-uac', tmp),
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for who, p in (('caller', c), ('callee', s)):
            try:
                rc = p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                die('%s call: the %s did not finish' % (name, who))
            if rc != 0:
                errf = os.path.join(tmp, '%s-%s.err' % (
                    name, 'uac' if p is c else 'uas'))
                text = open(errf).read()[-1500:] if os.path.exists(errf) \
                    else ''
                die('%s call: the %s failed (rc %d) %s' % (name, who, rc,
                                                            text))
        log('%s call done' % name)


def write_bin(path, got):
    with open(path, 'wb') as f:
        for _, _, data in got:
            f.write(struct.pack('>I', len(data)) + data)


def ip_checksum(hdr):
    s = sum(struct.unpack('>10H', hdr))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def write_pcap(path, got, hep_port):
    with open(path, 'wb') as f:
        # Classic pcap, microseconds, Ethernet.
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (ns, addr, data) in enumerate(got):
            udp = struct.pack('>HHHH', addr[1], hep_port, 8 + len(data), 0)
            ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp) +
                             len(data), i & 0xffff, 0x4000, 64, 17, 0,
                             socket.inet_aton(addr[0]),
                             socket.inet_aton('127.0.0.1'))
            ip = ip[:10] + struct.pack('>H', ip_checksum(ip)) + ip[12:]
            eth = b'\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00'
            frame = eth + ip + udp + data
            f.write(struct.pack('<IIII', ns // 10**9, ns // 1000 % 10**6,
                                len(frame), len(frame)))
            f.write(frame)


def tshark_rows(pcap, env):
    args = ['tshark', '-r', pcap, '-n', '-T', 'fields',
            '-E', 'separator=\t', '-E', 'occurrence=f']
    for f in TSHARK_FIELDS:
        args += ['-e', f]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60, env=env)
    if r.returncode != 0:
        die('tshark -r %s failed: %s' % (pcap, r.stderr.decode()[-800:]))
    rows = []
    for line in r.stdout.decode().splitlines():
        v = dict(zip(TSHARK_FIELDS, line.split('\t')))
        six = bool(v['ipv6.src'])
        rows.append({
            'time': v['frame.time_epoch'],
            'src_ip': v['ipv6.src'] if six else v['ip.src'],
            'dst_ip': v['ipv6.dst'] if six else v['ip.dst'],
            'src_port': v['udp.srcport'], 'dst_port': v['udp.dstport'],
            'method': v['sip.Method'], 'status': v['sip.Status-Code'],
            'cseq_method': v['sip.CSeq.method'],
            'call_id': v['sip.Call-ID'],
            'payload': bytes.fromhex(v['udp.payload']),
        })
    return rows


def make_truth(tmp, got, version, wire, out):
    """Three readings, none of them ours, joined per datagram:
      - sngrep, as a HEP server (-L) of the same version, gets each
        datagram again and writes the SIP packet it describes, with HEP's
        time and ports (but IPv4 headers of 0.0.0.0 for IPv6 ones: sngrep
        1.6.0), which tshark decodes;
      - tshark decodes the SIP packets on the loopback wire, captured
        while the calls ran;
      - the datagram holds the wire packet's bytes, found by a plain
        substring search.
    The time comes from sngrep, the addresses from the wire, the ports
    and SIP fields from both, checked equal."""
    for tool in ('sngrep', 'tshark'):
        if not shutil.which(tool):
            die('%s is not installed (scripts/setup-debian.sh installs it)'
                % tool)
    env = dict(os.environ, HOME=tmp, TERM='dumb')
    decap = os.path.join(tmp, 'decap.pcap')
    rc = os.path.join(tmp, 'sngreprc')
    with open(rc, 'w') as f:
        f.write('set eep.listen.version %d\n' % version)
    port = free_udp_port()
    err = open(os.path.join(tmp, 'sngrep.err'), 'w+')
    p = start(['sngrep', '-f', rc, '-N', '-q',
               '-L', 'udp:127.0.0.1:%d' % port, '-O', decap],
              stdout=subprocess.DEVNULL, stderr=err, env=env)
    # The datagrams again, as the collector got them, to sngrep's HEP
    # port; paced, as sngrep reads one per poll.
    time.sleep(1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _, _, dgram in got:
        s.sendto(dgram, ('127.0.0.1', port))
        time.sleep(0.01)
    s.close()
    time.sleep(1)
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        die('sngrep did not stop')
    if not os.path.exists(decap):
        err.seek(0)
        die('sngrep wrote nothing: ' + err.read()[-800:])
    seen = tshark_rows(decap, env)
    if len(seen) != len(got):
        die('sngrep/tshark saw %d packets in %d HEP datagrams' %
            (len(seen), len(got)))
    on_wire = tshark_rows(wire, env)
    rows = []
    for i, ((_, _, dgram), s) in enumerate(zip(got, seen)):
        # sngrep 1.6.0 gives a HEPv2 payload the rest of its 4 KiB
        # receive buffer: there the wire packet is a prefix.
        w = [x for x in on_wire if x['payload'] == s['payload'] or
             (version == 2 and s['payload'].startswith(x['payload']))]
        if not w:
            die('datagram %d: sngrep read a SIP message that was not on '
                'the wire' % (i + 1))
        w = max(w, key=lambda x: len(x['payload']))
        if not dgram.endswith(w['payload']):
            die('datagram %d does not end with the wire packet' % (i + 1))
        for k in ('src_port', 'dst_port', 'method', 'status',
                  'cseq_method', 'call_id'):
            if s[k] != w[k]:
                die('datagram %d: %s is %r for sngrep, %r on the wire' %
                    (i + 1, k, s[k], w[k]))
        if ':' not in w['src_ip'] and (s['src_ip'], s['dst_ip']) != \
                (w['src_ip'], w['dst_ip']):
            die('datagram %d: sngrep and the wire disagree on addresses' %
                (i + 1))
        rows.append({
            'datagram': i + 1, 'time': s['time'],
            'src_ip': w['src_ip'], 'src_port': w['src_port'],
            'dst_ip': w['dst_ip'], 'dst_port': w['dst_port'],
            # sngrep passes on SIP (protocol type 1) only, and tshark
            # found SIP in every one.
            'proto_type': 1 if (w['method'] or w['status']) else '',
            'method': w['method'], 'status': w['status'],
            'cseq_method': w['cseq_method'], 'call_id': w['call_id'],
            'payload_len': len(w['payload']),
        })
    with open(out, 'w', newline='') as f:
        wr = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator='\n')
        wr.writeheader()
        wr.writerows(rows)


def start_wire_capture(tmp, hep_port):
    """dumpcap on the loopback interface, the HEP port left out."""
    if not shutil.which('dumpcap'):
        die('dumpcap is not installed (tshark brings it)')
    path = os.path.join(tmp, 'wire.pcapng')
    err = open(os.path.join(tmp, 'dumpcap.err'), 'w+')
    d = start(['dumpcap', '-i', 'lo', '-f', 'udp and not port %d' % hep_port,
               '-w', path, '-a', 'duration:120'],
              stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 10
    while time.time() < deadline:
        err.seek(0)
        text = err.read()
        if 'Capturing on' in text:
            return d, path
        if d.poll() is not None:
            die('dumpcap cannot capture on lo (root needed): ' + text[-500:])
        time.sleep(0.05)
    die('dumpcap did not start')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=HERE)
    ap.add_argument('--hep-version', type=int, default=3, choices=(2, 3))
    ap.add_argument('--name')
    ap.add_argument('--datagrams-only', action='store_true')
    a = ap.parse_args()
    name = a.name or ('kamailio_siptrace' if a.hep_version == 3
                      else 'kamailio_siptrace_v2')
    os.makedirs(a.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='cf-hep-')
    col = Collector()
    col.start()
    try:
        if not a.datagrams_only:
            dump, wire = start_wire_capture(tmp, col.port)
        kport = free_udp_port()
        k, kerr = start_kamailio(tmp, kport, col.port, a.hep_version)
        log('kamailio ready on 127.0.0.1:%d and [::1]:%d, HEPv%d to '
            '127.0.0.1:%d' % (kport, kport, a.hep_version, col.port))
        run_calls(tmp, kport)
        # The last copies are sent after the last message: let them in.
        quiet = time.time() + 0.5
        n = len(col.got)
        while time.time() < quiet or len(col.got) != n:
            n = len(col.got)
            time.sleep(0.2)
        k.send_signal(signal.SIGTERM)
        try:
            k.wait(timeout=10)
        except subprocess.TimeoutExpired:
            k.kill()
        col.stop()
        got = col.got
        log('%d HEP datagrams' % len(got))
        if not got:
            kerr.seek(0)
            die('no HEP datagram came: ' + kerr.read()[-1500:])
        base = os.path.join(a.out, name)
        write_bin(base + '.bin', got)
        write_pcap(base + '.pcap', got, col.port)
        if not a.datagrams_only:
            time.sleep(0.3)
            dump.send_signal(signal.SIGTERM)
            try:
                dump.wait(timeout=10)
            except subprocess.TimeoutExpired:
                die('dumpcap did not stop')
            make_truth(tmp, got, a.hep_version, wire, base + '.truth.csv')
            log('wrote %s.{bin,pcap,truth.csv}' % base)
        else:
            log('wrote %s.{bin,pcap}' % base)
    finally:
        stop_all()
        if not col.done.is_set():
            col.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
