#!/usr/bin/env bash
# The SDK's TCP/IP (guest/pv/lib/net_*.c) against hand-made frames: a
# python3 packet socket on the TAP device (in a network namespace made for
# the test) plays a client at 10.0.80.9 with its own MAC and checks each
# answer of the httpd example: ARP reply, ICMP echo (and silence for a bad
# checksum or a fragment), RST for a closed port, SYN-ACK with its MSS,
# silence for a bad TCP checksum, a duplicate ACK for an out-of-order
# segment, the body cut to the client's MSS, a retransmission of the first
# unacknowledged segment alone after a timeout, FIN both ways (and the
# ACK repeated for a late FIN),
# zero-window probing, a RST that ends a connection and frees the port,
# then 3000 random frames after which it still answers.
set -u
. "$(dirname "$0")/pv_lib.sh"
. tests/lib/common.sh
. tests/lib/net.sh
need_root
need_tun
need_cmd ip python3 curl
[ -f "$PV_EX/httpd.pv" ] || skip "no $PV_EX/httpd.pv (make pv-examples)"

pv_httpd_start pvt0
log=$GUEST_LOG gpid=$GUEST_PID

in_netns python3 - pvt0 <<'PY'
import socket, struct, sys, time

IF, GIP, MIP = sys.argv[1], socket.inet_aton("10.0.80.2"), socket.inet_aton("10.0.80.9")
MMAC, BCAST = bytes.fromhex("020000000009"), b"\xff" * 6
SYN, FIN, RST, PSH, ACK = 2, 1, 4, 8, 16
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((IF, 0))
gmac = None
fails = 0

def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL: ") + what, flush=True)
    fails += 0 if ok else 1

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF

def send_ip(proto, payload, frag=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0, MIP, GIP)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    s.send(gmac + MMAC + b"\x08\x00" + h + payload)

def send_tcp(sport, seq, ack, flags, data=b"", win=65535, dport=80, opts=b"", bad=False):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                    (20 + len(opts)) // 4 << 4, flags, win, 0, 0) + opts
    c = csum(MIP + GIP + struct.pack("!BBH", 0, 6, len(h) + len(data)) + h + data)
    h = h[:16] + struct.pack("!H", c ^ (0x5555 if bad else 0)) + h[18:]
    send_ip(6, h + data)

def recv(match, timeout=5.0):
    """The first frame from the guest that match() turns into a value."""
    end = time.time() + timeout
    while time.time() < end:
        s.settimeout(max(end - time.time(), 0.01))
        try:
            f = s.recv(2048)
        except socket.timeout:
            break
        if f[6:12] != MMAC:
            r = match(f)
            if r is not None:
                return r
    return None

def ip_from_guest(f, proto):
    if f[12:14] != b"\x08\x00" or f[23] != proto or f[26:30] != GIP or f[30:34] != MIP:
        return None
    hl = (f[14] & 15) * 4
    return f[14 + hl:14 + struct.unpack("!H", f[16:18])[0]]

def tcp(sport):
    def m(f):
        t = ip_from_guest(f, 6)
        if t is None or struct.unpack("!H", t[2:4])[0] != sport:
            return None
        sp, dp, seq, ack, off, fl, win = struct.unpack("!HHIIBBH", t[:16])
        return dict(seq=seq, ack=ack, fl=fl, win=win, opts=t[20:(off >> 4) * 4], data=t[(off >> 4) * 4:])
    return m

def body(n):
    return bytes(97 + i % 26 for i in range(n))

def read_to_fin(sport, seq, nxt):
    """Acknowledges each in-order segment as it comes until the guest's FIN
    (20 s at most); returns the data, the next sequence number and whether
    the FIN came."""
    got, fin = b"", False
    end = time.time() + 20
    while not fin and time.time() < end:
        send_tcp(sport, seq, nxt, ACK)
        r = recv(tcp(sport), 1.0)
        if not r:
            continue
        if r["seq"] == nxt and r["data"]:
            got += r["data"]
            nxt += len(r["data"])
        if r["fl"] & FIN and r["seq"] == nxt:
            fin, nxt = True, nxt + 1
    return got, nxt, fin

# ARP
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x800, 6, 4, 1, MMAC, MIP, b"\0" * 6, GIP)
s.send(BCAST + MMAC + b"\x08\x06" + arp)
gmac = recv(lambda f: f[22:28] if f[12:14] == b"\x08\x06" and f[20:22] == b"\0\x02" and f[28:32] == GIP else None)
check(gmac == bytes.fromhex("525400707600"), "ARP reply with the guest's MAC (%s)" % (gmac or b"").hex())
if gmac is None:
    sys.exit(1)

