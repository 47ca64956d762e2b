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
esac
exit 0
