#!/bin/sh
# Until the full demo exists: show the new file in a scratch cgroup tree.
set -e
cg=/sys/fs/cgroup
mkdir -p $cg/agent.slice
echo +memory > $cg/agent.slice/cgroup.subtree_control
mkdir -p $cg/agent.slice/gen1.scope
if [ ! -e $cg/agent.slice/memory.bpf_charge_target ]; then
	echo "This kernel has no memory.bpf_charge_target."
	exit 1
fi
echo /agent.slice > $cg/agent.slice/memory.bpf_charge_target
echo "agent.slice/memory.bpf_charge_target: $(cat $cg/agent.slice/memory.bpf_charge_target)"
echo "gen1.scope/memory.bpf_charge_target (unset, inherits): '$(cat $cg/agent.slice/gen1.scope/memory.bpf_charge_target)'"
