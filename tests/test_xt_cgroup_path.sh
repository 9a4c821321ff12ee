#!/bin/sh
# An unprivileged user, in a user and network namespace of its own, adds
# iptables rules with the "cgroup" match (xt_cgroup), whose checkentry
# resolves the rule's --path with cgroup_get_from_path(), that is with a
# kernfs path walk.  A path that continues below a file,
# /CG/cgroup.procs/NAME, must be refused like any path that names no
# cgroup, whether or not the file is open.  Without the fix in the kernfs
# lookup, it reads the file's open-file data as directory children while
# cgroup.procs is open and oopses.
#
#   test_xt_cgroup_path.sh
#
# Run as root in the guest.  Uses Debian's iptables as staged on the host by
# scripts/gather-iptables into a directory next to this script (/extra/
# iptables when build/tests is the guest's /extra), or $XT_IPTABLES.
# Both iptables-legacy and iptables-nft are tried, or the ones named in
# $XT_VARIANTS.  Output: kselftest TAP; exit status 0 when all pass.
#
# The rules are added as uid 65534 (nobody) after "unshare -r -n": root in
# a new user namespace, with CAP_NET_ADMIN over the new network namespace
# only.  The walk is made from the cgroup namespace root, which here is the
# root of the whole hierarchy.

cg=xt_cgroup_path_test
cgdir=/sys/fs/cgroup/$cg
here=$(cd "$(dirname "$0")" && pwd)
X=${XT_IPTABLES:-$here/iptables}

# iptables VARIANT ARGS...: one of the staged iptables, run by the staged
# loader so that nothing has to be installed in the guest.
iptables() {
	v=$1
	shift
	XTABLES_LIBDIR=$X/xtables XTABLES_LOCKFILE=/tmp/xtables-$v-$(id -u).lock \
		"$X/lib/ld-linux-x86-64.so.2" --library-path "$X/lib" \
		"$X/sbin/xtables-$v-multi" iptables "$@"
}

# --- Inside the namespaces (as uid 65534 outside) ----------------------------
# --inner VARIANT PATH [FILE]: hold FILE open (if given), append a rule that
# matches cgroup PATH, and print "xt-rc=STATUS" after iptables' output.
if [ "${1:-}" = --inner ]; then
	v=$2 path=$3 hold=${4:-}
	if [ -n "$hold" ]; then
		[ -r "$hold" ] || { echo "cannot read $hold"; exit 1; }
		exec 3< "$hold"
	fi
	iptables "$v" -A OUTPUT -m cgroup --path "$path" -j ACCEPT 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		iptables "$v" -S OUTPUT 2>&1
	fi
	echo "xt-rc=$rc"
	exit 0
fi
if [ "${1:-}" = --whoami ]; then
	echo "uid_map: $(cat /proc/self/uid_map)"
	echo "$(grep CapEff /proc/self/status)"
	exit 0
fi

# --- Outside, as root ---------------------------------------------------------
echo "TAP version 13"
variants=${XT_VARIANTS:-legacy nft}
nvar=$(echo $variants | wc -w)
# Per variant: the valid path, the path below a closed file, and below
# an open file with two names; then the namespace check and the log check.
echo "1..$((1 + 4 * nvar + 1))"
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }

[ "$(id -u)" = 0 ] || bail "run as root in the guest"
[ -f /sys/fs/cgroup/cgroup.procs ] || bail "cgroup2 is not mounted on /sys/fs/cgroup"
for v in $variants; do
	[ -x "$X/sbin/xtables-$v-multi" ] && [ -x "$X/lib/ld-linux-x86-64.so.2" ] ||
		bail "$X/sbin/xtables-$v-multi or its loader is missing; on the host run scripts/gather-iptables build/tests/iptables and pass build/tests to vm-run -e"
