#!/bin/sh
# The container-restart scenario, in the guest (busybox sh, as root).
#
# An agent in agent.slice/gen1.scope creates BPF maps and loads a program
# with bpftool and pins them in bpffs; it is restarted into gen2.scope,
# which opens the pinned map and adds elements; then the pins are removed.
# The scenario runs twice in the same boot:
#   a  no memory.bpf_charge_target anywhere (today's behaviour)
#   b  agent.slice/memory.bpf_charge_target set to /agent.slice
# On a kernel without the file, run b is skipped and the output says so.
#
# scripts/demo (on the host) copies this directory to /extra with bpftool
# built (static) from the patched tree, whose "map show" and "prog show"
# name the memory cgroup each object is charged to, and the host's
# cgroup-tools binaries with their libraries, and reads these lines from
# the output:
#   DEMO-ROW RUN STEP GEN1 GEN2 SLICE  memory.current of gen1.scope,
#                                      gen2.scope and agent.slice, as read
#                                      ("-": not created yet, "gone":
#                                      removed)
#   DEMO-OBJ RUN STEP TEXT             where an object is charged (the
#                                      "memcg" field of bpftool's show)
#   DEMO-LIMIT RUN TEXT                the memory.max check after the runs
#   DEMO-NOTE TEXT                     something the reader must know
#   DEMO-FAIL RUN|STEP|TEXT            the step that failed (exit 1)
# Everything else is progress and command output.

X=/extra
CG=/sys/fs/cgroup
PINS=/sys/fs/bpf/agent
ARRAY_MIB=64            # the array map: 16384 values of 4 KiB
HASH_VALUE=512          # the no-prealloc hash map's value size, bytes
GEN1_ELEMS=8192         # elements gen1 puts into the hash map
GEN2_ELEMS=8192         # elements gen2 adds after the restart

run=-
step=setup

say() { echo "demo: $*"; }
fail() {
	echo "DEMO-FAIL $run|$step|$*"
	exit 1
}

# --- Tools ------------------------------------------------------------------

