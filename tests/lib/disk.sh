# Disk images for the tests (sourced after common.sh).  No root needed:
# mkfs.ext4 -d fills the file system from a directory, debugfs and e2fsck
# read it back without mounting.
#
#   mkext4 IMAGE MIB DIR     an ext4 image of MIB MiB holding DIR's files
#   ext4_md5 IMAGE PATH      the md5 of PATH inside the image ("" if absent)
#   ext4_check IMAGE         e2fsck -fn: fails unless the file system is clean

mkext4() {
	need_cmd mkfs.ext4 debugfs e2fsck
	rm -f "$1"
	truncate -s "${2}M" "$1" || fail "cannot create $1"
	mkfs.ext4 -q -F -L gamut-test -d "$3" "$1" >/dev/null 2>&1 ||
		fail "mkfs.ext4 -d $3 $1 failed"
}

ext4_md5() {
	local out=$T/.ext4_md5.$$
	rm -f "$out"
	debugfs -R "dump -p $2 $out" "$1" >/dev/null 2>&1
	if [ -f "$out" ]; then
		md5_of "$out"
		rm -f "$out"
	fi
}

ext4_check() {
	local log
	log=$(e2fsck -fn "$1" 2>&1) || {
		printf '%s\n' "$log" | tail -15
		fail "e2fsck -fn $1: the file system is not clean"
	}
}
