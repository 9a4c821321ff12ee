# memory.bpf_charge_target: a Linux patch series and the harness that
# builds, boots and tests it.  See README.md.

SHELL := /bin/bash

# The base kernel: 7.3 (patches/) by default; BASE=6.12 runs the same
# targets on Debian's linux-source-6.12 with patches-6.12/, in build/6.12
# (a view of this repository made by scripts/base-view).
BASE ?= 7.3
ifeq ($(BASE),6.12)
export BASE_PKG := linux-source-6.12
export BASE_SUITE := bookworm-security
export DEBIAN_MIRROR := http://deb.debian.org/debian-security
else ifneq ($(BASE),7.3)
$(error BASE=$(BASE): this repository has a series for BASE=7.3 (the default) and BASE=6.12)
endif

ifneq ($(BASE),7.3)
ifeq ($(BASE_VIEW),)
GOALS := $(or $(MAKECMDGOALS),all)
.PHONY: $(GOALS)
$(GOALS):
	@scripts/base-view $(BASE)
	@$(MAKE) --no-print-directory -C build/$(BASE) BASE_VIEW=$(BASE) $@
# Nothing below is read here: build/$(BASE) runs this Makefile again.
TO_VIEW := 1
endif
endif

ifndef TO_VIEW
KERNEL ?= check
TREE := build/linux
BASE_TREE := build/linux-base
SUITES := test_core test_memcontrol test_kmem test_freezer test_kill
# The series' own selftests; on 7.3 also the harness's depth suite
# (tests/test_bpf_charge_depth.c), which the 6.12 carry's larger
# selftest covers in-tree.
ifeq ($(BASE),6.12)
NEW_SUITES := test_bpf_charge
else
NEW_SUITES := test_bpf_nooom test_bpf_charge /extra/test_bpf_charge_depth
endif
SUITE_TIMEOUT ?= 900
VM_TIMEOUT ?= 3000

FEATURE_CONFIG := config/feature.config
DEBUG_CONFIG := config/feature.config config/debug.config

.PHONY: all deps tree base-tree export kernel-check kernel-debug kernel-base \
	nomemcg-build selftests-series selftests-base guest-check guest-debug guest-base guest-base-debug kernel-base-debug check check-base shell series-build \
	checkpatch demo bench matrix-base clean bpftool systemd-image systemd-scenarios

all: check

deps:
	@scripts/install-deps

# The kernel work tree: base commit tagged "base", then patches/series.
tree: deps
	@scripts/make-tree $(TREE)

# base..HEAD of the work tree back to patches/, each commit to its folder;
# each folder's subject prefix ([PATCH bpf 2/5], and [PATCH 6.12 ...]
# for BASE=6.12) is a "# prefix:" line in patches/series.
export:
	@scripts/export-patches $(TREE) patches

# The unpatched base, checked out from the work tree's "base" tag.
base-tree: tree
	@if [ ! -e $(BASE_TREE)/Makefile ]; then \
		echo "base-tree: checking out the base in $(BASE_TREE)"; \
		git -C $(TREE) worktree add -q -f --detach $(abspath $(BASE_TREE)) base; \
	fi

kernel-check: tree
	@scripts/build-kernel $(TREE) build/obj-check $(FEATURE_CONFIG)
kernel-debug: tree
	@scripts/build-kernel $(TREE) build/obj-debug $(DEBUG_CONFIG)
kernel-base: base-tree
	@scripts/build-kernel $(BASE_TREE) build/obj-base $(FEATURE_CONFIG)
kernel-base-debug: base-tree
	@scripts/build-kernel $(BASE_TREE) build/obj-base-debug $(DEBUG_CONFIG)

selftests-series: tree
	@scripts/build-selftests $(TREE) build/selftests-series
selftests-base: base-tree
	@scripts/build-selftests $(BASE_TREE) build/selftests-base

guest-check: kernel-check selftests-series
	@scripts/make-initramfs build/initramfs-check.cpio.gz build/selftests-series/cgroup
guest-debug: kernel-debug selftests-series
	@scripts/make-initramfs build/initramfs-debug.cpio.gz build/selftests-series/cgroup
guest-base: kernel-base selftests-base
	@scripts/make-initramfs build/initramfs-base.cpio.gz build/selftests-base/cgroup
guest-base-debug: kernel-base-debug selftests-base
	@scripts/make-initramfs build/initramfs-base-debug.cpio.gz build/selftests-base/cgroup

checkpatch: tree
	@scripts/checkpatch-series $(TREE)

# bpftool of the work tree, static, for the guest: build/bpftool/bpftool.
bpftool: tree
	@scripts/build-bpftool $(TREE)

# The systemd guest: a Debian 12 root file system (mmdebstrap, cached in
# ~/.cache/bpf-charge-target/rootfs) with systemd, podman, crun and runc,
# as an ext4 disk; and the recipes of docs/ run in it by real systemd and
# podman (build/systemd-guest/results-$(KERNEL).txt).
systemd-image: deps bpftool
	@scripts/make-systemd-image
systemd-scenarios: deps kernel-$(KERNEL) bpftool
	@scripts/systemd-scenarios $(KERNEL)

# Build the kernel at every commit of the series: each patch builds alone.
series-build: tree
	@scripts/build-each-patch $(TREE) build/each/obj $(FEATURE_CONFIG)

# The series without CONFIG_MEMCG (BPF and cgroups on): builds, no boot.
nomemcg-build: tree
	@scripts/build-kernel $(TREE) build/obj-nomemcg config/nomemcg.config

# Upstream suites that fail are run once more (timing-sensitive tests under
# TCG); the new suite is not.
check: deps
	@scripts/check check --retry $(SUITES) --once $(NEW_SUITES)

check-base: deps
	@scripts/check base --retry $(SUITES)

shell: guest-check
	@scripts/vm-run -v check -i

# What memory.bpf_charge_target costs: base and patched kernels booted
# alternately (BENCH_BOOTS=N, default 3); writes build/bench/results.md.
bench: deps guest-check guest-base
	@scripts/bench

# test_bpf_charge of the series on the unpatched base kernel: the no-OOM
# matrix without a target, for comparison (build/results/matrix-base.txt).
matrix-base: deps guest-base selftests-series
	@scripts/matrix-base

clean:
	rm -rf build/obj-* build/each/obj build/bench build/tests build/bpftool build/demo build/selftests-* build/initramfs-* build/*.log build/results build/systemd-guest

# The container-restart scenario, with and without memory.bpf_charge_target,
# side by side, in the busybox guest and then under real systemd and podman;
# the summary goes to build/demo/summary.txt.  KERNEL=base runs it on the
# unpatched base, which can only show the run without it.
demo: deps guest-$(KERNEL) bpftool
	@scripts/demo $(KERNEL)

endif
