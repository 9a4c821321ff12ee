#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bpftool map show / prog show name the memory cgroup a map or program is
# charged to: "memcg PATH" in plain output, "memcg":"PATH" in JSON.  The
# kernel reports the cgroup's id (memcg_cgroup_id in bpf_map_info and
# bpf_prog_info); bpftool turns it into a path by walking the cgroup2
# mount for the directory with that inode number, so PATH is relative to
# the mount (here /sys/fs/cgroup, the root of the initial namespace); JSON
# also carries the id, "memcg_cgroup_id", which is not checked here.  On
# the 6.12 series bpftool prints the fdinfo line instead ("memcg:\tPATH"),
# in the same format.
#
# Builds, with cgroup2 at /sys/fs/cgroup and the memory controller enabled
# in the root's subtree_control:
#
#   bpftool-test          +memory; memory.bpf_charge_target /bpftool-test
#     gen1                maps and programs are created here
#     "gen 2"             a name with a blank, created without a target
#
# and checks, for an array map and a socket filter program created from
# gen1 and pinned in bpffs, that bpftool names /bpftool-test while the
# target is set, and /bpftool-test/gen1 once it is cleared; then the same
# from "gen 2".  Everything is removed at the end.
#
# Runs in the busybox guest as root (POSIX sh).  scripts/build-tests puts
# it in build/tests with the bpftool to test (bpftool/bpftool) and the
# program (bpftool_memcg.bpf.o); the harness copies build/tests to /extra:
#
#   scripts/vm-run -v check -t 900 -e build/tests -- /extra/test_bpftool_memcg.sh
#
# BPFTOOL=PATH and BPF_OBJ=PATH test another bpftool or program.
# Output: kselftest TAP; the exit status is non-zero when a test fails.

here=$(dirname "$0")
BPFTOOL=${BPFTOOL:-$here/bpftool/bpftool}
BPF_OBJ=${BPF_OBJ:-$here/bpftool_memcg.bpf.o}
CG=/sys/fs/cgroup
TOP=$CG/bpftool-test
PINS=/sys/fs/bpf/bpftool-test
SPACE="gen 2"
TAB=$(printf '\t')

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
}
diag() {
	echo "$*" | sed 's/^/# /'
}

cleanup() {
	rm -rf "$PINS"
	for d in "$TOP/$SPACE" "$TOP/gen1" "$TOP"; do
		[ -d "$d" ] && rmdir "$d"
	done
}

# in_cg CGROUP COMMAND...: run COMMAND in CGROUP (a child shell moves
# itself there, then becomes COMMAND); this shell stays where it is.
in_cg() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$@"
}

# create SUFFIX CGROUP: from CGROUP, create and pin the map $PINS/mSUFFIX
# and load and pin the program $PINS/pSUFFIX.
create() {
	in_cg "$2" "$BPFTOOL" map create "$PINS/m$1" \
		type array key 4 value 8 entries 16 name t > /tmp/bpftool.out 2>&1 &&
	in_cg "$2" "$BPFTOOL" prog load "$BPF_OBJ" "$PINS/p$1" >> /tmp/bpftool.out 2>&1 && return 0
	diag "$(cat /tmp/bpftool.out)"
	return 1
}

# check_show KIND PIN WANT NAME: "bpftool KIND show pinned PIN" has the line
# "<tab>memcg WANT", and its JSON output the member "memcg":"WANT".  The
# whole line and the closing quote are matched: /bpftool-test must not
# pass for /bpftool-test/gen1.
check_show() {
	plain=$("$BPFTOOL" "$1" show pinned "$2" 2>&1)
	if printf '%s\n' "$plain" | grep -qxF "${TAB}memcg $3"; then
		ok "$4_plain"
	else
		not_ok "$4_plain"
		diag "expected the line '<tab>memcg $3' in 'bpftool $1 show pinned $2':"
		diag "$plain"
	fi
	json=$("$BPFTOOL" -j "$1" show pinned "$2" 2>&1)
	if printf '%s\n' "$json" | grep -qF "\"memcg\":\"$3\""; then
		ok "$4_json"
	else
		not_ok "$4_json"
		diag "expected \"memcg\":\"$3\" in 'bpftool -j $1 show pinned $2':"
		diag "$json"
	fi
}

