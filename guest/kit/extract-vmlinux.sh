#!/usr/bin/env bash
# extract-vmlinux.sh BZIMAGE OUT: writes the uncompressed ELF vmlinux that a
# bzImage carries.  The setup header says where the compressed payload is
# (payload_offset/payload_length, boot protocol 2.08+); its first bytes say
# which compressor made it.  Fails unless the result is an ELF file.
set -eu
bz=$1 out=$2

u8() { od -An -tu1 -j "$1" -N1 "$bz" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$bz" | tr -d ' '; }
u16() { od -An -tu2 -j "$1" -N2 "$bz" | tr -d ' '; }

[ "$(od -An -c -j 0x202 -N4 "$bz" | tr -d ' ')" = HdrS ] || {
	echo "$bz: not a bzImage (no HdrS header)" >&2; exit 1; }
version=$(u16 0x206)
[ "$version" -ge $((0x208)) ] || {
	echo "$bz: boot protocol older than 2.08 has no payload fields" >&2; exit 1; }
sects=$(u8 0x1f1); [ "$sects" -eq 0 ] && sects=4
start=$(( (sects + 1) * 512 + $(u32 0x248) ))
len=$(u32 0x24c)
magic=$(od -An -tx1 -j "$start" -N6 "$bz" | tr -d ' ')
case $magic in
fd377a585a00*) dec="xz -dc" ;;
28b52ffd*) dec="zstd -dcq" ;;
1f8b*) dec="gzip -dc" ;;
5d0000*) dec="xz -dc --format=lzma" ;;
02214c18*) dec="lz4 -dc" ;;
425a68*) dec="bzip2 -dc" ;;
*) echo "$bz: unknown compression (payload starts $magic)" >&2; exit 1 ;;
esac
# Said here: the decompression below hides its errors.
command -v "${dec%% *}" >/dev/null || {
	echo "$bz: its payload needs ${dec%% *}, which is not installed (make deps)" >&2; exit 1; }
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
# Some payloads carry trailing bytes the decompressor complains about;
# the ELF check below is what decides.
tail -c +$((start + 1)) "$bz" | head -c "$len" | $dec >"$tmp" 2>/dev/null || true
[ "$(head -c4 "$tmp" | od -An -c | tr -d ' ')" = '177ELF' ] || {
	echo "$bz: payload ($dec) did not decompress to an ELF vmlinux" >&2; exit 1; }
mv "$tmp" "$out"
trap - EXIT
