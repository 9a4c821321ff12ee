// SPDX-License-Identifier: GPL-2.0
/*
 * test_bpf_charge_depth: memory.bpf_charge_target in depth.
 *
 * The harness's long test of the file, beside the series' own selftest
 * (tools/testing/selftests/cgroup/test_bpf_charge), which covers less.  It
 * is for the 7.3 series (v3) and is not run on the 6.12 series (v2),
 * which still prints the owner in fdinfo and reads the file in the
 * reader's cgroup namespace: there the series' own test_bpf_charge is
 * the long test.
 *
 * Writing the path of a cgroup, or of one of its ancestors, to its
 * memory.bpf_charge_target makes the BPF maps and programs created by any
 * task in its subtree charge the named memcg instead of the creator's one.
 * The nearest setting up the tree wins, and the target is resolved once,
 * when the object is created: everything the object allocates later, from
 * whatever context, follows it, and changing the setting moves nothing.
 *
 * The tests create a tree <root>/bpf_charge_depth/{slice/gen1,other}, make
 * "slice" the target and create objects from a task in slice/gen1, then
 * compare how memory.current of the cgroups grew.  They cover the file
 * itself, array, hash, LPM trie, ring buffer, per-cpu array and arena maps,
 * eBPF programs, objects that outlive their creator's cgroup, memory.max
 * of the target, creations that do not fit and must fail without an OOM
 * kill (with a target and without one), the lack of recharging, the owner
 * a map or program reports (memcg_cgroup_id in bpf_map_info and
 * bpf_prog_info, compared with the inode number of the cgroup's
 * directory), the errors of bad writes, names with blanks, repeated
 * writes through one descriptor, the cgroup namespace of the opener, in
 * which a descriptor both resolves what is written and prints what is
 * read, so that a value read through it can be written back through it,
 * paths longer than PATH_MAX, and cgroup.memory=nobpf, with which BPF's
 * own charges are not made and the target has no effect.  Only trusted
 * creators' objects follow the target: classic BPF socket filters stay
 * with their creator, and so does everything an unprivileged task
 * creates, cBPF, seccomp and eBPF alike.
 *
 * memory.bpf_charge_target.effective, read-only, names the cgroup that the
 * objects created in a cgroup are charged to right now: the nearest target
 * up the tree, or the cgroup itself.
 *
 * Objects are created by a worker: a child that enters a cgroup, prepares
 * what it needs, then takes the steps it is told to while holding its
 * objects, so that the measurements see the objects and nothing else.
 *
 * scripts/build-tests compiles it with cgroup_util.c and kselftest.h of
 * the kernel tree (build/linux), and tests/bpf_sys.h.  Run as root, with
 * cgroup v2 mounted and bpffs at /sys/fs/bpf; arguments select tests by a
 * part of their name.  Output: kselftest TAP; the exit status is non-zero
 * when a test fails.
 */
#define _GNU_SOURCE

#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/limits.h>
#include <linux/seccomp.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"
#include "cgroup_util.h"
#include "bpf_sys.h"

#ifndef __maybe_unused
#define __maybe_unused		__attribute__((__unused__))
#endif

/* The cgroup_util.h of 6.12 has none. */
#ifndef BUF_SIZE
#define BUF_SIZE		4096
#endif

#ifndef ENOTSUPP
#define ENOTSUPP		524
#endif

#define TARGET_FILE		"memory.bpf_charge_target"
#define EFFECTIVE_FILE		TARGET_FILE ".effective"
#define BPFFS			"/sys/fs/bpf"
#define PIN_PREFIX		"test_bpf_charge_depth_"
#define PIN_MAP			BPFFS "/" PIN_PREFIX "map"
#define PIN_HASH		BPFFS "/" PIN_PREFIX "hash"
#define PIN_PROG		BPFFS "/" PIN_PREFIX "prog"
#define TOP_NAME		"bpf_charge_depth"
#define PROBE_NAME		"bpf_charge_depth_probe"

#define SZ_1M			(1024L * 1024)

/* A 64 MiB array map: 16384 values of 4 KiB, vmalloc()ed at creation. */
#define ARRAY_VALUE		4096
#define ARRAY_ENTRIES		16384
#define ARRAY_SIZE_B		((long)ARRAY_VALUE * ARRAY_ENTRIES)

/*
 * Elements of hash maps and LPM tries come from bpf_mem_alloc caches of
 * kmalloc()ed units: with a 3968 byte value an element and its headers
 * still fit in 4 KiB.  What is charged is counted as the values only,
 * which is less than what is really charged.
 */
#define ELEM_VALUE		3968
#define NR_ELEMS		4352	/* 4352 * 3968 bytes > 16 MiB */

#define RINGBUF_SIZE		(16L << 20)
#define PERCPU_VALUE		4096
#define PERCPU_ENTRIES		2048	/* 8 MiB on each CPU */
#define ARENA_SIZE		(16L << 20)

/* eBPF programs: 32 of 32768 instructions are 8 MiB of instructions. */
#define PROG_INSNS		32768
#define NR_PROGS		32
/* Classic BPF: 256 sockets, each with a filter of BPF_MAXINSNS. */
#define NR_SOCKS		256

static size_t root_len;
static long page_size;
/* cgroup.memory=nobpf is on the kernel command line. */
static bool nobpf;
/*
 * The CPU that main(), which measures, and every worker, which creates the
 * objects, run on; -1 if they could not be pinned to one.
 */
static int pinned_cpu = -1;

/*
 * memcg charges memory.current in per-cpu batches of MEMCG_CHARGE_BATCH
 * (64) pages: a cgroup's counter may include up to that much per CPU that
 * is not in use yet, and an allocation may be served from such a batch
 * without the counter moving.  That is 256 KiB per CPU with 4 KiB pages.
 *
 * A CPU holds a batch for a cgroup only once a task of the cgroup charged
 * it there.  With the workers pinned to one CPU, that is one batch per
 * cgroup, however many CPUs the machine has.  Other CPUs may still free
 * some short-lived allocations of the workers, such as the verifier's,
 * from RCU callbacks or workqueues, and keep what they uncharge as a
 * batch; that is never more than what was freed there, a few pages.
 */
static long stock_err(void)
{
	return page_size * 64 * (pinned_cpu >= 0 ? 1 : get_nprocs());
}

/*
 * How much a cgroup that is not charged for an object may still grow while
 * the object is made: the charge batches above, its own and its children's,
 * plus the few small allocations of the creating task that stay with it
 * (page tables, a bpffs inode, the file of a pinned object it opens).  Also
 * how much less than an object's size its memcg may grow.  1 MiB, or more
 * on machines with more than 2 CPUs when the workers could not be pinned.
 */
static long noise(void)
{
	long err = 2 * stock_err();

	return err > SZ_1M ? err : SZ_1M;
}

/*
 * not_charged() accepts growth below noise() and charged() asks for the
 * size of the object minus noise(): only an object well above the noise
 * tells the two apart.  Unpinned, on a big machine, the noise reaches the
 * sizes of the objects and both checks would pass whichever cgroup paid.
 * From 4 times the noise up, a charged cgroup grows at least 3 times as
 * much as one that is not charged may: below that, skip.
 */
static bool big_enough(long size)
{
	if (size >= 4 * noise())
		return true;

	ksft_print_msg("objects of %ld KiB are less than 4 times the noise, %ld KiB on %d CPUs\n",
		       size >> 10, noise() >> 10,
		       pinned_cpu >= 0 ? 1 : get_nprocs());
	return false;
}

/* Pin the calling task to @cpu.  Return 0 or -1. */
static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Pin the calling task to the first CPU it may run on: return it, or -1. */
static int pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			break;
	if (cpu == CPU_SETSIZE || pin_to_cpu(cpu))
		return -1;

	return cpu;
}

/* The path of cgroup directory @cg as cgroupfs names it, e.g. "/a/b". */
static const char *cg_path(const char *cg)
{
	return cg + root_len;
}

struct map_spec {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 flags;
};

static int map_create(const struct map_spec *spec)
{
	return sys_map_create(spec->type, spec->key_size, spec->value_size,
			      spec->max_entries, spec->flags);
}

static int map_update(int fd, const void *key, const void *value)
{
	int i, ret;

	/*
	 * Maps without preallocation take elements from per-cpu caches that
	 * irq_work refills: an update that finds a cache empty fails with
	 * ENOMEM and succeeds once it is refilled.
	 */
	for (i = 0; i < 1000; i++) {
		ret = sys_map_update(fd, key, value, BPF_ANY);
		if (!ret || errno != ENOMEM)
			break;
		usleep(1000);
	}

	return ret;
}

/* A straight-line program of @cnt instructions: r0 = 0; r0 += 1...; exit */
static struct bpf_insn *prog_build(int cnt)
{
	struct bpf_insn *insns;
	int i;

	insns = calloc(cnt, sizeof(*insns));
	if (!insns)
		return NULL;

	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].dst_reg = BPF_REG_0;
	for (i = 1; i < cnt - 1; i++) {
		insns[i].code = BPF_ALU64 | BPF_ADD | BPF_K;
		insns[i].dst_reg = BPF_REG_0;
		insns[i].imm = 1;
	}
	insns[cnt - 1].code = BPF_JMP | BPF_EXIT;

	return insns;
}

static int prog_load(const struct bpf_insn *insns, int cnt)
{
	return sys_prog_load(insns, cnt);
}

static bool bpffs_mounted(void)
{
	struct statfs st;

	return !statfs(BPFFS, &st) && st.f_type == BPF_FS_MAGIC;
}

/*
 * Write @len bytes of @buf at offset @off to memory.bpf_charge_target of
 * @cg, through a descriptor opened for it.  Return 0 or -errno.
 */
static int target_write(const char *cg, const char *buf, size_t len, off_t off)
{
	char path[PATH_MAX];
	ssize_t ret;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, TARGET_FILE);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;

	ret = pwrite(fd, buf, len, off);
	if (ret < 0)
		ret = -errno;
	else if (ret != (ssize_t)len)
		ret = -EIO;
	else
		ret = 0;

	close(fd);
	return ret;
}

/* Make cgroup directory @target the charge target of @cg; NULL clears it. */
static int set_target(const char *cg, const char *target)
{
	const char *val = target ? cg_path(target) : "\n";
	int ret;

	ret = target_write(cg, val, strlen(val), 0);
	if (ret)
		ksft_print_msg("setting %s of %s to %s: %s\n", TARGET_FILE,
			       cg_path(cg), target ? val : "(none)",
			       strerror(-ret));
	return ret;
}

/* Check that @file of @cg reads as the path of @target (NULL: empty). */
static int file_names(const char *cg, const char *file, const char *target)
{
	char expected[PATH_MAX + 2], buf[PATH_MAX + 2];

	snprintf(expected, sizeof(expected), "%s\n",
		 target ? cg_path(target) : "");
	if (cg_read(cg, file, buf, sizeof(buf))) {
		ksft_print_msg("reading %s of %s failed\n", file, cg_path(cg));
		return -1;
	}
	if (strcmp(buf, expected)) {
		ksft_print_msg("%s of %s reads '%.*s', expected '%.*s'\n",
			       file, cg_path(cg),
			       (int)strcspn(buf, "\n"), buf,
			       (int)strcspn(expected, "\n"), expected);
		return -1;
	}

	return 0;
}

/* Check that the charge target of @cg reads as @target (NULL: unset). */
static int target_is(const char *cg, const char *target)
{
	return file_names(cg, TARGET_FILE, target);
}

/* Check that the objects of @cg would be charged to @target now. */
static int effective_is(const char *cg, const char *target)
{
	return file_names(cg, EFFECTIVE_FILE, target);
}

/* Check that @file does not exist in cgroup @cg. */
static int file_absent(const char *cg, const char *file)
{
	char *path = cg_control(cg, file);
	int ret = 0;

	if (!path)
		return -1;
	if (!access(path, F_OK)) {
		ksft_print_msg("%s exists in %s\n", file,
			       *cg_path(cg) ? cg_path(cg) : "/");
		ret = -1;
	}
	free(path);
	return ret;
}

static bool target_supported(const char *root)
{
	char *cg, *file = NULL;
	bool ret = false;

	cg = cg_name(root, PROBE_NAME);
	if (!cg || cg_create(cg))
		goto out;
	file = cg_control(cg, TARGET_FILE);
	ret = file && !access(file, F_OK);
out:
	cg_destroy(cg);
	free(file);
	free(cg);
	return ret;
}

/*
 * <root>/bpf_charge_depth, with memory enabled for its children:
 *   slice      memory enabled for its children, the charge target
 *   slice/gen1 where the objects are created
 *   other      a cgroup outside the slice
 */
struct tree {
	char *top;
	char *slice;
	char *gen1;
	char *other;
};

static int tree_create(const char *root, struct tree *t)
{
	memset(t, 0, sizeof(*t));

	t->top = cg_name(root, TOP_NAME);
	if (!t->top)
		return -1;
	t->slice = cg_name(t->top, "slice");
	t->other = cg_name(t->top, "other");
	if (!t->slice || !t->other)
		return -1;
	t->gen1 = cg_name(t->slice, "gen1");
	if (!t->gen1)
		return -1;

	if (cg_create(t->top) ||
	    cg_write(t->top, "cgroup.subtree_control", "+memory") ||
	    cg_create(t->slice) ||
	    cg_write(t->slice, "cgroup.subtree_control", "+memory") ||
	    cg_create(t->gen1) || cg_create(t->other)) {
		ksft_perror("creating the test cgroups");
		return -1;
	}

	return 0;
}

static void tree_destroy(struct tree *t)
{
	cg_destroy(t->gen1);
	cg_destroy(t->slice);
	cg_destroy(t->other);
	cg_destroy(t->top);
	free(t->gen1);
	free(t->slice);
	free(t->other);
	free(t->top);
}

/*
 * A worker is a child in a cgroup that reports an int status to the parent
 * and then waits for the parent to let it go on; when the parent closes
 * the pipe instead, it releases what it holds and exits.
 */
struct worker {
	int (*fn)(struct worker *w, void *arg);
	void *arg;
	pid_t pid;
	int cmd[2];	/* parent to worker: go on */
	int rsp[2];	/* worker to parent: status */
};

typedef int (*worker_fn)(struct worker *w, void *arg);

/*
 * The workers alive.  A worker started while another one is alive must
 * not keep the other's pipes open: the other would not see its pipe close
 * when the parent lets it go.
 */
#define MAX_WORKERS	4
static struct worker *workers[MAX_WORKERS];

static int worker_register(struct worker *w)
{
	int i;

	for (i = 0; i < MAX_WORKERS; i++) {
		if (!workers[i]) {
			workers[i] = w;
			return 0;
		}
	}

	ksft_print_msg("more than %d workers\n", MAX_WORKERS);
	return -1;
}

