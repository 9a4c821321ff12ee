#!/bin/bash
# The OCI hook of docs/kubernetes.md on the cgroup paths it claims to know,
# on a fake /proc and /sys/fs/cgroup (PROC_ROOT, CGROUP_ROOT): what it
# writes, what it leaves, and that it exits 0 on every path.  Runs on the
# host, in make check; prints kselftest TAP.
set -euo pipefail

hook=$(cd "$(dirname "$0")/.." && pwd)/docs/oci-hook-bpf-charge-target
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
uid=1234abcd-0000-1111-2222-333344445555
sid=1234abcd_0000_1111_2222_333344445555

# run NAME MODE CGROUP FILE_DIR BEFORE EXPECTED [STATE]: a process in
# CGROUP, FILE_DIR/memory.bpf_charge_target holding BEFORE ("-": absent);
# the hook must exit 0 and leave EXPECTED there.
run() {
	local name=$1 mode=$2 cg=$3 dir=$4 before=$5 expected=$6 state=${7:-}
	local got rc=0
	rm -rf "$tmp/proc" "$tmp/cg"
	mkdir -p "$tmp/proc/4242" "$tmp/cg$dir"
	printf '0::%s\n' "$cg" > "$tmp/proc/4242/cgroup"
	[ "$before" = - ] || printf '%s' "$before" > "$tmp/cg$dir/memory.bpf_charge_target"
	[ -n "$state" ] || state='{"ociVersion":"1.0.2","id":"c1","status":"creating","pid":4242,"bundle":"/b"}'
	printf '%s' "$state" | PROC_ROOT=$tmp/proc CGROUP_ROOT=$tmp/cg sh "$hook" $mode \
		2> "$tmp/err" || rc=$?
	got=$(cat "$tmp/cg$dir/memory.bpf_charge_target" 2>/dev/null || echo -)
	n=$((n + 1))
	if [ "$rc" = 0 ] && [ "$got" = "$expected" ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "# exit $rc, file '$got', expected '$expected'; hook said: $(cat "$tmp/err")"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..13"
kps=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$sid.slice
run kubelet_systemd "" "$kps/cri-containerd-abc.scope" "$kps" "" "$kps"
run kubelet_cgroupfs "" "/kubepods/burstable/pod$uid/abc" "/kubepods/burstable/pod$uid" "" "/kubepods/burstable/pod$uid"
mp=/machine.slice/machine-libpod_pod_0123456789abcdef.slice
run podman_systemd_crun "" "$mp/libpod-abc.scope/container" "$mp" "" "$mp"
run podman_systemd_runc "" "$mp/libpod-abc.scope" "$mp" "" "$mp"
run podman_cgroupfs "" "/libpod_parent/0123456789abcdef/libpod-abc" "/libpod_parent/0123456789abcdef" "" "/libpod_parent/0123456789abcdef"
run not_a_pod "" "/system.slice/podcast.service" "/system.slice" "" ""
run value_left_alone "" "$kps/cri-containerd-abc.scope" "$kps" "/kubepods.slice" "/kubepods.slice"
run node_mode node "$kps/cri-containerd-abc.scope" "$kps" "" "/kubepods.slice/kubepods-burstable.slice"
run node_replaces_pod node "$kps/cri-containerd-abc.scope" "$kps" "$kps" "/kubepods.slice/kubepods-burstable.slice"
run no_file "" "$kps/cri-containerd-abc.scope" "$kps" - -
run no_pid_exits_0 "" "$kps/cri-containerd-abc.scope" "$kps" "" "" '{"status":"creating"}'
run unknown_mode_exits_0 bogus "$kps/cri-containerd-abc.scope" "$kps" "" ""
# A write the kernel refuses (here: the file is a directory) is logged.
n=$((n + 1))
rm -rf "$tmp/proc" "$tmp/cg"
mkdir -p "$tmp/proc/4242" "$tmp/cg$kps/memory.bpf_charge_target"
printf '0::%s\n' "$kps/cri-containerd-abc.scope" > "$tmp/proc/4242/cgroup"
if printf '{"pid":4242}' | PROC_ROOT=$tmp/proc CGROUP_ROOT=$tmp/cg sh "$hook" 2> "$tmp/err" &&
	grep -q 'failed' "$tmp/err"; then
	echo "ok $n refused_write_exits_0"
else
	echo "not ok $n refused_write_exits_0"
	failed=$((failed + 1))
fi
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