done
command -v su >/dev/null && command -v unshare >/dev/null || bail "su or unshare is missing from the guest's busybox"
grep -q '^nobody:x:65534:' /etc/passwd || bail "no user nobody (65534) in /etc/passwd"

rmdir "$cgdir" 2>/dev/null
mkdir "$cgdir" || bail "cannot create $cgdir"
trap 'rmdir "$cgdir" 2>/dev/null' EXIT

# unpriv ARGS...: this script with ARGS as uid/gid 65534 in a new user and
# network namespace.
unpriv() {
	su -s /bin/sh nobody -c "unshare -r -n /bin/sh '$here/$(basename "$0")' $*" 2>&1
}

out=$(unpriv --whoami)
if echo "$out" | grep -Eq '^uid_map: +0 +65534 +1$'; then
	ok "uid 65534 is root in a new user namespace, with its own network namespace"
else
	not_ok "uid 65534 is root in a new user namespace, with its own network namespace"
	echo "$out" | diag
fi
echo "$out" | diag

echo "test_xt_cgroup_path: start" > /dev/kmsg

# refused VARIANT DESCRIPTION PATH [FILE]: the rule must fail, and the kernel
# log must show that xt_cgroup's path lookup refused it.
refused() {
	v=$1 desc=$2 path=$3 hold=${4:-}
	before=$(dmesg | grep -c 'xt_cgroup: invalid path')
	out=$(unpriv --inner "$v" "$path" "$hold")
	after=$(dmesg | grep -c 'xt_cgroup: invalid path')
	errno=$(dmesg | sed -n 's/.*xt_cgroup: invalid path, errno=//p' | tail -n 1)
	if echo "$out" | grep -q '^xt-rc=[1-9]' && [ "$after" -gt "$before" ]; then
		ok "iptables-$v: $desc is refused"
		echo "xt_cgroup: invalid path, errno=$errno" | diag
	else
		not_ok "iptables-$v: $desc is refused"
		[ "$after" -gt "$before" ] || echo "no 'xt_cgroup: invalid path' line in the kernel log" | diag
	fi
	echo "$out" | grep -v '^xt-rc=' | diag
}

for v in $variants; do
	out=$(unpriv --inner "$v" "/$cg")
	if echo "$out" | grep -q '^xt-rc=0$' &&
	   echo "$out" | grep -- '^-A OUTPUT -m cgroup --path' | grep -q "/$cg\"* -j ACCEPT\$"; then
		ok "iptables-$v: --path /$cg is accepted and listed"
	else
		not_ok "iptables-$v: --path /$cg is accepted and listed"
		echo "$out" | diag
	fi

	# "x" and "0hp": kernfs name hashes 0x8961baf and 0xd86.  On an unfixed
	# kernel, with the file open, the walk takes the open file's data for a
	# node and compares the hash with the low 32 bits of an address in it;
	# when the hash is lower, it follows a small integer as a pointer and
	# oopses.  Slab addresses in this 2 GiB guest are low, so x does not
	# oops here and 0hp does.  With the file closed the walk finds no
	# children and does not oops.
	refused "$v" "--path /$cg/cgroup.procs/0hp, file not open" "/$cg/cgroup.procs/0hp"
	refused "$v" "--path /$cg/cgroup.procs/x, cgroup.procs held open" \
		"/$cg/cgroup.procs/x" "$cgdir/cgroup.procs"
	refused "$v" "--path /$cg/cgroup.procs/0hp, cgroup.procs held open" \
		"/$cg/cgroup.procs/0hp" "$cgdir/cgroup.procs"
done

splats=$(dmesg | sed -n '/test_xt_cgroup_path: start/,$p' |
	grep -E 'Oops|BUG:|WARNING:|general protection|KASAN|Call Trace' || true)
if [ -z "$splats" ]; then
	ok "no oops, BUG or warning in the kernel log"
else
	not_ok "no oops, BUG or warning in the kernel log"
	echo "$splats" | diag
fi

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
