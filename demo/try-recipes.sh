#!/bin/sh
# Try the integration recipes of docs/systemd.md and docs/kubernetes.md in
# the guest, as far as a guest without systemd or a container runtime
# allows: the cgroups those would create are made by hand, and the exact
# commands of the recipes run in them.  Called by run-demo.sh once the
# tools are set up; prints "DEMO-RECIPE ok|FAIL TEXT" lines.
X=/extra
CG=/sys/fs/cgroup
PINS=/sys/fs/bpf/recipes
failed=0

check() { # check DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		echo "DEMO-RECIPE ok   $1: $3"
	else
		echo "DEMO-RECIPE FAIL $1: expected '$2', got '$3'"
		failed=1
	fi
}

# mkcg PATH: create PATH with the memory controller enabled above it, as
# systemd and the kubelet do.
mkcg() {
	parent=
	for part in $(echo "$1" | tr / ' '); do
		parent=$parent/$part
		[ -d $CG$parent ] || mkdir $CG$parent || return 1
		[ "$parent" = "$1" ] || echo +memory > $CG$parent/cgroup.subtree_control || return 1
	done
}

# run_in CGROUP COMMAND...: run COMMAND in CGROUP.
run_in() {
	cg=$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG$cg" "$@"
}

# charged_to CGROUP NAME: create a 1 MiB array map from CGROUP and print
# the cgroup it is charged to (the "memcg" field of bpftool map show).
charged_to() {
	run_in "$1" bpftool map create $PINS/$2 type array key 4 value 4096 entries 256 name "$2" || return 1
	bpftool map show pinned $PINS/$2 | sed -n 's/^\tmemcg //p'
}

mkdir -p $PINS

# --- systemd: the oneshot unit of docs/systemd.md ----------------------------
# systemd starts agent-bpf-charge-target.service in agent.slice: its cgroup
# is agent.slice/agent-bpf-charge-target.service, and it runs
# ExecCondition= and ExecStart= there.
mkcg /agent.slice/agent-bpf-charge-target.service
run_in /agent.slice/agent-bpf-charge-target.service \
	/bin/test -e /sys/fs/cgroup/agent.slice/memory.bpf_charge_target
check "systemd ExecCondition= line (file exists) exits with" 0 $?
run_in /agent.slice/agent-bpf-charge-target.service \
	/bin/sh -c 'echo /agent.slice > /sys/fs/cgroup/agent.slice/memory.bpf_charge_target'
check "systemd ExecStart= line sets the slice's file" /agent.slice \
	"$(cat $CG/agent.slice/memory.bpf_charge_target)"
rmdir $CG/agent.slice/agent-bpf-charge-target.service
# Then agent.service starts, restarts, and each generation creates a map.
mkcg /agent.slice/agent.service
check "systemd: agent.service effective target" /agent.slice \
	"$(cat $CG/agent.slice/agent.service/memory.bpf_charge_target.effective)"
check "systemd: map created by agent.service is charged to" /agent.slice "$(charged_to /agent.slice/agent.service svc1)"
rmdir $CG/agent.slice/agent.service
mkcg /agent.slice/agent.service
check "systemd: map created after a restart of agent.service is charged to" /agent.slice \
	"$(charged_to /agent.slice/agent.service svc2)"
rm -f $PINS/svc1 $PINS/svc2
rmdir $CG/agent.slice/agent.service
# systemd-tmpfiles "w" writes the argument without a newline.
echo > $CG/agent.slice/memory.bpf_charge_target
printf %s /agent.slice > $CG/agent.slice/memory.bpf_charge_target
check "systemd-tmpfiles-style write (no newline) sets the slice's file" /agent.slice \
	"$(cat $CG/agent.slice/memory.bpf_charge_target)"
rmdir $CG/agent.slice

# --- Kubernetes: the OCI hook of docs/kubernetes.md --------------------------
# hook_for CONTAINER_CGROUP: start a process in the container's cgroup,
# as the runtime does before createRuntime hooks, and run the hook with
# the container state on stdin.
hook_for() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec sleep 1000' "$CG$1" &
	pid=$!
	sleep 1
	printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%s,"bundle":"/run/bundle"}\n' \
		"${1##*/}" $pid | sh $X/oci-hook-bpf-charge-target
	rc=$?
	kill $pid
	wait $pid 2>/dev/null
	return $rc
}

for layout in systemd cgroupfs; do
	if [ $layout = systemd ]; then
		pod=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0d3f.slice
		c1=$pod/cri-containerd-aaaa.scope c2=$pod/cri-containerd-bbbb.scope
	else
		pod=/kubepods/burstable/pod0d3f
		c1=$pod/aaaa c2=$pod/bbbb
	fi
	mkcg $c1
	hook_for $c1
	check "kubernetes ($layout driver): hook sets the pod's file" $pod "$(cat $CG$pod/memory.bpf_charge_target)"
	check "kubernetes ($layout driver): map from container 1 is charged to" $pod "$(charged_to $c1 k1)"
	rmdir $CG$c1
	mkcg $c2
	hook_for $c2
	check "kubernetes ($layout driver): after a container restart, map from container 2 is charged to" $pod \
		"$(charged_to $c2 k2)"
	rm -f $PINS/k1 $PINS/k2
	rmdir $CG$c2 $CG$pod
	rmdir $CG${pod%/*} $CG${pod%/*/*} 2>/dev/null
done

# A container outside any pod: the hook leaves everything alone.
mkcg /system.slice/other.service
hook_for /system.slice/other.service
check "kubernetes: hook outside a pod writes nothing" "" "$(cat $CG/system.slice/memory.bpf_charge_target)"
rmdir $CG/system.slice/other.service $CG/system.slice

rmdir $PINS
exit $failed