static void worker_unregister(struct worker *w)
{
	int i;

	for (i = 0; i < MAX_WORKERS; i++)
		if (workers[i] == w)
			workers[i] = NULL;
}

/* In the worker: report @status, wait for the parent; 0 means go on. */
static int worker_sync(struct worker *w, int status)
{
	char c;

	if (write(w->rsp[1], &status, sizeof(status)) != sizeof(status))
		return -1;

	return read(w->cmd[0], &c, 1) == 1 ? 0 : -1;
}

static int worker_main(const char *cgroup __maybe_unused, void *arg)
{
	struct worker *w = arg;
	int i, status;

	close(w->cmd[1]);
	close(w->rsp[0]);
	for (i = 0; i < MAX_WORKERS; i++) {
		if (workers[i] && workers[i] != w) {
			close(workers[i]->cmd[1]);
			close(workers[i]->rsp[0]);
		}
	}

	/*
	 * The worker inherits the parent's affinity, but entering a cgroup
	 * with another cpuset resets it: pin it again.
	 */
	if (pinned_cpu >= 0 && pin_to_cpu(pinned_cpu)) {
		status = errno;
		ksft_perror("pinning the worker");
		worker_sync(w, status);
		return 1;
	}

	return w->fn(w, w->arg);
}

static int worker_start(struct worker *w, const char *cg, worker_fn fn,
			void *arg)
{
	memset(w, 0, sizeof(*w));
	w->fn = fn;
	w->arg = arg;

	if (pipe(w->cmd))
		return -1;
	if (pipe(w->rsp)) {
		close(w->cmd[0]);
		close(w->cmd[1]);
		return -1;
	}

	/* Don't let the child flush what the parent has buffered. */
	fflush(stdout);
	fflush(stderr);
	w->pid = cg_run_nowait(cg, worker_main, w);

	close(w->cmd[0]);
	close(w->rsp[1]);
	if (w->pid > 0 && worker_register(w)) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		w->pid = 0;
	}
	if (w->pid <= 0) {
		close(w->cmd[1]);
		close(w->rsp[0]);
		w->pid = 0;
		return -1;
	}

	return 0;
}

/* Wait for the next status of @w: 0 if one came, -1 if @w is gone. */
static int worker_wait(struct worker *w, int *status)
{
	if (read(w->rsp[0], status, sizeof(*status)) != sizeof(*status)) {
		ksft_print_msg("worker %d died\n", w->pid);
		return -1;
	}

	return 0;
}

/* Let @w take its next step and return its status, or -1 if it died. */
static int worker_step(struct worker *w)
{
	int status;

	if (write(w->cmd[1], "g", 1) != 1 || worker_wait(w, &status))
		return -1;

	return status;
}

/* Let @w release its objects and exit: return its exit status or -1. */
static int worker_stop(struct worker *w)
{
	int wstatus;

	if (!w->pid)
		return 0;

	worker_unregister(w);
	close(w->cmd[1]);
	close(w->rsp[0]);
	if (waitpid(w->pid, &wstatus, 0) != w->pid)
		wstatus = -1;
	w->pid = 0;

	if (wstatus == -1 || !WIFEXITED(wstatus)) {
		ksft_print_msg("worker did not exit normally (%#x)\n",
			       wstatus);
		return -1;
	}

	return WEXITSTATUS(wstatus);
}

#define MAX_CGS		4
#define CGS(...)	((const char *const []){ __VA_ARGS__ })

static int read_currents(const char *const *cgs, long *val, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		val[i] = cg_read_long(cgs[i], "memory.current");
		if (val[i] < 0)
			return -1;
	}

	return 0;
}

/*
 * Let @w take its next step, recording in @delta[i] by how much
 * memory.current of @cgs[i] grew meanwhile.  Return the status of the
 * step (0 or an errno), or -1.
 */
static int step_measured(struct worker *w, const char *const *cgs,
			 long *delta, int nr)
{
	long before[MAX_CGS], after[MAX_CGS];
	int i, status;

	if (nr > MAX_CGS || read_currents(cgs, before, nr))
		return -1;

	status = worker_step(w);
	if (status) {
		if (status > 0)
			ksft_print_msg("worker step failed: %s\n",
				       strerror(status));
		return status;
	}

	if (read_currents(cgs, after, nr))
		return -1;

	for (i = 0; i < nr; i++)
		delta[i] = after[i] - before[i];

	return 0;
}

/*
 * Start @fn in a worker in @cg and, once it is ready, measure its first
 * step as step_measured() does.  The worker is left holding its objects.
 */
static int start_measured(struct worker *w, const char *cg, worker_fn fn,
			  void *arg, const char *const *cgs, long *delta,
			  int nr)
{
	int status;

	if (worker_start(w, cg, fn, arg))
		return -1;
	if (worker_wait(w, &status) || status)
		return -1;

	return step_measured(w, cgs, delta, nr);
}

/* @cg grew by @delta: check that it was not charged for the object. */
static bool not_charged(const char *cg, long delta)
{
	bool ok = delta < noise();

	ksft_print_msg("%s: %+ld KiB, expected < %ld KiB%s\n", cg_path(cg),
		       delta >> 10, noise() >> 10, ok ? "" : ": FAIL");
	return ok;
}

/*
 * @cg grew by @delta: check that it was charged for @size bytes.  Charge
 * batches that @cg or a child held before may have been used for the
 * object or given back meanwhile, hence the noise.
 */
static bool charged(const char *cg, long delta, long size)
{
	long min = size - noise();
	bool ok = delta >= min;

	ksft_print_msg("%s: %+ld KiB, expected >= %ld KiB%s\n", cg_path(cg),
		       delta >> 10, min >> 10, ok ? "" : ": FAIL");
	return ok;
}

/*
 * Wait up to 10 s for memory.current of @cg to drop to @limit: elements of
 * maps without preallocation are freed after RCU tasks trace grace periods.
 */
static long wait_current_below(const char *cg, long limit)
{
	long cur = -1;
	int i;

	for (i = 0; i < 100; i++) {
		cur = cg_read_long(cg, "memory.current");
		if (cur < 0 || cur <= limit)
			break;
		usleep(100000);
	}

	return cur;
}

/*
 * What w_elems() does: step 0 creates a map (or gets it from a pin), pins
 * it and loads and pins a program as asked; each further step inserts
 * @count elements with new keys.
 */
struct elem_job {
	struct map_spec spec;
	const char *map_pin;	/* pin the map here, or get it from here */
	bool get;		/* BPF_OBJ_GET map_pin instead of creating */
	const char *prog_pin;	/* load a program too and pin it here */
	int steps;
	int count;
};

struct lpm_key {
	__u32 prefixlen;
	__u8 data[4];
};

static int w_elems(struct worker *w, void *arg)
{
	struct elem_job *job = arg;
	bool lpm = job->spec.type == BPF_MAP_TYPE_LPM_TRIE;
	struct lpm_key lkey = { .prefixlen = 32 };
	struct bpf_insn *insns = NULL;
	int fd = -1, prog = -1;
	int i, step, status = 0;
	__u32 key = 0;
	void *value;

	value = calloc(1, job->spec.value_size + 1);
	if (job->prog_pin)
		insns = prog_build(BPF_MAXINSNS);
	if (!value || (job->prog_pin && !insns))
		status = ENOMEM;
	if (worker_sync(w, status) || status)
		goto out;

	fd = job->get ? sys_obj_get(job->map_pin) : map_create(&job->spec);
	if (fd < 0)
		status = errno;
	else if (!job->get && job->map_pin && sys_obj_pin(fd, job->map_pin))
		status = errno;
	if (!status && job->prog_pin) {
		prog = prog_load(insns, BPF_MAXINSNS);
		if (prog < 0 || sys_obj_pin(prog, job->prog_pin))
			status = errno;
	}
	if (worker_sync(w, status) || status)
		goto out;

	for (step = 0; step < job->steps; step++) {
		for (i = 0; i < job->count && !status; i++, key++) {
			memcpy(value, &key, sizeof(key));
			lkey.data[0] = key >> 24;
			lkey.data[1] = key >> 16;
			lkey.data[2] = key >> 8;
			lkey.data[3] = key;
			if (map_update(fd, lpm ? (void *)&lkey : (void *)&key,
				       value))
				status = errno;
		}
		if (worker_sync(w, status) || status)
			break;
	}
out:
	if (prog >= 0)
		close(prog);
	if (fd >= 0)
		close(fd);
	free(insns);
	free(value);
	return 0;
}

/* Create a map of @spec in @cg while measuring @cgs; keep it in @w. */
static int create_measured(struct worker *w, struct elem_job *job,
			   const char *cg, const char *const *cgs, long *delta,
			   int nr)
{
	return start_measured(w, cg, w_elems, job, cgs, delta, nr);
}

/*
 * memory.bpf_charge_target exists in non-root memcgs only, reads "\n"
 * while unset and the path of the target once set; an empty line clears
 * it.  (A write of zero bytes never reaches the file: cgroup core returns
 * early for it.)  memory.bpf_charge_target.effective comes with it, in
 * non-root memcgs only, and reads the path of the nearest target up the
 * tree, or of the cgroup itself when none is set.
 */
static int test_bpf_charge_file(const char *root)
{
	int ret = KSFT_FAIL;
	char buf[PATH_MAX];
	char *deep = NULL;
	char *file;
	struct tree t;

	if (tree_create(root, &t))
		goto cleanup;

	if (file_absent(root, TARGET_FILE) || file_absent(root, EFFECTIVE_FILE))
		goto cleanup;

	file = cg_control(t.gen1, EFFECTIVE_FILE);
	if (!file)
		goto cleanup;
	if (access(file, F_OK)) {
		ksft_print_msg("%s exists, but not %s\n", TARGET_FILE,
			       EFFECTIVE_FILE);
		free(file);
		goto cleanup;
	}
	free(file);

	if (target_is(t.slice, NULL) || target_is(t.gen1, NULL))
		goto cleanup;

	/* Nothing set anywhere: each cgroup pays for its own objects. */
	if (effective_is(t.gen1, t.gen1) || effective_is(t.slice, t.slice) ||
	    effective_is(t.other, t.other))
		goto cleanup;

	/* An ancestor, then the cgroup itself. */
	if (set_target(t.gen1, t.slice) || target_is(t.gen1, t.slice) ||
	    target_is(t.slice, NULL) || effective_is(t.gen1, t.slice) ||
	    effective_is(t.slice, t.slice))
		goto cleanup;
	if (set_target(t.slice, t.slice) || target_is(t.slice, t.slice))
		goto cleanup;

	/* "\n" clears; gen1 then follows the slice's target. */
	if (target_write(t.gen1, "\n", 1, 0) || target_is(t.gen1, NULL) ||
	    effective_is(t.gen1, t.slice))
		goto cleanup;

	/* A trailing newline is accepted, as echo writes one. */
	snprintf(buf, sizeof(buf), "%s\n", cg_path(t.gen1));
	if (target_write(t.gen1, buf, strlen(buf), 0) ||
	    target_is(t.gen1, t.gen1))
		goto cleanup;

	/* The nearest setting wins. */
	if (effective_is(t.gen1, t.gen1))
		goto cleanup;

	/* Cleared again: what "echo > memory.bpf_charge_target" writes. */
	if (target_write(t.gen1, "\n", 1, 0) || target_is(t.gen1, NULL) ||
	    effective_is(t.gen1, t.slice))
		goto cleanup;

	if (target_is(t.slice, t.slice) || effective_is(t.other, t.other))
		goto cleanup;

	/*
	 * A cgroup created below a target inherits it, and a change two
	 * levels up reaches it.
	 */
	deep = cg_name(t.gen1, "deep");
	if (!deep || cg_write(t.gen1, "cgroup.subtree_control", "+memory") ||
	    cg_create(deep) || effective_is(deep, t.slice))
		goto cleanup;
	if (target_write(t.slice, "\n", 1, 0) || effective_is(deep, deep) ||
	    effective_is(t.gen1, t.gen1))
		goto cleanup;
	if (set_target(t.slice, t.slice) || effective_is(deep, t.slice))
		goto cleanup;

	ret = KSFT_PASS;
cleanup:
	if (deep)
		cg_destroy(deep);
	free(deep);
	tree_destroy(&t);
	return ret;
}

/*
 * A 64 MiB array map created in slice/gen1 with the target set to slice
 * is charged to slice, not to gen1.  The control, a map created in "other"
 * with no target, checks that the measurement sees the map at all.
 */