# ICMP echo: a bad checksum and a fragment get nothing, a good one its echo
def echo(ident, seq, data, bad=False, frag=0):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    m = m[:2] + struct.pack("!H", csum(m) ^ (0x5555 if bad else 0)) + m[4:]
    send_ip(1, m, frag)
    return recv(lambda f: (lambda t: t if t and t[:1] == b"\0" and t[4:6] == struct.pack("!H", ident) else None)(ip_from_guest(f, 1)), 1.5)
check(echo(7, 1, b"x" * 32, bad=True) is None, "no echo for a bad ICMP checksum")
check(echo(8, 1, b"y" * 32, frag=0x2000) is None, "no echo for a fragment")
r = echo(9, 3, b"gamut-pv" * 8)
check(r is not None and r[6:8] == b"\0\x03" and r[8:] == b"gamut-pv" * 8 and csum(r) == 0, "ICMP echo reply")

# A closed port: RST|ACK acknowledging the SYN
send_tcp(40000, 1000, 0, SYN, dport=81)
r = recv(tcp(40000))
check(r is not None and r["fl"] == RST | ACK and r["ack"] == 1001, "RST for port 81")

# Connection 1: handshake with MSS 1000
send_tcp(40001, 5000, 0, SYN, opts=struct.pack("!BBH", 2, 4, 1000))
r = recv(tcp(40001))
check(r is not None and r["fl"] == SYN | ACK and r["ack"] == 5001 and r["opts"][:4] == b"\x02\x04\x05\xb4",
      "SYN-ACK with MSS 1460 acknowledging the SYN")
isn = r["seq"]
send_tcp(40001, 5001, isn + 1, ACK)
req = b"GET /bytes/5000 HTTP/1.0\r\n\r\n"
send_tcp(40001, 5001, isn + 1, ACK | PSH, req, bad=True)
check(recv(tcp(40001), 1.0) is None, "nothing for a bad TCP checksum")
send_tcp(40001, 5011, isn + 1, ACK | PSH, req[10:])
r = recv(tcp(40001))
check(r is not None and r["ack"] == 5001 and not r["data"], "duplicate ACK for an out-of-order segment")
send_tcp(40001, 5001, isn + 1, ACK, req[:10])
r = recv(tcp(40001))
check(r is not None and r["ack"] == 5011, "ACK for the in-order part")
send_tcp(40001, 5011, isn + 1, ACK | PSH, req[10:])
# Everything the window allows, not acknowledged: the burst ends with the
# FIN (the server closes after its answer).
segs, t0 = {}, time.time()
while time.time() - t0 < 10:
    r = recv(tcp(40001), 10 - (time.time() - t0))
    if r and r["data"]:
        segs.setdefault(r["seq"], r["data"])
    if r and r["fl"] & FIN:
        break
first = segs.get(isn + 1, b"")
print("     burst of %d data segments and FIN in %.2f s" % (len(segs), time.time() - t0))
check(first.startswith(b"HTTP/1.0 200 OK") and max(len(d) for d in segs.values()) <= 1000,
      "response in segments of at most the client's MSS (%d segments)" % len(segs))
r = recv(lambda f: (lambda x: x if x and x["data"] else None)(tcp(40001)(f)), 5.0)
stream = b"".join(segs[k] for k in sorted(segs, key=lambda k: (k - isn) & 0xFFFFFFFF))
# The sender may pack the stream anew: header and body in one segment now.
check(r is not None and r["seq"] == isn + 1 and len(r["data"]) == 1000 and stream.startswith(r["data"]),
      "the first segment retransmitted after a timeout (%.2f s after the request)" % (time.time() - t0))
r2 = recv(lambda f: (lambda x: x if x and x["data"] else None)(tcp(40001)(f)), 0.15)
check(r2 is None, "only that segment retransmitted")
# Acknowledge everything as it comes, then FIN both ways.
got, nxt, fin = read_to_fin(40001, 5001 + len(req), isn + 1)
head, _, data = got.partition(b"\r\n\r\n")
check(fin and data == body(5000) and b"Content-Length: 5000" in head, "the whole body, then FIN")
send_tcp(40001, 5001 + len(req), nxt, FIN | ACK)
r = recv(tcp(40001))
check(r is not None and r["fl"] & ACK and r["ack"] == 5001 + len(req) + 1, "our FIN acknowledged")
send_tcp(40001, 5001 + len(req), nxt, FIN | ACK)  # as if that ACK was lost
r = recv(tcp(40001))
check(r is not None and r["fl"] == ACK and r["ack"] == 5001 + len(req) + 1,
      "a repeated FIN after the close gets its ACK again, not a RST")

