#!/usr/bin/env python3
"""Where a stuck nested VM's CPUs are: asks QEMU's human monitor (a unix
socket) for every vCPU's registers (HLT=1: halted, waiting for an
interrupt) and next instructions.

Usage: nested_hmp.py MONITOR_SOCKET NCPUS
Prints lines starting "nested-hmp: ".
"""
import re
import socket
import sys
import time


def hmp(sock, command):
    sock.sendall(command.encode() + b"\n")
    out = b""
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        out += data
    return out.decode(errors="replace").replace("\r", "")


def main():
    sock_path, ncpus = sys.argv[1], int(sys.argv[2])
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(sock_path)
    sock.settimeout(1)
    hmp(sock, "")  # the banner
    out = []
    for cpu in range(ncpus):
        hmp(sock, "cpu %d" % cpu)
        regs = hmp(sock, "info registers")
        rip = re.search(r"RIP=([0-9a-f]+) .* CPL=(\d) .* HLT=(\d)", regs)
        out.append("cpu %d: %s" % (cpu, "RIP %s CPL %s HLT %s" % rip.groups() if rip else "no registers"))
        out += [l for l in regs.splitlines() if re.match(r"^(RAX|RSI|R8 |R12|RIP|CS |SS |CR0|EFER)", l)]
        out += hmp(sock, "x/6i $pc").splitlines()[1:]
    for line in out:
        if line.strip() and not line.startswith("(qemu)"):
            print("nested-hmp: " + line)


main()