# bpftool is static; the host's dynamically linked cgroup-tools come with
# their libraries: the loader goes to /lib64, the rest to
# /lib/x86_64-linux-gnu.
setup_tools() {
	step="set up the host's tools"
	[ -d $X/bin ] && [ -d $X/lib ] || fail "$X/bin or $X/lib is missing; run scripts/demo on the host"
	mkdir -p /lib64 /lib/x86_64-linux-gnu /usr/local/bin
	cp $X/lib/* /lib/x86_64-linux-gnu/ || fail "cannot copy libraries"
	cp $X/lib/ld-linux-x86-64.so.2 /lib64/ || fail "no dynamic loader in $X/lib"
	cp $X/bin/* /usr/local/bin/ || fail "cannot copy binaries"
	LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
	PATH=/usr/local/bin:$PATH
	export LD_LIBRARY_PATH PATH
	for t in bpftool cgcreate cgset cgget cgexec cgdelete bpf-fdinfo; do
		command -v $t >/dev/null || fail "$t is not in $X/bin"
	done
	bpftool version >/dev/null 2>&1 || fail "bpftool does not start: $(bpftool version 2>&1)"
	say "tools: $(bpftool version 2>&1 | head -n 1) (static, from the patched tree), cgroup-tools $(cat $X/cgroup-tools.version 2>/dev/null)"
	grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || fail "cgroup v2 is not mounted on /sys/fs/cgroup"
	grep -q ' /sys/fs/bpf bpf ' /proc/mounts || fail "bpffs is not mounted on /sys/fs/bpf"
	say "$(grep ' /sys/fs/cgroup ' /proc/mounts)"
}

# --- cgroup steps: cgroup-tools, with a visible fallback --------------------

# cg_create PATH: cgcreate -g memory:PATH.  cgroup-tools 2.0 on v2 must
# also enable the memory controller in the parent; check that it did.
cg_create() {
	say "cgcreate -g memory:$1"
	if ! cgcreate -g memory:"$1"; then
		say "FALLBACK: cgcreate could not create $1 on cgroup v2; using mkdir"
		mkdir "$CG/$1" || fail "mkdir $CG/$1 failed"
	fi
	[ -d "$CG/$1" ] || fail "cgcreate returned success but $CG/$1 does not exist"
	if [ ! -e "$CG/$1/memory.current" ]; then
		say "FALLBACK: cgcreate did not enable memory in $(dirname "$1")/cgroup.subtree_control; writing +memory"
		echo +memory > "$CG/$(dirname "$1")/cgroup.subtree_control" ||
			fail "cannot enable the memory controller above $1"
	fi
}

# cg_set PATH FILE VALUE: cgset -r FILE=VALUE PATH, checked by reading back.
cg_set() {
	say "cgset -r $2=$3 $1"
	cgset -r "$2=$3" "$1" || say "cgset failed (see above)"
	if [ "$(cat "$CG/$1/$2")" != "$3" ]; then
		say "FALLBACK: cgset did not set $1/$2; writing it with echo"
		echo "$3" > "$CG/$1/$2" || fail "cannot write $3 to $CG/$1/$2"
	fi
	[ "$(cat "$CG/$1/$2")" = "$3" ] || fail "$CG/$1/$2 reads '$(cat "$CG/$1/$2")', expected '$3'"
}

# cg_delete PATH: cgdelete, with rmdir as the fallback.
cg_delete() {
	say "cgdelete -g memory:$1"
	if ! cgdelete -g memory:"$1" || [ -d "$CG/$1" ]; then
		say "FALLBACK: cgdelete did not remove $1; using rmdir"
		rmdir "$CG/$1" || fail "rmdir $CG/$1 failed"
	fi
}

# in_cg PATH COMMAND...: run COMMAND in cgroup PATH.  cgexec is used when
# the probe in check_cgexec showed that it moves the command there.
use_cgexec=
check_cgexec() {
	got=$(cgexec -g memory:"$1" cat /proc/self/cgroup 2>&1)
	if [ "$got" = "0::/$1" ]; then
		use_cgexec=1
	else
		use_cgexec=
		say "FALLBACK: cgexec -g memory:$1 did not run the command in /$1 (got: $got); writing the PID to cgroup.procs instead"
	fi
}
in_cg() {
	cg=$1
	shift
	if [ -n "$use_cgexec" ]; then
		cgexec -g memory:"$cg" "$@"
	else
		sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG/$cg" "$@"
	fi
}

# --- Readings ---------------------------------------------------------------

gen1_state=- gen2_state=-

# current PATH STATE: memory.current as the kernel shows it now, or the
# cgroup's state when it does not exist.
current() {
	if [ -e "$CG/$1/memory.current" ]; then
		cat "$CG/$1/memory.current"
	else
		echo "$2"
	fi
}

# Let deferred frees (RCU, map free work) finish before a reading: wait
# until agent.slice's memory.current stops changing, at most 10 s.
settle() {
	prev=
	for i in 1 2 3 4 5 6 7 8 9 10; do
		now=$(cat $CG/agent.slice/memory.current)
		[ "$now" = "$prev" ] && return
		prev=$now
		sleep 1
	done
}

row() {
	settle
	echo "DEMO-ROW $run $1 $(current agent.slice/gen1.scope $gen1_state) $(current agent.slice/gen2.scope $gen2_state) $(current agent.slice -)"
}

# fill FROM COUNT: add COUNT elements with keys FROM.. to the hash map, in
# one bpftool batch (one "map update" line per element).
fill_lines() {
	awk -v from="$1" -v n="$2" -v size=$HASH_VALUE -v pin=$PINS/flows 'BEGIN {
		for (j = 0; j < size; j++) v = v " " (j % 256)
		for (i = from; i < from + n; i++)
			printf "map update pinned %s key %d %d %d 0 value%s\n", pin,
				i % 256, int(i / 256) % 256, int(i / 65536) % 256, v
	}'
}

objects="$PINS/conn_array $PINS/flows $PINS/prog $PINS/maps/agent_counts"

# owners STEP CGROUP: open each pinned object from CGROUP with "bpftool map
# show" or "prog show" and print a DEMO-OBJ line with its "memcg" field.
# A kernel without the series shows none, and the line says so.
owners() {
	for obj in $objects; do
		kind=map
		[ "$obj" = $PINS/prog ] && kind=prog
		in_cg "$2" bpftool $kind show pinned "$obj" > /tmp/show.out 2>&1 ||
			fail "bpftool $kind show pinned $obj from $2 failed: $(cat /tmp/show.out)"
		awk -v pin="$obj" -v kind=$kind '
			NR == 1 { id = $1; sub(/:$/, "", id); type = $2 }
			/^\tmemcg / { memcg = substr($0, 8) }
			END {
				if (memcg == "")
					memcg = "(none: this kernel does not show it)"
				printf "%-36s %-18s %-8s memcg %s\n", pin, kind " " type, "id " id, memcg
			}' /tmp/show.out | sed "s/^/DEMO-OBJ $run $1 /"
	done
}

# --- The scenario -----------------------------------------------------------

scenario() {
	run=$1
	gen1_state=- gen2_state=-
	echo
	say "===== run $run: $2 ====="

	step="create agent.slice and gen1.scope"
	cg_create agent.slice
	cg_create agent.slice/gen1.scope
	check_cgexec agent.slice/gen1.scope

	if [ "$run" = b ]; then
		step="set agent.slice/memory.bpf_charge_target"
		cg_set agent.slice memory.bpf_charge_target /agent.slice
	fi
	if [ -e $CG/agent.slice/memory.bpf_charge_target ]; then
		say "agent.slice/memory.bpf_charge_target: '$(cat $CG/agent.slice/memory.bpf_charge_target)'"
		say "gen1.scope/memory.bpf_charge_target.effective: $(cat $CG/agent.slice/gen1.scope/memory.bpf_charge_target.effective)"
		say "cgget: $(cgget -n -v -r memory.bpf_charge_target.effective agent.slice/gen1.scope 2>&1)"
	fi

	step="load: create the ${ARRAY_MIB} MiB array map from gen1"
	mkdir -p $PINS/maps || fail "cannot create $PINS"
	in_cg agent.slice/gen1.scope bpftool map create $PINS/conn_array \
		type array key 4 value 4096 entries $((ARRAY_MIB * 256)) name conn_array ||
		fail "bpftool map create (array) failed"

	step="load: create the BPF_F_NO_PREALLOC hash map from gen1"
	in_cg agent.slice/gen1.scope bpftool map create $PINS/flows \
		type hash key 4 value $HASH_VALUE entries 65536 name flows flags 1 ||
		fail "bpftool map create (hash, flags 1) failed"

	step="load: add $GEN1_ELEMS elements to the hash map from gen1"
	say "bpftool batch file - : $GEN1_ELEMS lines 'map update pinned $PINS/flows key K0 K1 K2 0 value ...'"
	fill_lines 0 $GEN1_ELEMS | in_cg agent.slice/gen1.scope bpftool batch file - >/tmp/batch.out 2>&1 ||
		fail "bpftool batch (map update) failed: $(tail -n 3 /tmp/batch.out)"
	tail -n 1 /tmp/batch.out

	step="load: load and pin agent.bpf.o from gen1"
	in_cg agent.slice/gen1.scope bpftool prog load $X/agent.bpf.o $PINS/prog pinmaps $PINS/maps ||
		fail "bpftool prog load failed"

	step="load: start the agent process in gen1"
	# Not through in_cg: a function run with & is a subshell, and $! would
	# be the subshell, not the agent.
	if [ -n "$use_cgexec" ]; then
		cgexec -g memory:agent.slice/gen1.scope bpf-fdinfo --hold $objects > /tmp/loader.out 2>&1 &
	else
		sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' $CG/agent.slice/gen1.scope \
			bpf-fdinfo --hold $objects > /tmp/loader.out 2>&1 &
	fi
	loader=$!
	sleep 1
	kill -0 $loader 2>/dev/null || fail "the agent process exited: $(cat /tmp/loader.out)"
	row load

	say "the agent process (pid $loader, in $(cut -d: -f3 /proc/$loader/cgroup)) holds the objects open"
	say "bpftool map show / prog show (from the root cgroup):"
	bpftool map show | grep -A 3 -E 'name (conn_array|flows|agent_counts)'
	bpftool prog show pinned $PINS/prog
	step="load: show where each object is charged, from gen1"
	owners load agent.slice/gen1.scope

	step="restart: stop the agent in gen1"
	kill $loader && wait $loader 2>/dev/null
	step="restart: remove gen1.scope"
	cg_delete agent.slice/gen1.scope
	gen1_state=gone
	step="restart: create gen2.scope"
	cg_create agent.slice/gen2.scope
	gen2_state=gone         # what to show once it is removed
	check_cgexec agent.slice/gen2.scope
	row restart

	step="restart: open the pinned objects from gen2"
	owners restart agent.slice/gen2.scope

	step="gen2: add $GEN2_ELEMS elements to the pinned hash map"
	say "bpftool batch file - (in gen2): $GEN2_ELEMS more 'map update pinned $PINS/flows ...' lines"
	fill_lines $GEN1_ELEMS $GEN2_ELEMS | in_cg agent.slice/gen2.scope bpftool batch file - >/tmp/batch.out 2>&1 ||
		fail "bpftool batch (map update) from gen2 failed: $(tail -n 3 /tmp/batch.out)"
	tail -n 1 /tmp/batch.out
	say "bpftool map show pinned $PINS/flows:"
	bpftool map show pinned $PINS/flows
	row gen2

	step="unpin: rm the pins"
	say "rm -r $PINS"
	rm -r $PINS || fail "cannot remove the pins in $PINS"
	row unpin

	step="clean up run $run"
	cg_delete agent.slice/gen2.scope
	cg_delete agent.slice
}

# The practical consequence: the agent's cgroup limit.  A 64 MiB map
# created from a scope limited to 32 MiB fails without a target, and is
# charged to the slice (unlimited here) with one.
limit_check() {
	run=$1
	step="limit check: create agent.slice/gen3.scope with memory.max 32M"
	cg_create agent.slice
	cg_create agent.slice/gen3.scope
	check_cgexec agent.slice/gen3.scope
	[ "$run" = b ] && cg_set agent.slice memory.bpf_charge_target /agent.slice
	cg_set agent.slice/gen3.scope memory.max 33554432
	step="limit check: create a ${ARRAY_MIB} MiB array map from gen3"
	mkdir -p $PINS
	in_cg agent.slice/gen3.scope bpftool map create $PINS/big \
		type array key 4 value 4096 entries $((ARRAY_MIB * 256)) name big > /tmp/limit.out 2>&1
	st=$?
	if [ $st -eq 0 ]; then
		result="created; memory.current: gen3.scope $(cat $CG/agent.slice/gen3.scope/memory.current) bytes, agent.slice $(cat $CG/agent.slice/memory.current) bytes"
	else
		err=$(grep -o 'Error:.*' /tmp/limit.out | head -n 1)
		if [ -z "$err" ]; then
			err="bpftool exited with status $st"
			[ $st -gt 128 ] && [ $st -lt 192 ] && err="$err (killed by signal $((st - 128)))"
		fi
		result="failed: $err; oom_kill in gen3.scope/memory.events: $(grep oom_kill $CG/agent.slice/gen3.scope/memory.events | cut -d' ' -f2)"
	fi
	echo "DEMO-LIMIT $run $result"
	rm -rf $PINS
	settle
	cg_delete agent.slice/gen3.scope
	cg_delete agent.slice
}

setup_tools
scenario a "no memory.bpf_charge_target (today's behaviour)"
if [ -e $CG/cgroup.subtree_control ] && mkdir $CG/probe.slice &&
   echo +memory > $CG/cgroup.subtree_control && [ -e $CG/probe.slice/memory.bpf_charge_target ]; then
	rmdir $CG/probe.slice
	scenario b "agent.slice/memory.bpf_charge_target = /agent.slice"
	limit_check a
	limit_check b
else
	rmdir $CG/probe.slice 2>/dev/null
	echo "DEMO-NOTE This kernel has no memory.bpf_charge_target: it is not patched with the series, so run b (with the target set) cannot run; only run a, today's behaviour, is shown."
	limit_check a
fi
exit 0
