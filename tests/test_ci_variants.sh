#!/usr/bin/env bash
# The kernel-variant rule of .ci/run, on the host, on simulated landings:
# in a scratch git repository, landings of 1 to 6 commits each, with and
# without time for the second base's debug kernel, runs on commits that
# never land, and a lost log.  Checks that every window of two
# consecutive landings runs both debug kernels (three when the log was
# lost in between; the normal kernels run on every landing), and that
# the same check catches rules that do not guarantee it.  Also checks
# CI_PLAN=1 .ci/run.  Prints TAP; a few seconds, no kernel, no network.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@localhost
export GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@localhost
export CI_STATE=$tmp/ci-debug-runs
# shellcheck source=../.ci/run
source "$top/.ci/run"

n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+: $3}"
		failed=$((failed + 1))
	fi
}

# Rules to compare with ci_due, which must fail the check.
rule_always_612() { echo 6.12; }
rule_count_parity() { if [ $(( $(git rev-list --count HEAD) % 2 )) = 0 ]; then echo 7.3; else echo 6.12; fi; }

# simulate RULE WINDOW EVENTS...: one landing per event, in a new
# repository with an empty log.  EVENT is K[f][w][s]: K commits land;
# f: the second base's debug kernel fits in the time left; w: the log is
# lost before this landing; s: a run on a commit that does not land
# (both debug kernels logged) comes before it.  Prints nothing when
# every WINDOW consecutive landings ran both debug kernels, else the
# first window that did not.
simulate() {
	local rule=$1 window=$2 ev k due other i j seen
	local -a ran=()
	shift 2
	rm -rf "$tmp/repo" "$CI_STATE"
	git init -q "$tmp/repo"
	(
		cd "$tmp/repo"
		git commit -q --allow-empty -m base
		for ev in "$@"; do
			k=${ev%%[a-z]*}
			case $ev in *w*) rm -f "$CI_STATE" ;; esac
			case $ev in *s*)
				git checkout -q -b side
				git commit -q --allow-empty -m "not landed"
				ci_record 7.3
				ci_record 6.12
				git checkout -q -
				git branch -q -D side ;;
			esac
			for ((j = 0; j < k; j++)); do
				git commit -q --allow-empty -m "commit"
			done
			due=$("$rule")
			other=7.3
			[ "$due" = 7.3 ] && other=6.12
			ci_record "$due"
			seen="$due"
			case $ev in *f*) ci_record "$other"; seen="$due $other" ;; esac
			ran+=("$seen")
		done
		for ((i = 0; i + window <= ${#ran[@]}; i++)); do
			seen=" ${ran[*]:i:window} "
			case $seen in *" 7.3 "*) ;; *) echo "landings $((i + 1))-$((i + window)) ran no 7.3 debug kernel"; exit 0 ;; esac
			case $seen in *" 6.12 "*) ;; *) echo "landings $((i + 1))-$((i + window)) ran no 6.12 debug kernel"; exit 0 ;; esac
		done
	)
}

# Landing sizes and fits from a fixed seed, so that a failure repeats.
RANDOM=30
for seq in 1 2 3 4 5; do
	events=()
	for ((l = 0; l < 8; l++)); do
		ev=$((RANDOM % 6 + 1))
		[ $((RANDOM % 3)) = 0 ] && ev+=f
		[ $((RANDOM % 5)) = 0 ] && ev+=s
		events+=("$ev")
	done
	got=$(simulate ci_due 2 "${events[@]}")
	result "$([ -z "$got" ] && echo 0 || echo 1)" "two_landings_cover_both_debug_kernels_${seq} (${events[*]})" "$got"
done
got=$(simulate ci_due 2 2 2 2 2 2 2 4 4 4 4)
result "$([ -z "$got" ] && echo 0 || echo 1)" "landings_of_even_sizes" "$got"
got=$(simulate ci_due 2 1 1 1 1 1 1)
result "$([ -z "$got" ] && echo 0 || echo 1)" "landings_of_one_commit" "$got"
got=$(simulate ci_due 2 3f 3f 3 3f 3 3 3f)
result "$([ -z "$got" ] && echo 0 || echo 1)" "extra_debug_kernel_some_landings" "$got"
got=$(simulate ci_due 2 2s 1s 3s 2s 2s 1s)
result "$([ -z "$got" ] && echo 0 || echo 1)" "runs_on_commits_that_do_not_land" "$got"
for lost in 2 3 4 5; do
	events=(2 1 3 2 1 2)
	events[lost - 1]+=w
	got=$(simulate ci_due 3 "${events[@]}")
	result "$([ -z "$got" ] && echo 0 || echo 1)" "log_lost_before_landing_${lost}_three_landings_cover" "$got"
done

# The check must be able to fail.
got=$(simulate rule_always_612 3 1 2 3 1 2)
result "$([ -n "$got" ] && echo 0 || echo 1)" "check_catches_a_rule_that_never_runs_7.3_debug" "no gap found"
got=$(simulate rule_count_parity 3 2 2 2 2 2)
result "$([ -n "$got" ] && echo 0 || echo 1)" "check_catches_a_rotation_on_the_commit_count" "no gap found"

# A shallow clone cannot tell ancestors: every log line counts, in order.
rm -rf "$tmp/repo" "$tmp/shallow" "$CI_STATE"
git init -q "$tmp/repo"
git -C "$tmp/repo" commit -q --allow-empty -m base
git -C "$tmp/repo" commit -q --allow-empty -m next
git clone -q --depth 1 "file://$tmp/repo" "$tmp/shallow"
echo "$(git -C "$tmp/repo" rev-parse HEAD~1) 6.12" > "$CI_STATE"
got=$(cd "$tmp/shallow" && ci_due)
result "$([ "$got" = 7.3 ] && echo 0 || echo 1)" "shallow_clone_follows_the_log" "due $got"

# CI_PLAN=1 .ci/run prints the plan of ci_due and leaves the log alone.
rm -f "$CI_STATE"
got=$(CI_PLAN=1 "$top/.ci/run" 2>&1) && rc=0 || rc=$?
result "$([ "$rc" = 0 ] && [ ! -e "$CI_STATE" ] && [[ $got == *"ci: plan: 6.12 normal and debug"* ]] && echo 0 || echo 1)" \
	"plan_only_with_no_log_runs_6.12_debug_first" "rc $rc: $got"
echo "$(git -C "$top" rev-parse HEAD) 6.12" > "$CI_STATE"
got=$(CI_PLAN=1 "$top/.ci/run" 2>&1) && rc=0 || rc=$?
result "$([ "$rc" = 0 ] && [ "$(wc -l < "$CI_STATE")" = 1 ] && [[ $got == *"ci: plan: 7.3 normal and debug"* ]] && echo 0 || echo 1)" \
	"plan_only_after_6.12_debug_runs_7.3_debug_first" "rc $rc: $got"

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
