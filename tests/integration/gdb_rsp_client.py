# A minimal GDB remote-protocol client for what gdb's batch mode cannot do:
# interrupt a running guest with Ctrl-C (0x03) and check the stop, read
# and write x87/SSE registers in the raw 'g'/'P' layout, plus a few
# malformed packets the stub must survive.  Used by gdb_lib.sh:
#   python3 gdb_rsp_client.py PORT SPIN SPIN_END GO LOW_BP BP AFTER_BP
# Exits 0 when every check passed; prints "FAIL ..." otherwise.
import socket
import sys
import time


def frame(payload):
    return b"$%s#%02x" % (payload, sum(payload) & 0xFF)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""

    def byte(self):
        while not self.buf:
            data = self.s.recv(4096)
            if not data:
                raise EOFError("stub closed the connection")
            self.buf += data
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def packet(self):
        """The next packet's payload; acks it."""
        while self.byte() != b"$":
            pass
        data = b""
        while True:
            b = self.byte()
            if b == b"#":
                break
            data += b
        csum = self.byte() + self.byte()
        if int(csum, 16) != sum(data) & 0xFF:
            raise ValueError("bad checksum from the stub")
        self.s.sendall(b"+")
        return data

    def ask(self, payload):
        self.s.sendall(frame(payload))
        return self.packet()

    def raw(self, data):
        self.s.sendall(data)


def rip_of(g):
    # rip is register 16: bytes 128..135 of the 'g' block, little-endian.
    return int.from_bytes(bytes.fromhex(g[256:272].decode()), "little")


def fpu_checks(c):
    """x87/SSE registers as the guest set them before bp_here (pi and 1.0
    pushed, XMM0 a byte ramp, MXCSR 0xff80), in the 'g' block at the
    target.xml offsets; then XMM1 = 3 with 'P' (the guest adds it to its
    exit value)."""
    fails = []
    g = bytes.fromhex(c.ask(b"g").decode())
    want = {
        "st0 = pi": (164, bytes.fromhex("35c26821a2da0fc90040")),
        "st1 = 1.0": (174, bytes.fromhex("0000000000000080ff3f")),
        "fstat (TOP 6)": (248, (0x3000).to_bytes(4, "little")),
        "ftag (two valid)": (252, (0x0FFF).to_bytes(4, "little")),
        "xmm0": (276, bytes(range(16))),
        "mxcsr": (532, (0xFF80).to_bytes(4, "little")),
    }
    for what, (off, val) in want.items():
        got = g[off:off + len(val)]
        if got != val:
            fails.append("%s: %s, want %s" % (what, got.hex(), val.hex()))
    if c.ask(b"P29=" + b"03" + b"00" * 15) != b"OK":  # xmm1 is register 41
        fails.append("xmm1 write refused")
    return fails


def breakpoints(c, low, bp, after_bp):
    """Breakpoints, then one step, straight from the protocol.  The
    first one is where paging is still off (see gdb_lib.sh)."""
    fails = []
    if c.ask(b"Z0,%x,1" % low) != b"OK":
        fails.append("Z0 refused")
    c.raw(frame(b"c"))
    stop = c.packet()
    rip = rip_of(c.ask(b"g"))
    if not stop.startswith(b"T05swbreak:;") or rip != low:
        fails.append("stop %r at %#x, want T05 at the breakpoint %#x" % (stop, rip, low))
    c.ask(b"z0,%x,1" % low)
    if c.ask(b"Z0,%x,1" % bp) != b"OK":
        fails.append("Z0 refused")
    c.raw(frame(b"c"))
    c.s.settimeout(30)
    try:
        stop = c.packet()
    except socket.timeout:
        fails.append("breakpoint did not fire within 30 s")
        c.raw(b"\x03")
        stop = c.packet()
    c.s.settimeout(60)
    rip = rip_of(c.ask(b"g"))
    if not stop.startswith(b"T05") or rip != bp:
        fails.append("stop %r at %#x, want T05 at the breakpoint %#x" % (stop, rip, bp))
    if c.ask(b"z0,%x,1" % bp) != b"OK":
        fails.append("z0 refused")
    c.raw(frame(b"vCont;s:1"))
    stop = c.packet()
    rip = rip_of(c.ask(b"g"))
    if not stop.startswith(b"T05") or rip != after_bp:
        fails.append("step: %r at %#x, want T05 at %#x" % (stop, rip, after_bp))
    return fails


def main():
    port, spin, spin_end, go, low, bp, after_bp = (int(a, 0) for a in sys.argv[1:8])
    c = Conn(port)
    fails = []
    if not c.ask(b"?").startswith(b"T05thread:1;"):
        fails.append("first stop is not T05 on thread 1")
    if len(sys.argv) > 8 and sys.argv[8] == "nobreak":
        # Without breakpoints (gdb_stub_kvm.sh): one step from the entry,
        # over its 5-byte "mov esp, imm32".
        entry = rip_of(c.ask(b"g"))
        c.raw(frame(b"vCont;s:1"))
        stop = c.packet()
        rip = rip_of(c.ask(b"g"))
        if not stop.startswith(b"T05") or rip != entry + 5:
            fails.append("step: %r at %#x, want T05 at %#x" % (stop, rip, entry + 5))
    else:
        fails += breakpoints(c, low, bp, after_bp)
    # Malformed input: a bad checksum is nacked, nonsense gets errors.
    c.raw(b"$g#00")
    if c.byte() != b"-":
        fails.append("bad checksum not nacked")
    for bad in (b"m", b"mzz,1", b"m1,", b"Mffffffffffffffff,ff:00", b"P99=00",
                b"Z9,0,1", b"Hgzz", b"vCont;x", b"p" + b"f" * 40):
        r = c.ask(bad)
        if not (r.startswith(b"E") or r == b""):
            fails.append("packet %r answered %r" % (bad, r))
    # Continue, let it spin, interrupt: the stop is SIGINT inside the loop.
    c.raw(frame(b"c"))
    if c.byte() != b"+":
        fails.append("continue not acked")
    time.sleep(0.5)
    c.raw(b"\x03")
    stop = c.packet()
    if not stop.startswith(b"T02"):
        fails.append("interrupt stop is %r, want T02" % stop)
    rip = rip_of(c.ask(b"g"))
    if not spin <= rip < spin_end:
        fails.append("interrupted at %#x, not in the spin loop" % rip)
    fails += fpu_checks(c)
    # Let the guest finish: go = 1, then detach.
    if c.ask(b"M%x,1:01" % go) != b"OK":
        fails.append("memory write refused")
    if c.ask(b"D") != b"OK":
        fails.append("detach refused")
    for f in fails:
        print("FAIL", f)
    print("rsp client: %d checks failed, interrupted at %#x" % (len(fails), rip))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
