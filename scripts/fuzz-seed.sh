#!/usr/bin/env bash
# fuzz-seed.sh NAME DIR: puts real inputs of the right kind for libFuzzer
# target NAME into corpus DIR, so that a short run (tests/integration/
# fuzz_smoke.sh) means something and a long one (scripts/fuzz-long.sh)
# starts past the parser's first checks.  Targets without seeds get none.
set -u
name=$1 corpus=$2
BUILD=${BUILD:-build}
g=${GAMUT:-$PWD/$BUILD/gamut}
mkdir -p "$corpus"
case $name in
# The PVH test guests: ELF64 files and pvh_entry32.elf, an ELF32 one.
fuzz_elf) cp "$BUILD"/guests/boot/*.elf "$corpus/" 2>/dev/null ;;
fuzz_bzimage) cp "$BUILD"/guests/boot/bzimage64.bin "$corpus/" 2>/dev/null
	[ -f "$BUILD/kit/bzImage" ] && head -c 32768 "$BUILD/kit/bzImage" >"$corpus/debian" ;;
fuzz_pv_image) cp "$BUILD"/pv-examples/*.pv "$corpus/" 2>/dev/null ;;
# A guest kernel's first hypercalls (fuzz/fuzz_xen_hypercall.c decodes
# them): text into the scratch page, console_io of it, xen_version,
# an mmu_update and a multicall aimed at the scratch page, a trap table,
# an event channel bound to VIRQ_TIMER, then a page fault.
fuzz_xen_hypercall) python3 - "$corpus/first-steps" <<'PY'
import struct, sys
def call(nr, *args):
    b = bytes([0]) + struct.pack('<H', nr)
    for a in args:
        b += bytes([1]) + struct.pack('<H', a[1]) if isinstance(a, tuple) else bytes([0]) + struct.pack('<Q', a)
    return b
def write(off, data):
    return bytes([1]) + struct.pack('<HB', off, len(data)) + data
buf = lambda off: ('buf', off)
out = write(0, b'hello, gamut\n')
out += call(18, 0, 13, buf(0), 0, 0)                       # console_io write
out += call(17, 0, 0, 0, 0, 0)                             # xen_version
out += write(64, struct.pack('<QQ', 0x1000000 | 0, 0x67))
out += call(1, buf(64), 1, 0, 0x7ff0, 0)                   # mmu_update
out += write(128, struct.pack('<Q', 17) + struct.pack('<Q', 0) + bytes(48))
out += call(13, buf(128), 1, 0, 0, 0)                      # multicall
out += write(256, struct.pack('<BBHIQ', 14, 0, 0xe033, 0, 0xffffffff81000040))
out += call(0, buf(256), 0, 0, 0, 0)                       # set_trap_table
out += write(512, struct.pack('<III', 0, 0, 0))
out += call(32, 1, buf(512), 0, 0, 0)                      # bind_virq
out += bytes([2, 14, 2, 0])                                # #PF
open(sys.argv[1], 'wb').write(out)
PY
	;;
# The kit kernel's real Xen notes in a small ELF64 (one PT_LOAD where
# vmlinux has its first, then the PT_NOTE), so the parser's every note
# type is reached from the start.
fuzz_xen_note) [ -f "$BUILD/kit/vmlinux" ] && python3 - "$BUILD/kit/vmlinux" "$corpus/debian" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
phoff, = struct.unpack_from('<Q', d, 32)
n, = struct.unpack_from('<H', d, 56)
ph = [struct.unpack_from('<IIQQQQQQ', d, phoff + 56 * i) for i in range(n)]
load = next(p for p in ph if p[0] == 1)
note = next(p for p in ph if p[0] == 4)
notes = d[note[2]:note[2] + note[5]]
hdr = bytearray(d[:64])
struct.pack_into('<Q', hdr, 32, 64)
struct.pack_into('<Q', hdr, 40, 0)
struct.pack_into('<H', hdr, 56, 2)
off = 64 + 2 * 56
out = hdr + struct.pack('<IIQQQQQQ', 1, load[1], off + len(notes), load[3], load[4], 16, load[6], load[7])
out += struct.pack('<IIQQQQQQ', 4, 4, off, note[3], note[4], len(notes), len(notes), 4)
out += notes + b'\x90' * 16
open(sys.argv[2], 'wb').write(out)
PY
	;;
fuzz_hostfwd) printf 'tcp::8080-:80' >"$corpus/a"
	printf 'udp:127.0.0.1:5353-10.0.2.15:53' >"$corpus/b" ;;
fuzz_config_args) printf 'data=v1,x.img,ro,iops=50,bw=2m,bw_burst=64k' >"$corpus/a"
	printf 'user,hostfwd=tcp::8080-:80,bw=1m,pps=100,pps_burst=5' >"$corpus/b" ;;
fuzz_oci_config) (cd "$corpus" && "$g" oci spec >/dev/null 2>&1) ;;
# A guest's first steps (fuzz/fuzz_xen_mm.c decodes them): a path
# L4 1 -> L3 2 -> L2 3 -> L1 4 -> page 5 for VA 0, that L4 as the base,
# update_va to map frame 6, a write through it, an L1 that maps itself
# writable (refused), pin and unpin.
fuzz_xen_mm) printf '\x0c\x01\x02\x03\x04\x05\x00\x00\x01\x05\x00\x01\x08\x05\x04\x06\x09\x05\x01\x02\x04\x08\x10\x04\x04\x03\x04\x01\x04\x01' >"$corpus/a" ;;
fuzz_seccomp_profile)
	# The first byte picks the capability set (fuzz/fuzz_seccomp_profile.c).
	if [ -r /usr/share/containers/seccomp.json ]; then
		{ printf '\000'; cat /usr/share/containers/seccomp.json; } >"$corpus/default"
		{ printf '\040'; cat /usr/share/containers/seccomp.json; } >"$corpus/default-sysadmin"
	fi
	printf '\000{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"],"minKernel":"5.3"},"excludes":{"arches":["arm64"]},"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}' >"$corpus/small" ;;
# Request streams in fuzz/fuzz_xenstore.c's format (ring offset, chunks of
# request bytes, serve-and-read): write/read/directory/rm, watches, a
# transaction, and the other requests.
fuzz_xenstore)
	printf '\xe8\x03\x00\x00\x00\x00\x1b\x0b\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x0c\x00\x00\x00\x64\x61\x74\x61\x2f\x78\x00\x68\x65\x6c\x6c\x6f\x40\x16\x02\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x64\x61\x74\x61\x2f\x78\x00\x40\x14\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x64\x61\x74\x61\x00\x40\x16\x0d\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x64\x61\x74\x61\x2f\x78\x00\x40\x40\x40\x40' >"$corpus/basic"
	printf '\xe8\x03\x00\x00\x00\x00\x18\x04\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x64\x61\x74\x61\x00\x74\x6f\x6b\x00\x40\x19\x0b\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x00\x64\x61\x74\x61\x2f\x61\x2f\x62\x00\x76\x40\x16\x0d\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x64\x61\x74\x61\x2f\x61\x00\x40\x18\x05\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x64\x61\x74\x61\x00\x74\x6f\x6b\x00\x40\x40\x40\x40' >"$corpus/watch"
	printf '\xe8\x03\x00\x00\x00\x00\x10\x06\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x40\x17\x0b\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00\x64\x61\x74\x61\x2f\x74\x00\x76\x40\x16\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x00\x00\x07\x00\x00\x00\x64\x61\x74\x61\x2f\x74\x00\x40\x16\x0c\x00\x00\x00\x04\x00\x00\x00\x01\x00\x00\x00\x07\x00\x00\x00\x64\x61\x74\x61\x2f\x6d\x00\x40\x1c\x0e\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00\x0d\x00\x00\x00\x64\x61\x74\x61\x2f\x74\x00\x6e\x31\x00\x72\x32\x00\x40\x11\x07\x00\x00\x00\x06\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x54\x00\x40\x40\x40\x40' >"$corpus/txn"
	printf '\xe8\x03\x00\x00\x00\x00\x11\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x31\x00\x40\x14\x03\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x64\x61\x74\x61\x00\x40\x16\x16\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x64\x61\x74\x61\x00\x30\x00\x40\x10\x15\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x40\x1a\x0e\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x0b\x00\x00\x00\x64\x61\x74\x61\x00\x6e\x31\x00\x62\x32\x00\x40\x40\x40\x40' >"$corpus/misc"
	;;
esac
exit 0