# Connection 2: a zero window: the guest probes, then sends once it opens
send_tcp(40002, 9000, 0, SYN)
r = recv(tcp(40002))
isn = r["seq"] if r else 0
req = b"GET /bytes/100 HTTP/1.0\r\n\r\n"
send_tcp(40002, 9001, isn + 1, ACK | PSH, req, win=0)
probe = recv(lambda f: (lambda x: x if x and x["seq"] == isn else None)(tcp(40002)(f)), 5.0)
check(probe is not None and not probe["data"], "a window probe (an ACK one below the window)")
got, nxt, fin = read_to_fin(40002, 9001 + len(req), isn + 1)
check(fin and got.endswith(b"\r\n\r\n" + body(100)), "the body once the window opened")
send_tcp(40002, 9001 + len(req), nxt, FIN | ACK)
recv(tcp(40002), 1.0)

# Connection 3: reset mid-request; the port then takes connection 4
send_tcp(40003, 7000, 0, SYN)
r = recv(tcp(40003))
isn = r["seq"] if r else 0
send_tcp(40003, 7001, isn + 1, ACK)
send_tcp(40003, 7001, isn + 1, ACK | PSH, b"GET /")
recv(tcp(40003), 1.0)
send_tcp(40003, 7006, 0, RST)
time.sleep(0.5)

# 3000 malformed or random frames (fixed seed): random bytes, IPv4 headers
# with valid checksums but random lengths and fields, TCP segments with
# valid checksums but random flags, offsets, options and numbers, ICMP of
# every type.  The guest must keep answering afterwards.
import random
rnd = random.Random(1)
def rbytes(n):
    return bytes(rnd.getrandbits(8) for _ in range(n))
for i in range(3000):
    kind = i % 4
    if kind == 0:
        s.send(rnd.choice([gmac, BCAST]) + MMAC + rnd.choice([b"\x08\x00", b"\x08\x06"]) +
               rbytes(rnd.randrange(0, 1500)))
    elif kind == 1:
        ihl = rnd.randrange(0, 16)
        h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, rnd.randrange(0, 1600), 1,
                                  rnd.choice([0, 0x4000, 0x2000, rnd.getrandbits(16)]), 64,
                                  rnd.choice([1, 6, 17, rnd.getrandbits(8)]), 0, MIP, GIP))
        h += rbytes(max(0, ihl * 4 - 20))
        h[10:12] = struct.pack("!H", csum(bytes(h[:max(ihl * 4, 20)])))
        s.send(gmac + MMAC + b"\x08\x00" + bytes(h) + rbytes(rnd.randrange(0, 1400)))
    elif kind == 2:
        off = rnd.randrange(0, 16)
        h = struct.pack("!HHIIBBHHH", rnd.randrange(1, 65536), rnd.choice([80, 80, 81, rnd.randrange(65536)]),
                        rnd.getrandbits(32), rnd.getrandbits(32), off << 4, rnd.getrandbits(8),
                        rnd.getrandbits(16), 0, rnd.getrandbits(16)) + rbytes(max(0, off * 4 - 20))
        seg = bytearray(h + rbytes(rnd.choice([0, 0, rnd.randrange(0, 1400)])))
        seg[16:18] = struct.pack("!H", csum(MIP + GIP + struct.pack("!BBH", 0, 6, len(seg)) + bytes(seg)))
        send_ip(6, bytes(seg))
    else:
        m = bytearray(bytes([rnd.choice([8, 0, 3, rnd.getrandbits(8)]), rnd.getrandbits(8), 0, 0]) +
                      rbytes(rnd.randrange(0, 1400)))
        m[2:4] = struct.pack("!H", csum(bytes(m)))
        send_ip(1, bytes(m))
    if i % 100 == 99:
        time.sleep(0.02)  # let the guest keep up rather than fill the TAP queue
while recv(lambda f: True, 0.5):
    pass
# On a loaded host the guest may still be working through the flood (the
# kernel's TAP queue drops what does not fit, as a wire would): "still
# answers" is asked up to ten times, as ping would, and a SYN retransmitted.
for attempt in range(1, 11):
    r = echo(10, attempt, b"still here")
    if r is not None:
        break
check(r is not None and r[8:] == b"still here",
      "ICMP echo after 3000 random frames (attempt %d)" % attempt)
# A half-open connection left by them (if any) gives way to this client.
for attempt in range(3):
    send_tcp(40004, 3000, 0, SYN)
    r = recv(tcp(40004), 5.0)
    if r is not None:
        break
check(r is not None and r["fl"] == SYN | ACK, "after a RST the port takes a new connection")
send_tcp(40004, 3001, 0, RST)
sys.exit(1 if fails else 0)
PY
rc=$?
quit=$(in_netns curl -sS -m 60 http://10.0.80.2/quit)
[ "$quit" = "bye." ] || { echo "FAIL: GET /quit gave: $quit"; rc=1; }
pv_guest_wait $gpid || { echo "FAIL: the guest ended with status $?"; rc=1; }
cat "$log"
[ "$rc" -eq 0 ] && echo ok
exit $rc