static int test_bpf_charge_array(const char *root)
{
	struct elem_job job = {
		.spec = { BPF_MAP_TYPE_ARRAY, 4, ARRAY_VALUE, ARRAY_ENTRIES },
	};
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[2];
	bool ok;

	if (!big_enough(ARRAY_SIZE_B))
		return KSFT_SKIP;

	if (tree_create(root, &t))
		goto cleanup;

	if (create_measured(&w, &job, t.other, CGS(t.other), d, 1))
		goto cleanup;
	worker_stop(&w);
	if (!charged(t.other, d[0], ARRAY_SIZE_B))
		goto cleanup;

	if (set_target(t.slice, t.slice))
		goto cleanup;
	if (create_measured(&w, &job, t.gen1, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;

	ok = not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], ARRAY_SIZE_B);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/*
 * A cgroup created under slice after slice's target was set follows it,
 * and a setting deeper in the tree, on slice/mid, wins over slice's for a
 * task in slice/mid/leaf.
 */
static int test_bpf_charge_inherit(const char *root)
{
	struct elem_job job = {
		.spec = { BPF_MAP_TYPE_ARRAY, 4, ARRAY_VALUE,
			  ARRAY_ENTRIES / 2 },
	};
	char *late = NULL, *mid = NULL, *leaf = NULL;
	long size = ARRAY_SIZE_B / 2;
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[3];
	bool ok;

	if (!big_enough(size))
		return KSFT_SKIP;

	if (tree_create(root, &t))
		goto cleanup;

	late = cg_name(t.slice, "late");
	mid = cg_name(t.slice, "mid");
	leaf = mid ? cg_name(mid, "leaf") : NULL;
	if (!late || !leaf)
		goto cleanup;

	if (set_target(t.slice, t.slice) || cg_create(late))
		goto cleanup;
	if (create_measured(&w, &job, late, CGS(late, t.slice), d, 2))
		goto cleanup;
	worker_stop(&w);
	ok = not_charged(late, d[0]);
	ok &= charged(t.slice, d[1], size);
	if (!ok)
		goto cleanup;

	if (cg_create(mid) || cg_write(mid, "cgroup.subtree_control",
				       "+memory") || cg_create(leaf))
		goto cleanup;
	if (set_target(mid, mid))
		goto cleanup;
	if (create_measured(&w, &job, leaf, CGS(leaf, mid, t.slice), d, 3))
		goto cleanup;

	/* mid holds the map: slice, which includes mid, grows as much. */
	ok = not_charged(leaf, d[0]);
	ok &= charged(mid, d[1], size);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	cg_destroy(late);
	cg_destroy(leaf);
	cg_destroy(mid);
	free(late);
	free(leaf);
	free(mid);
	tree_destroy(&t);
	return ret;
}

/*
 * Elements of a hash map without preallocation are allocated when they
 * are inserted, by bpf_mem_alloc on behalf of the map: inserting 16 MiB
 * of them from gen1 into a map created in gen1 charges the slice.
 */
static int test_bpf_charge_hash_elems(const char *root)
{
	struct elem_job job = {
		.spec = { BPF_MAP_TYPE_HASH, 4, ELEM_VALUE, NR_ELEMS,
			  BPF_F_NO_PREALLOC },
		.steps = 1,
		.count = NR_ELEMS,
	};
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[2];
	bool ok;

	if (!big_enough((long)NR_ELEMS * ELEM_VALUE))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (create_measured(&w, &job, t.gen1, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;
	ok = not_charged(t.gen1, d[0]);

	if (step_measured(&w, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;
	ok &= not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], (long)NR_ELEMS * ELEM_VALUE);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/*
 * Nodes of an LPM trie follow the map too when they are inserted by a
 * task of another cgroup, outside the slice: the map is created in gen1,
 * pinned, and filled from "other" through BPF_OBJ_GET.  Neither gen1 nor
 * "other" is charged for them; the slice is.
 */
static int test_bpf_charge_lpm_elems(const char *root)
{
	struct elem_job create = {
		.spec = { BPF_MAP_TYPE_LPM_TRIE, sizeof(struct lpm_key),
			  ELEM_VALUE, NR_ELEMS, BPF_F_NO_PREALLOC },
		.map_pin = PIN_MAP,
	};
	struct elem_job fill = create;
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[3];
	bool ok;

	if (!bpffs_mounted()) {
		ksft_print_msg("bpffs is not mounted at %s\n", BPFFS);
		return KSFT_SKIP;
	}
	if (!big_enough((long)NR_ELEMS * ELEM_VALUE))
		return KSFT_SKIP;

	fill.get = true;
	fill.steps = 1;
	fill.count = NR_ELEMS;
	unlink(PIN_MAP);

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (create_measured(&w, &create, t.gen1, CGS(t.gen1), d, 1))
		goto cleanup;
	if (worker_stop(&w) || !not_charged(t.gen1, d[0]))
		goto cleanup;

	if (create_measured(&w, &fill, t.other, CGS(t.other), d, 1))
		goto cleanup;
	if (step_measured(&w, CGS(t.other, t.gen1, t.slice), d, 3))
		goto cleanup;

	ok = not_charged(t.other, d[0]);
	ok &= not_charged(t.gen1, d[1]);
	ok &= charged(t.slice, d[2], (long)NR_ELEMS * ELEM_VALUE);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	unlink(PIN_MAP);
	tree_destroy(&t);
	return ret;
}

/* Create a map of @spec in gen1 and check it charges @size to the slice. */
static int check_map_creation(const char *root, const struct map_spec *spec,
			      long size)
{
	struct elem_job job = { .spec = *spec };
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[2];
	bool ok;

	if (!big_enough(size))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (create_measured(&w, &job, t.gen1, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;

	ok = not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], size);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/* The data pages of a 16 MiB ring buffer are charged to the target. */
static int test_bpf_charge_ringbuf(const char *root)
{
	struct map_spec spec = { BPF_MAP_TYPE_RINGBUF, 0, 0, RINGBUF_SIZE, 0 };

	return check_map_creation(root, &spec, RINGBUF_SIZE);
}

/*
 * The per-cpu areas of a per-cpu array are charged to the target: 8 MiB
 * per possible CPU, counted here for the online ones only.
 */
static int test_bpf_charge_percpu(const char *root)
{
	struct map_spec spec = { BPF_MAP_TYPE_PERCPU_ARRAY, 4, PERCPU_VALUE,
				 PERCPU_ENTRIES, 0 };

	return check_map_creation(root, &spec,
				  (long)PERCPU_VALUE * PERCPU_ENTRIES *
				  get_nprocs());
}

/* Step 0: create an arena; 1: mmap it; 2: fault in all of its pages. */
static int w_arena(struct worker *w, void *arg __maybe_unused)
{
	struct map_spec spec = { BPF_MAP_TYPE_ARENA, 0, 0,
				 ARENA_SIZE / page_size, BPF_F_MMAPABLE };
	char *area = MAP_FAILED;
	int fd, status = 0;
	long off;

	if (worker_sync(w, 0))
		return 0;

	fd = map_create(&spec);
	if (worker_sync(w, fd < 0 ? errno : 0) || fd < 0)
		return 0;

	area = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (worker_sync(w, area == MAP_FAILED ? errno : 0) ||
	    area == MAP_FAILED)
		goto out;

	for (off = 0; off < ARENA_SIZE; off += page_size)
		area[off] = 1;
	worker_sync(w, status);
out:
	if (area != MAP_FAILED)
		munmap(area, ARENA_SIZE);
	close(fd);
	return 0;
}

/*
 * Arena pages are allocated when user space first touches them, and are
 * charged to the memcg of the map: 16 MiB touched from gen1 go to the
 * slice.  Kernels without arenas skip.
 */
static int test_bpf_charge_arena(const char *root)
{
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	int status;
	struct tree t;
	long d[2];
	bool ok;

	if (!big_enough(ARENA_SIZE))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (worker_start(&w, t.gen1, w_arena, NULL) ||
	    worker_wait(&w, &status) || status)
		goto cleanup;

	status = worker_step(&w);
	switch (status) {
	case 0:
		break;
	case EINVAL:
	case E2BIG:
	case EOPNOTSUPP:
	case ENOTSUPP:
		/* Logged, so that a broken creation shows. */
		ksft_print_msg("arena not available: %s (%d)\n",
			       strerror(status), status);
		ret = KSFT_SKIP;
		goto cleanup;
	default:
		ksft_print_msg("creating an arena: %s\n", strerror(status));
		goto cleanup;
	}

	status = worker_step(&w);
	if (status) {
		ksft_print_msg("mmap of the arena: %s\n", strerror(status));
		goto cleanup;
	}

	if (step_measured(&w, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;

	ok = not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], ARENA_SIZE);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/* Step 0: load NR_PROGS programs of PROG_INSNS instructions; hold them. */
static int w_progs(struct worker *w, void *arg __maybe_unused)
{
	int fds[NR_PROGS];
	struct bpf_insn *insns;
	int i, n = 0, status = 0;

	insns = prog_build(PROG_INSNS);
	if (worker_sync(w, insns ? 0 : ENOMEM) || !insns)
		goto out;

	for (n = 0; n < NR_PROGS; n++) {
		fds[n] = prog_load(insns, PROG_INSNS);
		if (fds[n] < 0) {
			status = errno;
			break;
		}
	}
	worker_sync(w, status);
out:
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(insns);
	return 0;
}

/*
 * Programs follow the target: their instructions, struct bpf_prog and aux
 * data, and the verifier's memory while they load.  32 programs of 32768
 * instructions hold at least 8 MiB of instructions.
 */
static int test_bpf_charge_progs(const char *root)
{
	long size = (long)NR_PROGS * PROG_INSNS * sizeof(struct bpf_insn);
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[2];
	bool ok;

	if (!big_enough(size))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (start_measured(&w, t.gen1, w_progs, NULL, CGS(t.gen1, t.slice),
			   d, 2))
		goto cleanup;

	ok = not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], size);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/*
 * Open NR_SOCKS sockets, then in step 0 attach a classic BPF filter of
 * BPF_MAXINSNS instructions to each of them.
 */
static int w_cbpf(struct worker *w, void *arg __maybe_unused)
{
	struct sock_filter *insns;
	struct sock_fprog fprog;
	int socks[NR_SOCKS];
	int i, n = 0, status = 0;

	insns = calloc(BPF_MAXINSNS, sizeof(*insns));
	if (!insns) {
		status = ENOMEM;
		goto ready;
	}
	for (i = 0; i < BPF_MAXINSNS - 1; i++)
		insns[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, i);
	insns[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
	fprog.len = BPF_MAXINSNS;
	fprog.filter = insns;

	for (n = 0; n < NR_SOCKS; n++) {
		socks[n] = socket(AF_INET, SOCK_DGRAM, 0);
		if (socks[n] < 0) {
			status = errno;
			break;
		}
	}
ready:
	if (worker_sync(w, status) || status)
		goto out;

	for (i = 0; i < n; i++) {
		if (setsockopt(socks[i], SOL_SOCKET, SO_ATTACH_FILTER,
			       &fprog, sizeof(fprog))) {
			status = errno;
			break;
		}
	}
	worker_sync(w, status);
out:
	for (i = 0; i < n; i++)
		close(socks[i]);
	free(insns);
	return 0;
}

/*
 * Classic BPF filters attached with SO_ATTACH_FILTER belong to their
 * socket and do not follow the target, even when a trusted task attaches
 * them: gen1 is charged, and the slice grows by no more than gen1 does.
 * The sockets are opened before the measurement; each filter becomes at
 * least BPF_MAXINSNS eBPF instructions.
 */
static int test_bpf_charge_cbpf(const char *root)
{
	long size = (long)NR_SOCKS * BPF_MAXINSNS * sizeof(struct bpf_insn);
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[2];
	bool ok;

	if (!big_enough(size))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (start_measured(&w, t.gen1, w_cbpf, NULL, CGS(t.gen1, t.slice),
			   d, 2))
		goto cleanup;

	ok = charged(t.gen1, d[0], size);
	ok &= not_charged(t.slice, d[1] - d[0]);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/*
 * Objects outlive the cgroup of their creator.  With the slice as target,
 * slice/mid/gen1 creates and pins a 32 MiB array map and a program, then
 * an empty hash map without preallocation, and is removed.  slice/mid/gen2
 * then gets the hash map and inserts 8 MiB of elements into it.  The slice
 * holds the charges throughout, and once the pins are gone it returns to
 * where it started.
 *
 * That the slice still holds the array after gen1's rmdir would hold on a
 * kernel without memory.bpf_charge_target too: there gen1 pays, and rmdir
 * reparents gen1's objcg, and with it the charge, to mid, inside the slice.
 * The elements gen2 inserts are charged to the memcg of the objcg the map
 * took at creation: the slice's with the target, so neither gen2 nor mid
 * grows; gen1's, reparented to mid, without it, so mid would grow.  gen2
 * not growing holds either way; mid not growing needs the target, and is
 * why mid is there.
 */
static int test_bpf_charge_restart(const char *root)
{
	struct elem_job create = {
		.spec = { BPF_MAP_TYPE_ARRAY, 4, ARRAY_VALUE,
			  ARRAY_ENTRIES / 2 },
		.map_pin = PIN_MAP,
		.prog_pin = PIN_PROG,
	};
	struct elem_job hash = {
		.spec = { BPF_MAP_TYPE_HASH, 4, ELEM_VALUE, NR_ELEMS / 2,
			  BPF_F_NO_PREALLOC },
		.map_pin = PIN_HASH,
	};
	struct elem_job fill = hash;
	long elems = (long)NR_ELEMS / 2 * ELEM_VALUE;
	char *mid = NULL, *gen1 = NULL, *gen2 = NULL;
	long size = ARRAY_SIZE_B / 2;
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	long base, cur, d[3];
	struct tree t;
	bool ok;

	if (!bpffs_mounted()) {
		ksft_print_msg("bpffs is not mounted at %s\n", BPFFS);
		return KSFT_SKIP;
	}
	if (!big_enough(elems))
		return KSFT_SKIP;

	fill.get = true;
	fill.steps = 1;
	fill.count = NR_ELEMS / 2;
	unlink(PIN_MAP);
	unlink(PIN_HASH);
	unlink(PIN_PROG);

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;
	mid = cg_name(t.slice, "mid");
	gen1 = mid ? cg_name(mid, "gen1") : NULL;
	gen2 = mid ? cg_name(mid, "gen2") : NULL;
	if (!gen1 || !gen2)
		goto cleanup;
	if (cg_create(mid) ||
	    cg_write(mid, "cgroup.subtree_control", "+memory") ||
	    cg_create(gen1))
		goto cleanup;

	base = cg_read_long(t.slice, "memory.current");
	if (base < 0)
		goto cleanup;

	if (create_measured(&w, &create, gen1, CGS(gen1, mid, t.slice), d,
			    3))
		goto cleanup;
	ok = not_charged(gen1, d[0]);
	ok &= not_charged(mid, d[1]);
	ok &= charged(t.slice, d[2], size);
	if (worker_stop(&w) || !ok)
		goto cleanup;

	if (create_measured(&w, &hash, gen1, CGS(gen1, mid), d, 2))
		goto cleanup;
	ok = not_charged(gen1, d[0]);
	ok &= not_charged(mid, d[1]);
	if (worker_stop(&w) || !ok)
		goto cleanup;

	if (cg_destroy(gen1))
		goto cleanup;
	cur = cg_read_long(t.slice, "memory.current");
	if (!charged(t.slice, cur - base, size))
		goto cleanup;

	if (cg_create(gen2))
		goto cleanup;
	if (create_measured(&w, &fill, gen2, CGS(gen2), d, 1))
		goto cleanup;
	if (step_measured(&w, CGS(gen2, mid, t.slice), d, 3))
		goto cleanup;
	ok = not_charged(gen2, d[0]);
	ok &= not_charged(mid, d[1]);
	ok &= charged(t.slice, d[2], elems);
	if (worker_stop(&w) || !ok)
		goto cleanup;
	cur = cg_read_long(t.slice, "memory.current");
	if (!charged(t.slice, cur - base, size + elems))
		goto cleanup;

	/*
	 * Freeing goes through RCU and workqueues: wait for it.  The slice,
	 * mid and the dead gen1 and gen2 may each still hold a charge batch
	 * per CPU, hence twice the noise.
	 */
	if (unlink(PIN_MAP) || unlink(PIN_HASH) || unlink(PIN_PROG))
		goto cleanup;
	cur = wait_current_below(t.slice, base + 2 * noise());
	ksft_print_msg("%s: %+ld KiB after unpinning, expected < %ld KiB\n",
		       cg_path(t.slice), (cur - base) >> 10,
		       2 * noise() >> 10);
	if (cur >= 0 && cur - base < 2 * noise())
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	unlink(PIN_MAP);
	unlink(PIN_HASH);
	unlink(PIN_PROG);
	cg_destroy(gen2);
	cg_destroy(gen1);
	cg_destroy(mid);
	free(gen2);
	free(gen1);
	free(mid);
	tree_destroy(&t);
	return ret;
}

static long oom_kills(const char *cg)
{
	return cg_read_key_long(cg, "memory.events", "oom_kill ");
}

/*
 * memory.max of the target applies: with the slice limited to 16 MiB a
 * 64 MiB map fails with ENOMEM, nothing is OOM-killed and the creating
 * task lives on.  With gen1 limited to 4 MiB instead and the slice
 * unlimited, the map is created: gen1's limit does not apply, and again
 * nothing is OOM-killed.
 *
 * The first half holds on a kernel without memory.bpf_charge_target as
 * well: the slice is an ancestor of gen1, so its limit applies to gen1's
 * charges anyway.  The second half is the one that needs the target.
 */
static int test_bpf_charge_limits(const char *root)
{
	struct elem_job job = {
		.spec = { BPF_MAP_TYPE_ARRAY, 4, ARRAY_VALUE, ARRAY_ENTRIES },
	};
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	int status;
	long d[2];
	bool ok;

	if (!big_enough(ARRAY_SIZE_B))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (cg_write(t.slice, "memory.max", "16M"))
		goto cleanup;
	status = create_measured(&w, &job, t.gen1, CGS(t.gen1), d, 1);
	if (status != ENOMEM) {
		ksft_print_msg("creating a 64 MiB map under a 16 MiB target: %s, expected ENOMEM\n",
			       status > 0 ? strerror(status) : "no error");
		goto cleanup;
	}
	ksft_print_msg("ENOMEM, as expected\n");
	if (worker_stop(&w)) {
		ksft_print_msg("the creating task did not survive\n");
		goto cleanup;
	}
	if (oom_kills(t.gen1) || oom_kills(t.slice)) {
		ksft_print_msg("oom_kill: gen1 %ld, slice %ld, expected 0\n",
			       oom_kills(t.gen1), oom_kills(t.slice));
		goto cleanup;
	}

	if (cg_write(t.slice, "memory.max", "max") ||
	    cg_write(t.gen1, "memory.max", "4M"))
		goto cleanup;
	status = create_measured(&w, &job, t.gen1, CGS(t.gen1, t.slice), d, 2);
	if (status) {
		ksft_print_msg("creating a 64 MiB map from a 4 MiB gen1: %s\n",
			       status > 0 ? strerror(status) : "failed");
		goto cleanup;
	}

	ok = not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], ARRAY_SIZE_B);
	if (oom_kills(t.gen1) || oom_kills(t.slice)) {
		ksft_print_msg("oom_kill: gen1 %ld, slice %ld, expected 0\n",
			       oom_kills(t.gen1), oom_kills(t.slice));
		ok = false;
	}
	if (worker_stop(&w)) {
		ksft_print_msg("the creating task did not survive\n");
		ok = false;
	}
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/*
 * A creation that does not fit under the limit of the memcg it is charged
 * to fails with ENOMEM and kills nothing: not the creator, not a bystander
 * in the same subtree, and not right after the failure, when the creator's
 * next step (here: writing a page of its own and a page into a pipe, as a
 * loader that logs the error does) would meet the memcg still full of what
 * the failed creation had charged.
 *
 * The limited cgroup gets the kind's memory.max, and each kind is created
 * NOOOM_TRIES times in a row by one worker, which after each failure reads
 * the limited cgroup's memory.current and writes its page and its pipe
 * page at once, without waiting for anything.  What the failed creation
 * left charged (memory.current after it, less before it) must be below
 * noise(): the per-cpu charge batches, while every object here is 7 MiB
 * or more.  A bystander holding NOOOM_BYSTANDER bytes of anonymous memory
 * sits under the limit too: in slice/bystander, a sibling of gen1 under the
 * slice, when the slice is the target; in gen1 itself without a target.
 * Swap is off for the limited cgroup (memory.swap.max 0) so that the
 * bystander cannot be swapped out of the way: a memcg that stays full must
 * then either fail charges or kill.
 *
 * The arena is not in the matrix: creating one allocates no pages (they
 * are charged when a program or a page fault allocates them), so there is
 * no creation that does not fit.
 */
#define NOOOM_LIMIT		"6M"
#define NOOOM_TRIES		10
#define NOOOM_BYSTANDER		(2L << 20)
/*
 * A million instructions (BPF_COMPLEXITY_LIMIT_INSNS), 7.6 MiB of them:
 * more than NOOOM_LIMIT, so the program cannot fit even in a cgroup that
 * holds nothing else.
 */
#define NOOOM_PROG_INSNS	1000000

struct nooom_kind {
	const char *name;
	struct map_spec spec;	/* .type 0: a program of NOOOM_PROG_INSNS */
	char *limit;		/* memory.max, NOOOM_LIMIT when NULL */
};

static const struct nooom_kind nooom_kinds[] = {
	/* 32 MiB of values */
	{ "array", { BPF_MAP_TYPE_ARRAY, 4, 4096, 8192, 0 }, NULL },
	/* 16 MiB on each CPU */
	{ "percpu_array", { BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4096, 4096, 0 }, NULL },
	/* 8192 preallocated elements of more than 4000 bytes */
	{ "hash", { BPF_MAP_TYPE_HASH, 4, 4000, 8192, 0 }, NULL },
	/* 32 MiB of ring buffer pages */
	{ "ringbuf", { BPF_MAP_TYPE_RINGBUF, 0, 0, 32 << 20, 0 }, NULL },
	{ "prog", { 0, 0, 0, 0, 0 }, NULL },
	/*
	 * 16M: the program's 7.6 MiB of instructions fit, the verifier's
	 * state for a million instructions (over 60 MiB) does not, so the
	 * load fails in the verifier, after the program was allocated.
	 */
	{ "prog_verifier", { 0 }, "16M" },
};

/* Built by main's process, so that the workers' reads charge nothing. */
static struct bpf_insn *nooom_insns;

struct nooom_job {
	const struct nooom_kind *kind;
	int tries;
	char limited[PATH_MAX];	/* the cgroup whose memory.current is read */
	/* filled by the worker */
	int enomem;		/* tries that failed with ENOMEM */
	int other_errno;	/* the first other outcome, -1 for success */
	int wrote;		/* tries after which the page writes succeeded */
	long left;		/* most a failed try left charged, bytes */
};

/* Write a new page of anonymous memory and a page into a pipe. */
static int write_pages(void)
{
	char buf[4096];
	int p[2], ret = 0;
	char *page;

	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -1;
	memset(page, 1, page_size);
	munmap(page, page_size);

	if (pipe(p))
		return -1;
	memset(buf, 1, sizeof(buf));
	if (write(p[1], buf, sizeof(buf)) != sizeof(buf))
		ret = -1;
	close(p[0]);
	close(p[1]);
	return ret;
}

/*
 * Step 0: NOOOM_TRIES creations of the job's kind, each followed by
 * write_pages() when it failed with ENOMEM.  The results go back through
 * memory shared with the parent, which reads them once the step reports.
 */
static int w_nooom(struct worker *w, void *arg)
{
	struct nooom_job *job = arg;
	int i, fd;

	if (worker_sync(w, 0))
		return 0;

	job->enomem = 0;
	job->wrote = 0;
	job->other_errno = 0;
	job->left = 0;
	for (i = 0; i < job->tries; i++) {
		long before, after;

		before = cg_read_long(job->limited, "memory.current");
		if (job->kind->spec.type)
			fd = map_create(&job->kind->spec);
		else
			fd = prog_load(nooom_insns, NOOOM_PROG_INSNS);
		if (fd >= 0) {
			close(fd);
			if (!job->other_errno)
				job->other_errno = -1;
			continue;
		}
		if (errno != ENOMEM) {
			if (!job->other_errno)
				job->other_errno = errno;
			continue;
		}
		job->enomem++;
		/* At once: a user's next step does not wait either. */
		after = cg_read_long(job->limited, "memory.current");
		if (before < 0 || after < 0)
			job->left = LONG_MAX;
		else if (after - before > job->left)
			job->left = after - before;
		if (!write_pages())
			job->wrote++;
	}
	worker_sync(w, 0);
	return 0;
}

/* Touch NOOOM_BYSTANDER bytes, then again at every step. */
static int w_bystander(struct worker *w, void *arg __maybe_unused)
{
	char *mem;

	mem = mmap(NULL, NOOOM_BYSTANDER, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		worker_sync(w, errno);
		return 1;
	}
	do
		memset(mem, 1, NOOOM_BYSTANDER);
	while (!worker_sync(w, 0));
	return 0;
}

/*
 * Run the matrix with @limited limited to NOOOM_LIMIT, @target as gen1's
 * charge target (NULL: none).  Print one line per kind and return whether
 * every try of every kind behaved.
 */
static bool nooom_matrix(struct tree *t, const char *limited, bool target)
{
	struct worker by = { .pid = 0 }, w = { .pid = 0 };
	struct nooom_job *job;
	char *bystander;
	bool ok = true;
	int i, status;
	long cur;

	/* Under the limit, beside the creator: see above. */
	bystander = target ? cg_name(t->slice, "bystander") : NULL;
	job = mmap(NULL, sizeof(*job), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if ((target && (!bystander || cg_create(bystander))) ||
	    job == MAP_FAILED) {
		ksft_perror("setting up the matrix");
		ok = false;
		goto out;
	}
	if (target && set_target(t->slice, t->slice)) {
		ok = false;
		goto out;
	}
	if (cg_write(limited, "memory.swap.max", "0"))
		ksft_print_msg("no memory.swap.max: swap may hide an OOM\n");

	if (worker_start(&by, target ? bystander : t->gen1, w_bystander,
			 NULL) ||
	    worker_wait(&by, &status) || status) {
		ksft_print_msg("the bystander did not start\n");
		ok = false;
		goto out;
	}

	cur = cg_read_long(limited, "memory.current");
	ksft_print_msg("%s: %ld KiB in use; target %s\n", cg_path(limited),
		       cur >> 10, target ? cg_path(t->slice) : "none");

	ksft_print_msg("%-13s %5s %5s %6s %8s %8s %9s %8s\n", "kind", "limit",
		       "tries", "ENOMEM", "oom_kill", "creator", "bystander",
		       "left KiB");
	for (i = 0; i < (int)ARRAY_SIZE(nooom_kinds); i++) {
		char *limit = nooom_kinds[i].limit ?: NOOOM_LIMIT;
		long kills_t, kills_c;
		bool alive, by_alive, row_ok;

		/*
		 * What the cgroup holds already (the bystander, and the
		 * creator) must leave room for none of the objects under
		 * the kind's limit.
		 */
		if (cg_write(limited, "memory.max", limit)) {
			ok = false;
			break;
		}
		memset(job, 0, sizeof(*job));
		job->kind = &nooom_kinds[i];
		job->tries = NOOOM_TRIES;
		snprintf(job->limited, sizeof(job->limited), "%s", limited);
		kills_c = oom_kills(t->gen1);
		kills_t = oom_kills(limited);

		alive = !worker_start(&w, t->gen1, w_nooom, job) &&
			!worker_wait(&w, &status) && !status &&
			!worker_step(&w);
		alive &= !worker_stop(&w);
		by_alive = !worker_step(&by);
		/* memory.events counts what happened below as well. */
		kills_c = oom_kills(t->gen1) - kills_c;
		kills_t = oom_kills(limited) - kills_t;

		row_ok = alive && by_alive && !kills_c && !kills_t &&
			 job->enomem == NOOOM_TRIES &&
			 job->wrote == NOOOM_TRIES && job->left < noise();
		ksft_print_msg("%-13s %5s %5d %6d %8ld %8s %9s %8ld%s\n",
			       job->kind->name, limit, NOOOM_TRIES,
			       job->enomem,
			       kills_c > kills_t ? kills_c : kills_t,
			       alive ? (job->wrote == NOOOM_TRIES ?
					"alive" : "no-write") : "killed",
			       by_alive ? "alive" : "killed",
			       job->left == LONG_MAX ? -1 : job->left >> 10,
			       row_ok ? "" : ": FAIL");
		if (job->other_errno > 0)
			ksft_print_msg("  %s: %s, expected ENOMEM\n",
				       job->kind->name,
				       strerror(job->other_errno));
		else if (job->other_errno < 0)
			ksft_print_msg("  %s: created over the limit\n",
				       job->kind->name);
		ok &= row_ok;
		if (!by_alive) {
			ksft_print_msg("the bystander is gone: the kinds after %s were not tried\n",
				       job->kind->name);
			break;
		}
	}
out:
	worker_stop(&w);
	worker_stop(&by);
	if (bystander)
		cg_destroy(bystander);
	free(bystander);
	if (job != MAP_FAILED)
		munmap(job, sizeof(*job));
	return ok;
}

static bool nooom_prepare(void)
{
	if (!nooom_insns)
		nooom_insns = prog_build(NOOOM_PROG_INSNS);
	return nooom_insns;
}

/* With the slice as target and limited: the case this file adds. */
static int test_bpf_charge_nooom_target(const char *root)
{
	int ret = KSFT_FAIL;
	struct tree t;

	/* "left" must tell the smallest object from the noise. */
	if (!big_enough(NOOOM_PROG_INSNS * sizeof(struct bpf_insn)))
		return KSFT_SKIP;
	if (tree_create(root, &t))
		goto cleanup;
	if (nooom_prepare() && nooom_matrix(&t, t.slice, true))
		ret = KSFT_PASS;
cleanup:
	tree_destroy(&t);
	return ret;
}

/* Without a target, gen1 limited: the everyday case, on any kernel. */
static int test_bpf_charge_nooom_self(const char *root)
{
	int ret = KSFT_FAIL;
	struct tree t;

	if (!big_enough(NOOOM_PROG_INSNS * sizeof(struct bpf_insn)))
		return KSFT_SKIP;
	if (tree_create(root, &t))
		goto cleanup;
	if (nooom_prepare() && nooom_matrix(&t, t.gen1, false))
		ret = KSFT_PASS;
cleanup:
	tree_destroy(&t);
	return ret;
}

/*
 * Only trusted creators make the target pay.  An unprivileged task (uid
 * and gid 65534, no capabilities) in slice/tenant, itself limited to
 * UNTRUSTED_LIMIT, creates objects of one kind until a creation fails, it
 * is killed, or it has made the kind's maximum:
 *
 *   cbpf     classic BPF socket filters of BPF_MAXINSNS instructions, one
 *            per socket (SO_ATTACH_FILTER)
 *   seccomp  seccomp filters of BPF_MAXINSNS instructions, 7 in each of
 *            up to 128 processes it forks (a process's filters may not add
 *            up to more than 32768 instructions)
 *   map      unprivileged array maps of 64 KiB, with
 *            kernel.unprivileged_bpf_disabled 0
 *   prog     unprivileged socket filter programs of BPF_MAXINSNS
 *            instructions, likewise
 *   userns   array maps as map, made by the same task after it has
 *            entered a user namespace of its own, where it has every
 *            capability: capabilities outside the initial user namespace
 *            do not make a creator trusted
 *
 * Each maximum is well above what fits under UNTRUSTED_LIMIT, so a
 * creator whose objects are charged to it stops at its limit: the tenant's
 * memory.peak must come within noise() of UNTRUSTED_LIMIT, or the kind
 * tested nothing.  With the slice as target, the slice's own charge (what
 * it holds beyond tenant and gen1) may not grow by more than noise(): with
 * these objects charged to the slice it would grow by 10 MiB or more per
 * kind, the very escape this rule closes.
 */
#define UNTRUSTED_LIMIT		(16L << 20)
#define SECCOMP_PER_PROC	7
#define SECCOMP_PROCS		128
#define NOBODY			65534

enum untrusted_kind { U_CBPF, U_SECCOMP, U_MAP, U_PROG, U_USERNS, U_NR };

static const struct {
	const char *name;
	int max;
} untrusted_kinds[U_NR] = {
	[U_CBPF]	= { "cbpf", 1024 },
	[U_SECCOMP]	= { "seccomp", SECCOMP_PROCS * SECCOMP_PER_PROC },
	[U_MAP]		= { "map", 1024 },
	[U_PROG]	= { "prog", 640 },
	[U_USERNS]	= { "userns", 1024 },
};

struct untrusted_job {
	enum untrusted_kind kind;
	int count;		/* objects made, updated as they are */
	int err;		/* errno of the creation that failed, or 0 */
};

static int drop_privileges(void)
{
	struct rlimit rl = { 4096, 4096 };

	/* Changing every uid away from 0 clears the capability sets. */
	if (setrlimit(RLIMIT_NOFILE, &rl) || setgroups(0, NULL) ||
	    setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}

/* A process holding SECCOMP_PER_PROC filters; writes 1 byte when done. */
static void seccomp_holder(struct untrusted_job *job, int ready)
{
	struct sock_filter *insns;
	struct sock_fprog fprog;
	int i;

	insns = calloc(BPF_MAXINSNS, sizeof(*insns));
	if (!insns || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		_exit(1);
	for (i = 0; i < BPF_MAXINSNS - 1; i++)
		insns[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W |
							BPF_ABS, 0);
	insns[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						SECCOMP_RET_ALLOW);
	fprog.len = BPF_MAXINSNS;
	fprog.filter = insns;

	for (i = 0; i < SECCOMP_PER_PROC; i++) {
		if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) {
			job->err = errno;
			break;
		}
		__atomic_add_fetch(&job->count, 1, __ATOMIC_SEQ_CST);
	}
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);
	for (;;)
		pause();
}

static int untrusted_seccomp(struct worker *w, struct untrusted_job *job)
{
	int i, p[2];
	pid_t pid;
	char c;

	for (i = 0; i < SECCOMP_PROCS && !job->err; i++) {
		if (pipe(p)) {
			job->err = errno;
			break;
		}
		pid = fork();
		if (pid < 0) {
			job->err = errno;
			close(p[0]);
			close(p[1]);
			break;
		}
		if (!pid) {
			/* The parent must see the worker's pipes close. */
			close(w->rsp[1]);
			close(w->cmd[0]);
			close(p[0]);
			seccomp_holder(job, p[1]);
		}
		close(p[1]);
		/*
		 * EOF: the holder died (OOM-killed) before it was done.  A
		 * holder that died since, killed to make room for this one,
		 * ends the run as well: the tenant is at its limit.
		 */
		if ((read(p[0], &c, 1) != 1 ||
		     waitpid(-1, NULL, WNOHANG) > 0) && !job->err)
			job->err = ECHILD;
		close(p[0]);
	}
	return 0;
}

/*
 * Step 0 makes the objects; they are held until the parent lets go.  The
 * holders of seccomp filters are killed with the tenant's cgroup.
 */
static int w_untrusted(struct worker *w, void *arg)
{
	struct untrusted_job *job = arg;
	int max = untrusted_kinds[job->kind].max;
	struct sock_filter *cbpf = NULL;
	struct bpf_insn *insns = NULL;
	struct map_spec spec = { BPF_MAP_TYPE_ARRAY, 4, 4096, 16, 0 };
	struct sock_fprog fprog;
	int i, fd, *fds;

	fds = calloc(max, sizeof(*fds));
	cbpf = calloc(BPF_MAXINSNS, sizeof(*cbpf));
	insns = prog_build(BPF_MAXINSNS);
	if (!fds || !cbpf || !insns || drop_privileges() ||
	    (job->kind == U_USERNS && unshare(CLONE_NEWUSER))) {
		worker_sync(w, errno ? errno : ENOMEM);
		return 1;
	}
	for (i = 0; i < BPF_MAXINSNS - 1; i++)
		cbpf[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, i);
	cbpf[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
	fprog.len = BPF_MAXINSNS;
	fprog.filter = cbpf;

	if (worker_sync(w, 0))
		return 0;

	if (job->kind == U_SECCOMP) {
		untrusted_seccomp(w, job);
		max = 0;
	}
	for (i = 0; i < max; i++) {
		switch (job->kind) {
		case U_CBPF:
			fd = socket(AF_INET, SOCK_DGRAM, 0);
			if (fd >= 0 && setsockopt(fd, SOL_SOCKET,
						  SO_ATTACH_FILTER, &fprog,
						  sizeof(fprog))) {
				job->err = errno;
				close(fd);
				fd = -1;
				errno = job->err;
			}
			break;
		case U_MAP:
		case U_USERNS:
			fd = map_create(&spec);
			break;
		default:
			fd = prog_load(insns, BPF_MAXINSNS);
			break;
		}
		if (fd < 0) {
			job->err = errno;
			break;
		}
		fds[job->count++] = fd;
	}
	worker_sync(w, 0);
	return 0;
}

/* Run one kind in a fresh slice/tenant; print its line; return ok. */
static bool untrusted_kind(struct tree *t, enum untrusted_kind kind)
{
	const char *cgs[3] = { t->slice, NULL, t->gen1 };
	struct worker w = { .pid = 0 };
	struct untrusted_job *job;
	long before[3], after[3], d_alone, d_tenant, peak;
	const char *how;
	char *tenant;
	bool ok = false, alive;
	int status;

	tenant = cg_name(t->slice, "tenant");
	job = mmap(NULL, sizeof(*job), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!tenant || job == MAP_FAILED || cg_create(tenant) ||
	    cg_write(tenant, "memory.max", "16M")) {
		ksft_perror("creating slice/tenant");
		goto out;
	}
	cg_write(tenant, "memory.swap.max", "0");
	cgs[1] = tenant;
	memset(job, 0, sizeof(*job));
	job->kind = kind;

	if (worker_start(&w, tenant, w_untrusted, job) ||
	    worker_wait(&w, &status)) {
		ksft_print_msg("%s: the unprivileged worker did not start\n",
			       untrusted_kinds[kind].name);
		goto out;
	}
	/* unshare() refused: no unprivileged user namespaces here. */
	if (kind == U_USERNS && (status == EPERM || status == ENOSPC)) {
		ksft_print_msg("%-8s skipped: no user namespace (%s)\n",
			       untrusted_kinds[kind].name, strerror(status));
		ok = true;
		goto out;
	}
	if (status) {
		ksft_print_msg("%s: the unprivileged worker did not start\n",
			       untrusted_kinds[kind].name);
		goto out;
	}
	if (read_currents(cgs, before, 3))
		goto out;
	alive = !worker_step(&w);
	if (read_currents(cgs, after, 3))
		goto out;

	d_tenant = after[1] - before[1];
	d_alone = (after[0] - after[1] - after[2]) -
		  (before[0] - before[1] - before[2]);
	peak = cg_read_long(tenant, "memory.peak");

	if (!alive)
		how = "killed";
	else if (job->err == ENOMEM)
		how = "ENOMEM";
	else if (job->err == ECHILD)
		how = "holder killed";
	else if (job->err)
		how = strerror(job->err);
	else
		how = "max";

	ok = d_alone < noise() && peak > UNTRUSTED_LIMIT - noise();
	ksft_print_msg("%-8s %6d %-14s %9ld %12ld %9ld%s\n",
		       untrusted_kinds[kind].name, job->count, how,
		       d_tenant >> 10, d_alone >> 10,
		       peak < 0 ? -1 : peak >> 10, ok ? "" : ": FAIL");
	if (alive && job->err == EPERM) {
		ksft_print_msg("%s: EPERM, is unprivileged BPF off?\n",
			       untrusted_kinds[kind].name);
		ok = false;
	}
out:
	worker_stop(&w);
	if (tenant)
		cg_destroy(tenant);
	free(tenant);
	if (job != MAP_FAILED)
		munmap(job, sizeof(*job));
	return ok;
}

#define UNPRIV_SYSCTL	"/proc/sys/kernel/unprivileged_bpf_disabled"

static int test_bpf_charge_untrusted(const char *root)
{
	char old[16] = "";
	bool ok = true;
	struct tree t;
	int kind;

	/* The tenant's limit must tell escaped objects from the noise. */
	if (!big_enough(UNTRUSTED_LIMIT))
		return KSFT_SKIP;
	if (read_text(UNPRIV_SYSCTL, old, sizeof(old)) <= 0 ||
	    write_text(UNPRIV_SYSCTL, "0", 1) < 0) {
		/* 1 is locked until reboot; the kernel may also lack it. */
		ksft_print_msg("cannot set %s to 0 (it reads %s)\n",
			       UNPRIV_SYSCTL, old);
		return KSFT_SKIP;
	}

	ksft_print_msg("target slice, slice/tenant memory.max 16 MiB, uid %d, no capabilities\n",
		       NOBODY);
	ksft_print_msg("%-8s %6s %-14s %9s %12s %9s\n", "kind", "made",
		       "stopped by", "tenant KiB", "target-only KiB",
		       "peak KiB");
	/*
	 * A tree of its own for each kind: what the objects of one kind
	 * leave to be freed after their creator is gone must not move the
	 * next kind's figures.
	 */
	for (kind = 0; kind < U_NR; kind++) {
		if (tree_create(root, &t) || set_target(t.slice, t.slice) ||
		    !untrusted_kind(&t, kind))
			ok = false;
		tree_destroy(&t);
	}

	write_text(UNPRIV_SYSCTL, old, strlen(old));
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * Charges are never moved: a hash map created while the target was the
 * slice keeps charging the slice for elements inserted after the target
 * of gen1 became gen1 itself, and after all targets were cleared.  A map
 * created meanwhile does follow the new setting.
 */
static int test_bpf_charge_no_recharge(const char *root)
{
	struct elem_job job = {
		.spec = { BPF_MAP_TYPE_HASH, 4, ELEM_VALUE, NR_ELEMS,
			  BPF_F_NO_PREALLOC },
		.steps = 2,
		.count = NR_ELEMS / 2,
	};
	struct elem_job array = {
		.spec = { BPF_MAP_TYPE_ARRAY, 4, ARRAY_VALUE,
			  ARRAY_ENTRIES / 4 },
	};
	long elems = (long)NR_ELEMS / 2 * ELEM_VALUE;
	struct worker w = { .pid = 0 }, w2 = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[2];
	bool ok;

	if (!big_enough(elems))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (create_measured(&w, &job, t.gen1, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;
	ok = not_charged(t.gen1, d[0]);

	/*
	 * New objects of gen1 now go to gen1: the 16 MiB array does.  The
	 * second worker starts while the first is alive: worker_main() closes
	 * the first one's pipes in it.
	 */
	if (set_target(t.gen1, t.gen1))
		goto cleanup;
	if (create_measured(&w2, &array, t.gen1, CGS(t.gen1), d, 1))
		goto cleanup;
	ok &= charged(t.gen1, d[0], ARRAY_SIZE_B / 4);

	if (step_measured(&w, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;
	ok &= not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], elems);

	if (set_target(t.gen1, NULL) || set_target(t.slice, NULL))
		goto cleanup;
	if (step_measured(&w, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;
	ok &= not_charged(t.gen1, d[0]);
	ok &= charged(t.slice, d[1], elems);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w2);
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

/*
 * Check that BPF object @fd reports @want, the cgroup id of @name, as the
 * memcg it is charged to (memcg_cgroup_id; 0: none).  Return 0 if so.
 */
static int owner_id_is(const char *what, int fd, __u64 want, const char *name)
{
	__u64 id;
	int err;

	err = bpf_info_memcg_cgroup_id(fd, &id);
	if (err) {
		ksft_print_msg("%s: no memcg_cgroup_id: %s\n", what,
			       err == -ENODATA ?
			       "the kernel does not report it" : strerror(-err));
		return -1;
	}
	if (id != want) {
		ksft_print_msg("%s: memcg_cgroup_id %llu, expected %llu (%s)\n",
			       what, (unsigned long long)id,
			       (unsigned long long)want, name);
		return -1;
	}

	return 0;
}

/*
 * Check that BPF object @fd reports cgroup directory @cg as its owner:
 * memcg_cgroup_id is the cgroup id, the inode number, of @cg.  @cg NULL:
 * it reports 0, charged to no memcg.  Return 0 if so.
 */
static int owner_is(const char *what, int fd, const char *cg)
{
	long long want = cg ? cgroup_id_of(cg) : 0;

	if (want < 0) {
		ksft_print_msg("%s: stat %s: %s\n", what, cg, strerror(-want));
		return -1;
	}

	return owner_id_is(what, fd, want, cg ? cg_path(cg) : "no memcg");
}

/* Check that the fdinfo of @fd has no "memcg:" line. */
static int no_fdinfo_memcg(const char *what, int fd)
{
	char path[PATH_MAX];
	int err;

	err = bpf_fdinfo_memcg_path(fd, path, sizeof(path));
	if (err == -ENODATA)
		return 0;
	if (err)
		ksft_print_msg("%s: reading fdinfo: %s\n", what,
			       strerror(-err));
	else
		ksft_print_msg("%s: fdinfo has 'memcg:\t%s'\n", what, path);
	return -1;
}

/* In a child in a cgroup: create a map and a program, check their owner. */
static int owner_child(const char *cgroup __maybe_unused, void *arg)
{
	struct map_spec spec = { BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0 };
	struct bpf_insn *insns;
	int map, prog, ret = 0;

	insns = prog_build(2);
	map = map_create(&spec);
	prog = insns ? prog_load(insns, 2) : -1;
	if (map < 0 || prog < 0) {
		ksft_perror("creating a map and a program");
		ret = 1;
	} else {
		if (owner_is("map", map, arg) || no_fdinfo_memcg("map", map))
			ret |= 2;
		if (owner_is("program", prog, arg) ||
		    no_fdinfo_memcg("program", prog))
			ret |= 4;
	}
	free(insns);
	fflush(stdout);
	return ret;
}

/*
 * Maps and programs report the memcg they charge as memcg_cgroup_id in
 * bpf_map_info and bpf_prog_info: "other" for objects created in "other",
 * which has no target, and the slice for objects created in gen1 while
 * the slice is the target.  fdinfo no longer names it.
 */
static int test_bpf_charge_owner(const char *root)
{
	int ret = KSFT_FAIL;
	struct tree t;

	if (tree_create(root, &t))
		goto cleanup;

	fflush(stdout);
	if (cg_run(t.other, owner_child, t.other))
		goto cleanup;

	if (set_target(t.slice, t.slice))
		goto cleanup;
	fflush(stdout);
	if (cg_run(t.gen1, owner_child, t.slice))
		goto cleanup;

	ret = KSFT_PASS;
cleanup:
	tree_destroy(&t);
	return ret;
}

/*
 * Write @len bytes of @buf at @off to the target file of @cg, expect
 * -@err, and check that the target still reads as @old.
 */
static bool bad_write(const char *what, const char *cg, const char *buf,
		      size_t len, off_t off, int err, const char *old)
{
	int ret = target_write(cg, buf, len, off);

	if (ret != -err) {
		ksft_print_msg("%s: got %s, expected %s\n", what,
			       ret ? strerror(-ret) : "success",
			       strerror(err));
		return false;
	}

	return !target_is(cg, old);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	__u32 mask = CAP_TO_MASK(CAP_SYS_ADMIN);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
		return -1;
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[i].effective &= ~mask;
	data[i].permitted &= ~mask;
	data[i].inheritable &= ~mask;

	return syscall(SYS_capset, &hdr, data);
}

/* Send descriptor @fd over unix socket @sock.  Return 0 or -1. */
static int send_fd(int sock, int fd)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;

	memset(cbuf, 0, sizeof(cbuf));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Receive a descriptor over unix socket @sock: return it, or -1. */
static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));

	return fd;
}

/*
 * Without CAP_SYS_ADMIN, writing the target of @cg fails with EPERM.  The
 * credentials that count are the opener's, both ways: the already open
 * @priv_fd still works in a task that dropped the capability, and a
 * descriptor opened by that task and passed over a unix socket to this
 * one, which has the capability, still fails with EPERM.  The writes that
 * must fail write @val; the one through @priv_fd writes @same, the value
 * the target has, so that the caller can check that it did not change.
 * Return 0 if so.
 */
static int check_eperm(const char *cg, int priv_fd, const char *val,
		       const char *same)
{
	int status, fd, sv[2], ret = 0;
	char path[PATH_MAX];
	ssize_t len;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (!pid) {
		close(sv[0]);
		if (drop_cap_sys_admin()) {
			ksft_perror("dropping CAP_SYS_ADMIN");
			ret = 1;
			goto out;
		}
		snprintf(path, sizeof(path), "%s/%s", cg, TARGET_FILE);
		fd = open(path, O_WRONLY);
		if (fd < 0) {
			ksft_perror("opening without CAP_SYS_ADMIN");
			ret = 1;
			goto out;
		}
		len = pwrite(fd, val, strlen(val), 0);
		if (len >= 0 || errno != EPERM) {
			ksft_print_msg("write without CAP_SYS_ADMIN: %s, expected EPERM\n",
				       len >= 0 ? "success" : strerror(errno));
			ret = 1;
		}
		if (pwrite(priv_fd, same, strlen(same), 0) < 0) {
			ksft_perror("write through a privileged opener's fd");
			ret = 1;
		}
		/* Last, so that the caller sees what the parent's write did. */
		if (send_fd(sv[1], fd)) {
			ksft_perror("passing the descriptor");
			ret = 1;
		}
		close(fd);
out:
		fflush(stdout);
		_exit(ret);
	}

	/* The child's end closes when it exits: no descriptor, no hang. */
	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	if (fd < 0) {
		ksft_print_msg("no descriptor from the task without CAP_SYS_ADMIN\n");
		ret = 1;
	} else {
		len = pwrite(fd, val, strlen(val), 0);
		if (len >= 0 || errno != EPERM) {
			ksft_print_msg("privileged write, unprivileged fd: %s, expected EPERM\n",
				       len >= 0 ? "success" : strerror(errno));
			ret = 1;
		}
		close(fd);
	}

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;

	return ret | WEXITSTATUS(status);
}

/*
 * Each bad write to gen1's target fails with its documented error and
 * leaves the value, the slice, as it was.
 */
static int test_bpf_charge_bad_writes(const char *root)
{
	char *sib = NULL, *child = NULL, *buf = NULL;
	const char *slice, *top;
	int ret = KSFT_FAIL;
	int priv_fd = -1;
	char path[PATH_MAX];
	struct tree t;
	bool ok = true;
	size_t len;

	if (tree_create(root, &t))
		goto cleanup;
	sib = cg_name(t.slice, "sib");
	child = cg_name(t.gen1, "child");
	buf = malloc(PATH_MAX + 2);
	if (!sib || !child || !buf || cg_create(sib) || cg_create(child))
		goto cleanup;
	if (set_target(t.gen1, t.slice))
		goto cleanup;

	slice = cg_path(t.slice);
	top = cg_path(t.top);

#define BAD(what, str, err)						\
	do {								\
		snprintf(buf, PATH_MAX + 2, "%s", str);			\
		ok &= bad_write(what, t.gen1, buf, strlen(buf), 0,	\
				err, t.slice);				\
	} while (0)

	BAD("sibling", cg_path(sib), EINVAL);
	BAD("unrelated", cg_path(t.other), EINVAL);
	BAD("descendant", cg_path(child), EINVAL);
	BAD("root", "/", EINVAL);
	BAD("relative", slice + 1, EINVAL);
	snprintf(path, sizeof(path), "%s/nonexistent", slice);
	BAD("nonexistent", path, ENOENT);
	snprintf(path, sizeof(path), "%s/cgroup.procs", slice);
	BAD("file", path, ENOTDIR);
	/* Below a file, while it is open (kernfs once walked into it). */
	snprintf(path, sizeof(path), "%s/cgroup.procs", t.slice);
	priv_fd = open(path, O_RDONLY);
	if (priv_fd < 0)
		goto cleanup;
	snprintf(path, sizeof(path), "%s/cgroup.procs/x", slice);
	BAD("below an open file", path, ENOENT);
	close(priv_fd);
	priv_fd = -1;
	snprintf(path, sizeof(path), "%s/./gen1", slice);
	BAD("\".\"", path, EINVAL);
	snprintf(path, sizeof(path), "%s/gen1/..", slice);
	BAD("\"..\"", path, EINVAL);
	snprintf(path, sizeof(path), "%s//slice", top);
	BAD("\"//\"", path, EINVAL);
	snprintf(path, sizeof(path), "%s/", slice);
	BAD("trailing slash", path, EINVAL);
#undef BAD

	/* A valid value, but with a NUL inside. */
	len = snprintf(buf, PATH_MAX + 2, "%s%c/gen1", slice, '\0');
	ok &= bad_write("embedded NUL", t.gen1, buf, len, 0, EINVAL, t.slice);

	/* Paths of PATH_MAX bytes and more; past PATH_MAX + 1, kernfs says. */
	memset(buf, 'a', PATH_MAX + 2);
	buf[0] = '/';
	ok &= bad_write("PATH_MAX bytes", t.gen1, buf, PATH_MAX, 0,
			ENAMETOOLONG, t.slice);
	ok &= bad_write("PATH_MAX + 1 bytes", t.gen1, buf, PATH_MAX + 1, 0,
			ENAMETOOLONG, t.slice);
	ok &= bad_write("PATH_MAX + 2 bytes", t.gen1, buf, PATH_MAX + 2, 0,
			E2BIG, t.slice);

	snprintf(path, sizeof(path), "%s/%s", t.gen1, TARGET_FILE);
	priv_fd = open(path, O_WRONLY);
	if (priv_fd < 0 || check_eperm(t.gen1, priv_fd, cg_path(t.gen1),
				       slice))
		ok = false;
	if (target_is(t.gen1, t.slice))
		ok = false;

	if (ok)
		ret = KSFT_PASS;
cleanup:
	if (priv_fd >= 0)
		close(priv_fd);
	cg_destroy(child);
	cg_destroy(sib);
	free(child);
	free(sib);
	free(buf);
	tree_destroy(&t);
	return ret;
}

/*
 * The value names a cgroup by its name as it is, blanks included: only
 * one trailing newline, the one echo adds, is not part of it.
 */
static int test_bpf_charge_name_blanks(const char *root)
{
	char buf[PATH_MAX + 2];
	int ret = KSFT_FAIL;
	char *blank = NULL;
	struct tree t;
	int err;

	if (tree_create(root, &t))
		goto cleanup;
	blank = cg_name(t.slice, " a b ");
	if (!blank || cg_create(blank))
		goto cleanup;

	snprintf(buf, sizeof(buf), "%s\n", cg_path(blank));
	err = target_write(blank, buf, strlen(buf), 0);
	if (err) {
		ksft_print_msg("writing '%s' with a newline: %s\n",
			       cg_path(blank), strerror(-err));
		goto cleanup;
	}
	if (target_is(blank, blank))
		goto cleanup;

	/* The second newline is part of the name of no cgroup. */
	snprintf(buf, sizeof(buf), "%s\n\n", cg_path(t.slice));
	err = target_write(blank, buf, strlen(buf), 0);
	if (err != -ENOENT && err != -EINVAL) {
		ksft_print_msg("two newlines: got %s, expected ENOENT or EINVAL\n",
			       err ? strerror(-err) : "success");
		goto cleanup;
	}
	if (target_is(blank, blank))
		goto cleanup;

	ret = KSFT_PASS;
cleanup:
	cg_destroy(blank);
	free(blank);
	tree_destroy(&t);
	return ret;
}

/*
 * Write @buf through @fd, at its current offset, and check
 * that the target of @cg then reads as @target.  Return 0 if so.
 */
static int fd_sets(int fd, const char *buf, const char *cg,
		   const char *target)
{
	size_t len = strlen(buf);
	ssize_t ret = write(fd, buf, len);

	if (ret != (ssize_t)len) {
		ksft_print_msg("write of '%.*s' through the open file: %s\n",
			       (int)strcspn(buf, "\n"), buf,
			       ret < 0 ? strerror(errno) : "short write");
		return -1;
	}

	return target_is(cg, target);
}

/*
 * A descriptor can be written again: every write() sets the value anew,
 * wherever the previous ones left the file offset.
 */
static int test_bpf_charge_rewrite_same_fd(const char *root)
{
	char slice[PATH_MAX + 1], gen1[PATH_MAX + 1];
	int ret = KSFT_FAIL;
	struct tree t;
	int fd = -1;

	if (tree_create(root, &t))
		goto cleanup;
	fd = cg_open(t.gen1, TARGET_FILE, O_WRONLY);
	if (fd < 0) {
		ksft_perror("opening " TARGET_FILE);
		goto cleanup;
	}

	snprintf(slice, sizeof(slice), "%s\n", cg_path(t.slice));
	snprintf(gen1, sizeof(gen1), "%s\n", cg_path(t.gen1));
	if (fd_sets(fd, slice, t.gen1, t.slice) ||
	    fd_sets(fd, gen1, t.gen1, t.gen1) ||
	    fd_sets(fd, "\n", t.gen1, NULL))
		goto cleanup;

	ret = KSFT_PASS;
cleanup:
	if (fd >= 0)
		close(fd);
	tree_destroy(&t);
	return ret;
}

/* What the children of test_bpf_charge_opener_namespace() use. */
struct opener_job {
	int fd;			/* gen1's target, opened O_RDWR by the parent */
	const char *val;	/* the slice's path, as the parent names it, "\n" */
	const char *own;	/* the same path as the child's namespace names it */
	const char *gen1;	/* gen1 */
};

/*
 * In a child in "other": make it the root of a new cgroup namespace, in
 * which the slice has no path of its own, and write the slice's path, as
 * the parent's namespace names it, through the parent's descriptor.  Read
 * back through that descriptor, the value is printed in the parent's
 * namespace, the opener's, so it reads exactly as written, and what was
 * read can be written back through it.  A descriptor the child opens
 * itself prints the slice relative to the child's namespace root.
 */
static int opener_ns_child(const char *cgroup __maybe_unused, void *arg)
{
	struct opener_job *job = arg;
	size_t len = strlen(job->val);
	char buf[PATH_MAX + 2], own[PATH_MAX + 2];
	ssize_t ret, n;
	int err = 0;
	int fd;

	if (unshare(CLONE_NEWCGROUP)) {
		ksft_perror("unshare(CLONE_NEWCGROUP)");
		return 1;
	}

	ret = pwrite(job->fd, job->val, len, 0);
	if (ret != (ssize_t)len) {
		ksft_print_msg("write through the parent's descriptor: %s\n",
			       ret < 0 ? strerror(errno) : "short write");
		err |= 2;
	}

	n = pread(job->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		ksft_perror("reading through the parent's descriptor");
		err |= 4;
	} else {
		buf[n] = '\0';
		if (strcmp(buf, job->val)) {
			ksft_print_msg("read '%.*s' through the parent's descriptor, which was written '%.*s'\n",
				       (int)strcspn(buf, "\n"), buf,
				       (int)strcspn(job->val, "\n"), job->val);
			err |= 8;
		}
		/* The round trip: what was read goes back as it is. */
		ret = pwrite(job->fd, buf, n, 0);
		if (ret != n) {
			ksft_print_msg("writing back '%.*s' through the descriptor it was read from: %s\n",
				       (int)strcspn(buf, "\n"), buf,
				       ret < 0 ? strerror(errno) : "short write");
			err |= 16;
		}
	}

	fd = cg_open(job->gen1, TARGET_FILE, O_RDONLY);
	n = fd < 0 ? -1 : pread(fd, own, sizeof(own) - 1, 0);
	if (n < 0) {
		ksft_perror("reading through its own descriptor");
		err |= 32;
	} else {
		own[n] = '\0';
		if (strcmp(own, job->own)) {
			ksft_print_msg("read '%.*s' through its own descriptor, expected '%.*s'\n",
				       (int)strcspn(own, "\n"), own,
				       (int)strcspn(job->own, "\n"), job->own);
			err |= 64;
		}
	}
	if (fd >= 0)
		close(fd);

	fflush(stdout);
	return err;
}

/* What the worker of test_bpf_charge_opener_namespace() uses. */
struct own_ns_job {
	const char *sub;	/* gen1/sub, made once the worker is out */
	int sock;		/* where the worker sends its descriptor */
};

/*
 * A worker in gen1: make gen1 the root of a new cgroup namespace; once
 * moved out and told to go on, open the target of gen1/sub, which the
 * parent made meanwhile, write "/", gen1 in that namespace, read it back
 * as "/", and pass the descriptor to the parent.  (gen1's own file cannot
 * be written from inside: with nsdelegate, a namespace root's files are
 * not the namespace's to write.)
 */
static int w_own_ns(struct worker *w, void *arg)
{
	struct own_ns_job *job = arg;
	char buf[16] = "";
	int status = 0;
	ssize_t ret;
	int fd;

	if (unshare(CLONE_NEWCGROUP))
		status = errno;
	if (worker_sync(w, status) || status)
		return 0;

	fd = cg_open(job->sub, TARGET_FILE, O_RDWR);
	if (fd < 0) {
		worker_sync(w, errno);
		return 0;
	}
	if (pwrite(fd, "/\n", 2, 0) != 2) {
		status = errno;
	} else {
		ret = pread(fd, buf, sizeof(buf) - 1, 0);
		if (ret < 0)
			status = errno;
		else if (ret != 2 || memcmp(buf, "/\n", 2))
			status = EDOM;
	}
	if (!status && send_fd(job->sock, fd))
		status = errno ? errno : EIO;
	close(fd);
	worker_sync(w, status);
	return 0;
}

/*
 * A descriptor resolves the paths written through it, and prints the
 * value read through it, in the cgroup namespace of the task that opened
 * it, whoever uses it: so a value read through a descriptor can be
 * written back through it.  A child whose cgroup namespace is rooted at
 * "other", where the slice is "/../slice", writes the slice's path as the
 * parent names it through a descriptor the parent opened, reads it back
 * as the parent names it, and writes back what it read; through a
 * descriptor of its own it reads "/../slice".  The other way round, a
 * worker in a namespace rooted at gen1 writes "/", which names gen1
 * there, through a descriptor it opened, and passes the descriptor to
 * this task, in the initial namespace, which reads "/" through it and
 * writes that back: the target stays gen1.
 */
static int test_bpf_charge_opener_namespace(const char *root)
{
	struct opener_job job = { .fd = -1 };
	struct own_ns_job own_job = { .sock = -1 };
	struct worker w = { .pid = 0 };
	char val[PATH_MAX + 1], own[PATH_MAX + 1], buf[PATH_MAX + 2];
	int ret = KSFT_FAIL;
	int sv[2] = { -1, -1 };
	char *sub = NULL;
	int fd = -1;
	struct tree t;
	ssize_t n;
	int err;

	if (tree_create(root, &t))
		goto cleanup;
	sub = cg_name(t.gen1, "sub");
	if (!sub)
		goto cleanup;

	snprintf(val, sizeof(val), "%s\n", cg_path(t.slice));
	/* The slice relative to "other", its sibling. */
	snprintf(own, sizeof(own), "/..%s\n", strrchr(t.slice, '/'));
	job.val = val;
	job.own = own;
	job.gen1 = t.gen1;
	job.fd = cg_open(t.gen1, TARGET_FILE, O_RDWR);
	if (job.fd < 0) {
		ksft_perror("opening " TARGET_FILE);
		goto cleanup;
	}

	fflush(stdout);
	err = cg_run(t.other, opener_ns_child, &job);
	if (err) {
		ksft_print_msg("child with the parent's descriptor: %d\n", err);
		goto cleanup;
	}
	if (target_is(t.gen1, t.slice))
		goto cleanup;

	/* Through a descriptor opened in the namespace, "/" names gen1. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		ksft_perror("socketpair");
		goto cleanup;
	}
	own_job.sub = sub;
	own_job.sock = sv[1];
	if (worker_start(&w, t.gen1, w_own_ns, &own_job) ||
	    worker_wait(&w, &err))
		goto cleanup;
	/* The worker has its own copy of its end. */
	close(sv[1]);
	sv[1] = -1;
	if (err) {
		ksft_print_msg("unshare(CLONE_NEWCGROUP): %s\n", strerror(err));
		goto cleanup;
	}
	if (cg_enter(t.other, w.pid) ||
	    cg_write(t.gen1, "cgroup.subtree_control", "+memory") ||
	    cg_create(sub)) {
		ksft_perror("making gen1/sub");
		goto cleanup;
	}
	err = worker_step(&w);
	if (err) {
		ksft_print_msg("writing and reading '/' in the namespace: %s\n",
			       err == EDOM ? "read something else" :
			       err > 0 ? strerror(err) : "worker died");
		goto cleanup;
	}
	if (target_is(sub, t.gen1))
		goto cleanup;

	fd = recv_fd(sv[0]);
	if (fd < 0) {
		ksft_print_msg("no descriptor from the worker\n");
		goto cleanup;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		ksft_perror("reading through the worker's descriptor");
		goto cleanup;
	}
	buf[n] = '\0';
	if (strcmp(buf, "/\n")) {
		ksft_print_msg("read '%.*s' through the worker's descriptor, expected '/', gen1 in the worker's namespace\n",
			       (int)strcspn(buf, "\n"), buf);
		goto cleanup;
	}
	if (pwrite(fd, buf, n, 0) != n) {
		ksft_print_msg("writing back '/' through the worker's descriptor: %s\n",
			       strerror(errno));
		goto cleanup;
	}
	if (target_is(sub, t.gen1))
		goto cleanup;

	ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	if (fd >= 0)
		close(fd);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (sub)
		cg_destroy(sub);
	if (job.fd >= 0)
		close(job.fd);
	tree_destroy(&t);
	free(sub);
	return ret;
}

/*
 * A chain of CHAIN_DEPTH cgroups below bpf_charge_depth, each named with
 * CHAIN_NAME_LEN bytes: from level 16 down the paths are longer than
 * PATH_MAX, so the chain is built and used through directory descriptors.
 * A task in a cgroup namespace rooted at level CHAIN_NS_LEVEL, about 3000
 * bytes down, names the deepest level with a path of about 2000 bytes.
 */
#define CHAIN_DEPTH		20
#define CHAIN_NAME_LEN		250
#define CHAIN_NS_LEVEL		11

struct chain {
	char name[CHAIN_NAME_LEN + 1];
	const char *top;		/* the path of bpf_charge_depth */
	int top_fd;			/* and its directory */
	int fd[CHAIN_DEPTH];		/* level i is i + 1 names down */
	int nr;				/* levels created */
};

/*
 * @prefix followed by @nr names of the chain, in a new string with room
 * for a newline after it.
 */
static char *chain_path(const struct chain *c, const char *prefix, int nr)
{
	char *path, *p;

	path = malloc(strlen(prefix) + nr * (CHAIN_NAME_LEN + 1) + 2);
	if (!path)
		return NULL;
	p = stpcpy(path, prefix);
	while (nr--) {
		*p++ = '/';
		p = stpcpy(p, c->name);
	}
	return path;
}

/* Write @buf to @file in the directory @dfd.  Return 0 or -errno. */
static int write_at(int dfd, const char *file, const char *buf)
{
	size_t len = strlen(buf);
	ssize_t ret;
	int fd;

	fd = openat(dfd, file, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, buf, len);
	if (ret < 0)
		ret = -errno;
	else
		ret = ret == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return ret;
}

/*
 * Read @file in the directory @dfd into @buf, with a NUL after it: return
 * its length or -errno.
 */
static ssize_t read_at(int dfd, const char *file, char *buf, size_t size)
{
	ssize_t ret;
	int fd;

	fd = openat(dfd, file, O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = read(fd, buf, size - 1);
	if (ret < 0)
		ret = -errno;
	else
		buf[ret] = '\0';
	close(fd);
	return ret;
}

/*
 * Create levels @from to @to - 1 of the chain, enabling memory for the
 * children of each one's parent first.
 */
static int chain_extend(struct chain *c, int from, int to)
{
	int i, dfd;

	for (i = from; i < to; i++) {
		dfd = i ? c->fd[i - 1] : c->top_fd;
		if (i && write_at(dfd, "cgroup.subtree_control", "+memory"))
			return -1;
		if (mkdirat(dfd, c->name, 0755))
			return -1;
		c->nr++;
		c->fd[i] = openat(dfd, c->name, O_RDONLY | O_DIRECTORY);
		if (c->fd[i] < 0)
			return -1;
	}
	return 0;
}

/* Remove the levels of the chain, the deepest first. */
static void chain_destroy(struct chain *c)
{
	int i, tries;

	for (i = c->nr - 1; i >= 0; i--) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
		/* An exited task may leave its cgroup a little later. */
		for (tries = 0; tries < 1000; tries++) {
			if (!unlinkat(i ? c->fd[i - 1] : c->top_fd, c->name,
				      AT_REMOVEDIR) || errno != EBUSY)
				break;
			usleep(10000);
		}
	}
	if (c->top_fd >= 0)
		close(c->top_fd);
}

/*
 * The worker of test_bpf_charge_path_too_long(): it enters level
 * CHAIN_NS_LEVEL, which has no controllers for its children yet, makes
 * it the root of a new cgroup namespace and reports.  Its next step, once
 * the parent moved it out and completed the chain, writes the path of the
 * deepest level, as the namespace names it, to that level's target.
 */
static int w_chain_ns(struct worker *w, void *arg)
{
	struct chain *c = arg;
	char *path = NULL, *file = NULL;
	int status = 0;
	int err;

	err = write_at(c->fd[CHAIN_NS_LEVEL], "cgroup.procs", "0");
	if (err)
		status = -err;
	else if (unshare(CLONE_NEWCGROUP))
		status = errno;
	if (worker_sync(w, status) || status)
		return 0;

	/*
	 * The levels below were made after this worker was forked: reach the
	 * deepest one from the namespace root's directory, by a relative
	 * path that fits in PATH_MAX.
	 */
	path = chain_path(c, "", CHAIN_DEPTH - 1 - CHAIN_NS_LEVEL);
	file = path ? malloc(strlen(path) + sizeof(TARGET_FILE) + 1) : NULL;
	if (!file) {
		status = ENOMEM;
	} else {
		sprintf(file, "%s/%s", path + 1, TARGET_FILE);
		strcat(path, "\n");
		err = write_at(c->fd[CHAIN_NS_LEVEL], file, path);
		status = -err;
	}
	free(file);
	free(path);
	worker_sync(w, status);
	return 0;
}

/*
 * In a child: enter the deepest level, create a map and check that it
 * reports that level as its owner, whose path is too long to print, and
 * that its fdinfo still reads, without a memcg line.
 */
static int chain_map_child(const char *cgroup __maybe_unused, void *arg)
{
	struct map_spec spec = { BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0 };
	char file[64], buf[2 * PATH_MAX];
	struct chain *c = arg;
	int map, ret = 0;
	struct stat st;

	if (write_at(c->fd[CHAIN_DEPTH - 1], "cgroup.procs", "0")) {
		ksft_print_msg("entering the deepest level failed\n");
		return 1;
	}
	if (fstat(c->fd[CHAIN_DEPTH - 1], &st)) {
		ksft_perror("fstat of the deepest level");
		return 1;
	}
	map = map_create(&spec);
	if (map < 0) {
		ksft_perror("creating a map");
		return 1;
	}
	snprintf(file, sizeof(file), "/proc/self/fdinfo/%d", map);
	if (read_text(file, buf, sizeof(buf)) < 0) {
		ksft_perror("reading fdinfo");
		ret = 1;
	} else if (!strstr(buf, "\nmap_type:\t")) {
		ksft_print_msg("no map_type line in fdinfo:\n%s", buf);
		ret = 2;
	}
	if (no_fdinfo_memcg("map at the deepest level", map))
		ret |= 4;
	if (owner_id_is("map at the deepest level", map, st.st_ino,
			"the deepest level of the chain"))
		ret |= 8;
	close(map);
	fflush(stdout);
	return ret;
}

/*
 * The edge of PATH_MAX, below level CHAIN_EDGE_LEVEL of the chain: a
 * cgroup whose path is PATH_MAX - 1 bytes, the longest a write takes,
 * reads back whole and can be written as a target and read back; one
 * whose path is PATH_MAX bytes fails to read, and to be written, with
 * ENAMETOOLONG.  Catches a kernel that cuts a byte early or late.
 */
#define CHAIN_EDGE_LEVEL	15

static int chain_edges(struct chain *c, char *buf, size_t size)
{
	int dfd = c->fd[CHAIN_EDGE_LEVEL], made = 0, ret = -1, k;
	char name[NAME_MAX + 1], file[NAME_MAX + 64], *path = NULL;
	char *base = chain_path(c, c->top, CHAIN_EDGE_LEVEL + 1);
	size_t blen, nlen, len;
	ssize_t n;

	if (!base)
		return -1;
	blen = strlen(base);
	path = malloc(PATH_MAX + 2);
	if (!path || blen + 2 + NAME_MAX < PATH_MAX || blen + 2 >= PATH_MAX) {
		ksft_print_msg("level %d is %zu bytes: no edge below it\n",
			       CHAIN_EDGE_LEVEL, blen);
		goto out;
	}

	for (k = 0; k < 2; k++) {
		/* Paths of PATH_MAX - 1, then PATH_MAX, bytes. */
		nlen = PATH_MAX - 1 + k - blen - 1;
		memset(name, k ? 'f' : 'e', nlen);
		name[nlen] = '\0';
		if (mkdirat(dfd, name, 0755)) {
			ksft_perror("creating a cgroup at the edge");
			goto out;
		}
		made |= 1 << k;
		len = snprintf(path, PATH_MAX + 2, "%s/%s\n", base, name);

		snprintf(file, sizeof(file), "%s/%s", name, EFFECTIVE_FILE);
		n = read_at(dfd, file, buf, size);
		if (k == 0 && (n != (ssize_t)len || memcmp(buf, path, len))) {
			ksft_print_msg("%s of a %zu-byte path: %s\n",
				       EFFECTIVE_FILE, len - 1,
				       n < 0 ? strerror(-n) : "not its path");
			goto out;
		}
		if (k == 1 && n != -ENAMETOOLONG) {
			ksft_print_msg("%s of a %zu-byte path: %s, expected ENAMETOOLONG\n",
				       EFFECTIVE_FILE, len - 1,
				       n < 0 ? strerror(-n) : "read");
			goto out;
		}

		snprintf(file, sizeof(file), "%s/%s", name, TARGET_FILE);
		n = write_at(dfd, file, path);
		if (n != (k ? -ENAMETOOLONG : 0)) {
			ksft_print_msg("writing a %zu-byte path: %s\n", len - 1,
				       n ? strerror(-n) : "accepted");
			goto out;
		}
		n = read_at(dfd, file, buf, size);
		if (k == 0 && (n != (ssize_t)len || memcmp(buf, path, len))) {
			ksft_print_msg("%s of a %zu-byte path reads back %s\n",
				       TARGET_FILE, len - 1,
				       n < 0 ? strerror(-n) : "another path");
			goto out;
		}
	}
	ret = 0;
out:
	for (k = 0; k < 2; k++) {
		if (!(made & (1 << k)))
			continue;
		memset(name, k ? 'f' : 'e', PATH_MAX - 1 + k - blen - 1);
		name[PATH_MAX - 1 + k - blen - 1] = '\0';
		unlinkat(dfd, name, AT_REMOVEDIR);
	}
	free(path);
	free(base);
	return ret;
}

/*
 * A path that does not fit in PATH_MAX is not printed at all, rather than
 * cut: memory.bpf_charge_target.effective of a cgroup that deep fails to
 * read with ENAMETOOLONG, while a map created there reports that cgroup
 * as its owner all the same, by its id.  Levels whose paths fit still
 * read in full.  A path written
 * in a cgroup namespace deep in the chain may fit there, and be accepted,
 * without fitting in the initial namespace, which then cannot read it.
 */
static int test_bpf_charge_path_too_long(const char *root)
{
	struct worker w = { .pid = 0 };
	char buf[2 * PATH_MAX];
	int i, err, ret = KSFT_FAIL;
	char *path = NULL;
	struct chain c;
	struct tree t;
	size_t len;
	ssize_t n;

	memset(&c, 0, sizeof(c));
	c.top_fd = -1;
	memset(c.name, 'n', CHAIN_NAME_LEN);
	for (i = 0; i < CHAIN_DEPTH; i++)
		c.fd[i] = -1;

	if (tree_create(root, &t))
		goto cleanup;
	c.top = cg_path(t.top);
	c.top_fd = open(t.top, O_RDONLY | O_DIRECTORY);
	if (c.top_fd < 0 || chain_extend(&c, 0, CHAIN_NS_LEVEL + 1)) {
		ksft_perror("creating the chain of cgroups");
		goto cleanup;
	}

	/* The namespace root must have no controllers when it is entered. */
	if (worker_start(&w, t.other, w_chain_ns, &c) ||
	    worker_wait(&w, &err))
		goto cleanup;
	if (err) {
		ksft_print_msg("entering a new cgroup namespace: %s\n",
			       strerror(err));
		goto cleanup;
	}
	if (cg_enter(t.other, w.pid) ||
	    chain_extend(&c, CHAIN_NS_LEVEL + 1, CHAIN_DEPTH)) {
		ksft_perror("completing the chain of cgroups");
		goto cleanup;
	}

	/* No target anywhere: each level's effective target is itself. */
	for (i = 0; i < CHAIN_DEPTH; i++) {
		free(path);
		path = chain_path(&c, c.top, i + 1);
		if (!path)
			goto cleanup;
		len = strlen(path);
		n = read_at(c.fd[i], EFFECTIVE_FILE, buf, sizeof(buf));
		if (len < PATH_MAX && (n != (ssize_t)len + 1 || buf[len] != '\n' ||
				       strncmp(buf, path, len))) {
			ksft_print_msg("%s of level %d, %zu bytes: %s\n",
				       EFFECTIVE_FILE, i, len,
				       n < 0 ? strerror(-n) : "not its path");
			goto cleanup;
		}
		if (len >= PATH_MAX && n != -ENAMETOOLONG) {
			ksft_print_msg("%s of level %d, %zu bytes: %s, expected ENAMETOOLONG\n",
				       EFFECTIVE_FILE, i, len,
				       n < 0 ? strerror(-n) : "read");
			goto cleanup;
		}
	}

	if (chain_edges(&c, buf, sizeof(buf)))
		goto cleanup;

	fflush(stdout);
	if (cg_run(t.other, chain_map_child, &c))
		goto cleanup;

	/* Fits in the writer's namespace, not in this one. */
	err = worker_step(&w);
	if (err) {
		ksft_print_msg("writing the deepest level in the namespace: %s\n",
			       err > 0 ? strerror(err) : "worker died");
		goto cleanup;
	}
	n = read_at(c.fd[CHAIN_DEPTH - 1], TARGET_FILE, buf, sizeof(buf));
	if (n != -ENAMETOOLONG) {
		ksft_print_msg("%s of the deepest level: %s, expected ENAMETOOLONG\n",
			       TARGET_FILE, n < 0 ? strerror(-n) : "read");
		goto cleanup;
	}

	ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	free(path);
	chain_destroy(&c);
	tree_destroy(&t);
	return ret;
}

/*
 * Read into @buf the fdinfo of the descriptor of a BPF map of @type that
 * task @pid holds.  Return 0, or -1 if it holds none.
 */
static int task_map_fdinfo(pid_t pid, __u32 type, char *buf, size_t size)
{
	char dir[64], file[PATH_MAX], line[32];
	struct dirent *de;
	int ret = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	snprintf(line, sizeof(line), "\nmap_type:\t%u\n", type);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
		if (read_text(file, buf, size) > 0 && strstr(buf, line)) {
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/*
 * The map of @type that worker @pid holds reports no owner: it charges no
 * memcg, so its memcg_cgroup_id is 0, and its fdinfo has no memcg line.
 */
static bool no_owner(pid_t pid, __u32 type)
{
	char buf[BUF_SIZE], *line;
	unsigned int id;
	bool ok;
	int fd;

	if (task_map_fdinfo(pid, type, buf, sizeof(buf))) {
		ksft_print_msg("no fdinfo of the map in worker %d\n", pid);
		return false;
	}
	if (strstr(buf, "\nmemcg:")) {
		ksft_print_msg("a memcg line in the map's fdinfo:\n%s", buf);
		return false;
	}
	line = strstr(buf, "\nmap_id:\t");
	if (!line || sscanf(line, "\nmap_id:\t%u", &id) != 1) {
		ksft_print_msg("no map_id in the map's fdinfo:\n%s", buf);
		return false;
	}
	fd = sys_map_get_fd_by_id(id);
	if (fd < 0) {
		ksft_perror("BPF_MAP_GET_FD_BY_ID");
		return false;
	}
	ok = !owner_is("the worker's map", fd, NULL);
	close(fd);
	return ok;
}

/*
 * With cgroup.memory=nobpf on the kernel command line, BPF's own
 * accounting is off and the target has no effect: a 64 MiB array map
 * created in gen1 with the slice as target grows neither, and reports no
 * owner (memcg_cgroup_id 0).  nobpf does not cover what BPF allocates with
 * GFP_KERNEL_ACCOUNT directly, such as the data pages of a ring buffer: a
 * 16 MiB ring buffer created in gen1 is charged to gen1, as on a kernel
 * without this file, and not to the target; the map, which BPF charges
 * nothing, reports no owner either.
 */
static int test_bpf_charge_nobpf(const char *root)
{
	struct elem_job array = {
		.spec = { BPF_MAP_TYPE_ARRAY, 4, ARRAY_VALUE, ARRAY_ENTRIES },
	};
	struct elem_job ringbuf = {
		.spec = { BPF_MAP_TYPE_RINGBUF, 0, 0, RINGBUF_SIZE },
	};
	struct worker w = { .pid = 0 };
	int ret = KSFT_FAIL;
	struct tree t;
	long d[2];
	bool ok;

	if (!nobpf) {
		ksft_print_msg("needs cgroup.memory=nobpf on the kernel command line\n");
		return KSFT_SKIP;
	}
	if (!big_enough(ARRAY_SIZE_B) || !big_enough(RINGBUF_SIZE))
		return KSFT_SKIP;

	if (tree_create(root, &t) || set_target(t.slice, t.slice))
		goto cleanup;

	if (create_measured(&w, &array, t.gen1, CGS(t.gen1, t.slice), d, 2))
		goto cleanup;
	ok = not_charged(t.gen1, d[0]);
	ok &= not_charged(t.slice, d[1]);
	ok &= no_owner(w.pid, array.spec.type);
	if (worker_stop(&w))
		goto cleanup;

	if (create_measured(&w, &ringbuf, t.gen1, CGS(t.gen1), d, 1))
		goto cleanup;
	ok &= charged(t.gen1, d[0], RINGBUF_SIZE);
	ok &= no_owner(w.pid, ringbuf.spec.type);
	if (ok)
		ret = KSFT_PASS;
cleanup:
	worker_stop(&w);
	tree_destroy(&t);
	return ret;
}

#define T(x) { x, #x }
struct bpf_charge_test {
	int (*fn)(const char *root);
	const char *name;
} tests[] = {
	T(test_bpf_charge_file),
	T(test_bpf_charge_array),
	T(test_bpf_charge_inherit),
	T(test_bpf_charge_hash_elems),
	T(test_bpf_charge_lpm_elems),
	T(test_bpf_charge_ringbuf),
	T(test_bpf_charge_percpu),
	T(test_bpf_charge_arena),
	T(test_bpf_charge_progs),
	T(test_bpf_charge_cbpf),
	T(test_bpf_charge_restart),
	T(test_bpf_charge_limits),
	T(test_bpf_charge_nooom_target),
	T(test_bpf_charge_nooom_self),
	T(test_bpf_charge_untrusted),
	T(test_bpf_charge_no_recharge),
	T(test_bpf_charge_owner),
	T(test_bpf_charge_bad_writes),
	T(test_bpf_charge_name_blanks),
	T(test_bpf_charge_rewrite_same_fd),
	T(test_bpf_charge_opener_namespace),
	T(test_bpf_charge_path_too_long),
	T(test_bpf_charge_nobpf),
};

#undef T

/* Is "nobpf" among the options of cgroup.memory= on the command line? */
static bool cmdline_nobpf(void)
{
	char buf[BUF_SIZE], *tok, *opt, *save, *save_opt;
	const char *key = "cgroup.memory=";

	if (read_text("/proc/cmdline", buf, sizeof(buf)) < 0)
		return false;

	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(tok, key, strlen(key)))
			continue;
		for (opt = strtok_r(tok + strlen(key), ",", &save_opt); opt;
		     opt = strtok_r(NULL, ",", &save_opt))
			if (!strcmp(opt, "nobpf"))
				return true;
	}

	return false;
}

/* Remove cgroup directory @cg and everything below it; best effort. */
static void cg_destroy_tree(const char *cg)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	d = opendir(cg);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", cg, de->d_name);
		cg_destroy_tree(path);
	}
	closedir(d);
	cg_destroy(cg);
}

/* Remove what a run that crashed may have left: pins and cgroups. */
static void remove_leftovers(const char *root)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	d = opendir(BPFFS);
	if (d) {
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, PIN_PREFIX, strlen(PIN_PREFIX)))
				continue;
			snprintf(path, sizeof(path), "%s/%s", BPFFS,
				 de->d_name);
			if (!unlink(path))
				ksft_print_msg("removed %s\n", path);
		}
		closedir(d);
	}

	snprintf(path, sizeof(path), "%s/%s", root, TOP_NAME);
	if (!access(path, F_OK)) {
		ksft_print_msg("removing %s\n", path);
		cg_destroy_tree(path);
	}
	snprintf(path, sizeof(path), "%s/%s", root, PROBE_NAME);
	cg_destroy(path);
}

/* Say whether this kernel reports memcg_cgroup_id; the owner tests need it. */
static void report_owner_abi(void)
{
	int fd = sys_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	__u64 id;
	int err;

	if (fd < 0) {
		ksft_perror("creating a map to probe memcg_cgroup_id");
		return;
	}
	err = bpf_info_memcg_cgroup_id(fd, &id);
	close(fd);
	if (err == -ENODATA)
		ksft_print_msg("this kernel reports no memcg_cgroup_id: the owner tests fail\n");
	else if (err)
		ksft_print_msg("reading memcg_cgroup_id: %s\n", strerror(-err));
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	bool supported;
	int i;

	ksft_print_header();
	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");

	if (cg_read_strstr(root, "cgroup.controllers", "memory"))
		ksft_exit_skip("memory controller isn't available\n");

	if (cg_read_strstr(root, "cgroup.subtree_control", "memory"))
		if (cg_write(root, "cgroup.subtree_control", "+memory"))
			ksft_exit_skip("Failed to set memory controller\n");

	/*
	 * Cgroup paths are written and read relative to the root of the
	 * cgroup namespace, assumed to be the root of the mount.
	 */
	root_len = strlen(root);
	if (root_len && root[root_len - 1] == '/')
		root_len--;
	page_size = sysconf(_SC_PAGESIZE);
	signal(SIGPIPE, SIG_IGN);

	remove_leftovers(root);
	supported = target_supported(root);
	nobpf = cmdline_nobpf();
	if (supported)
		report_owner_abi();

	/*
	 * Charge batches are per CPU: pin this task, and with it the
	 * workers, to one CPU, so that the noise does not grow with the
	 * size of the machine (see stock_err()).
	 */
	pinned_cpu = pin_to_one_cpu();
	if (pinned_cpu >= 0)
		ksft_print_msg("pinned to CPU %d, noise %ld KiB\n", pinned_cpu,
			       noise() >> 10);
	else
		ksft_print_msg("not pinned to one CPU, noise %ld KiB\n",
			       noise() >> 10);

	ksft_set_plan(ARRAY_SIZE(tests));
	for (i = 0; i < (int)ARRAY_SIZE(tests); i++) {
		/* Arguments, if any, select tests by a part of their name. */
		if (argc > 1 && !selected(tests[i].name, argc, argv)) {
			ksft_test_result_skip("%s: not selected\n",
					      tests[i].name);
			continue;
		}
		/* Failing without an OOM kill needs no target. */
		if (!supported && tests[i].fn != test_bpf_charge_nooom_self) {
			ksft_test_result_skip("%s: no %s\n", tests[i].name,
					      TARGET_FILE);
			continue;
		}
		if (nobpf && tests[i].fn != test_bpf_charge_nobpf) {
			ksft_test_result_skip("%s: cgroup.memory=nobpf, BPF accounting is off\n",
					      tests[i].name);
			continue;
		}

		switch (tests[i].fn(root)) {
		case KSFT_PASS:
			ksft_test_result_pass("%s\n", tests[i].name);
			break;
		case KSFT_SKIP:
			ksft_test_result_skip("%s\n", tests[i].name);
			break;
		default:
			ksft_test_result_fail("%s\n", tests[i].name);
			break;
		}
	}

	ksft_finished();
}