echo "TAP version 13"
echo "1..14"

# 1: setup
cleanup 2>/dev/null
trap cleanup EXIT
setup=
if [ ! -x "$BPFTOOL" ]; then
	setup="$BPFTOOL is missing (scripts/build-tests copies build/bpftool/bpftool there)"
elif [ ! -f "$BPF_OBJ" ]; then
	setup="$BPF_OBJ is missing (scripts/build-tests compiles it)"
elif ! grep -qw memory $CG/cgroup.subtree_control; then
	setup="the memory controller is not enabled in $CG/cgroup.subtree_control"
elif ! mkdir "$TOP" "$TOP/gen1" "$TOP/$SPACE"; then
	setup="cannot create the cgroups below $TOP"
elif ! echo +memory > "$TOP/cgroup.subtree_control"; then
	setup="cannot enable +memory in $TOP/cgroup.subtree_control"
elif [ ! -e "$TOP/memory.bpf_charge_target" ]; then
	setup="$TOP/memory.bpf_charge_target is missing: this kernel does not have the series"
elif ! echo /bpftool-test > "$TOP/memory.bpf_charge_target"; then
	setup="cannot write /bpftool-test to $TOP/memory.bpf_charge_target"
elif ! mkdir -p "$PINS"; then
	setup="cannot create $PINS in bpffs"
fi
if [ -n "$setup" ]; then
	not_ok "setup"
	diag "$setup"
	echo "Bail out! setup failed"
	exit 1
fi
ok "setup"
diag "$("$BPFTOOL" version 2>&1 | head -n 1)"
diag "gen1/memory.bpf_charge_target.effective: $(cat "$TOP/gen1/memory.bpf_charge_target.effective")"

# 2-5: created from gen1 with the target /bpftool-test set.
if create 1 "$TOP/gen1"; then
	check_show map "$PINS/m1" /bpftool-test map_target
	check_show prog "$PINS/p1" /bpftool-test prog_target
else
	for t in map_target_plain map_target_json prog_target_plain prog_target_json; do
		not_ok "$t"
	done
fi

# 6-9: created from gen1 after the target is cleared.
echo > "$TOP/memory.bpf_charge_target"
diag "target cleared; gen1/memory.bpf_charge_target.effective: '$(cat "$TOP/gen1/memory.bpf_charge_target.effective")'"
if create 2 "$TOP/gen1"; then
	check_show map "$PINS/m2" /bpftool-test/gen1 map_no_target
	check_show prog "$PINS/p2" /bpftool-test/gen1 prog_no_target
else
	for t in map_no_target_plain map_no_target_json prog_no_target_plain prog_no_target_json; do
		not_ok "$t"
	done
fi

# 10-13: created from "gen 2", a name with a blank, without a target.
if create 3 "$TOP/$SPACE"; then
	check_show map "$PINS/m3" "/bpftool-test/$SPACE" map_blank_in_name
	check_show prog "$PINS/p3" "/bpftool-test/$SPACE" prog_blank_in_name
else
	for t in map_blank_in_name_plain map_blank_in_name_json prog_blank_in_name_plain prog_blank_in_name_json; do
		not_ok "$t"
	done
fi

# 14: everything removed.
trap - EXIT
cleanup
if [ -e "$PINS" ] || [ -e "$TOP" ]; then
	not_ok "cleanup"
	diag "left behind: $(ls -d "$PINS" "$TOP" 2>/dev/null)"
else
	ok "cleanup"
fi

[ "$failed" -eq 0 ] || {
	diag "$failed of $n tests failed"
	exit 1
}
exit 0
