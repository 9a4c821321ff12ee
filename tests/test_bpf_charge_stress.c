// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability and security tests for memory.bpf_charge_target.
 *
 * Meant for a debug kernel (KASAN, kmemleak, lockdep, failslab and
 * fail_page_alloc, debugfs at /sys/kernel/debug) under emulation, so every
 * loop is bounded both in iterations and in seconds, and the whole run
 * stays under two minutes of guest time.  It also runs on a normal kernel,
 * where the fault injection test skips, and on a kernel without the file,
 * where everything skips.
 *
 * The tests build <root>/bpf_charge_stress:
 *
 *   bpf_charge_stress          +memory
 *     a                        +memory, the main target
 *       b                      +memory
 *         c, d                 leaves
 *       s                      leaf, a sibling of b
 *     other                    leaf, unrelated to a
 *
 * and check:
 *
 *   writes      hostile writes get the errors the documentation gives,
 *               and a failed write leaves the value alone
 *   rmdir_race  writes racing with the removal of the cgroup written to
 *   privilege   CAP_SYS_ADMIN in the initial user namespace, of the
 *               opener, is what counts; not the file mode, not root in a
 *               user namespace
 *   cgroupns    paths are resolved and printed relative to the cgroup
 *               namespace of the task that opened the file (the writer's
 *               and reader's, here); a map created in a namespace reports
 *               its owner alike to every reader (memcg_cgroup_id; on the
 *               6.12 series, the fdinfo path relative to the reader's
 *               namespace, resolved to its cgroup id)
 *   races       writers, cgroup churn and BPF objects created, pinned and
 *               released all at once
 *   faults      failslab and fail_page_alloc failing allocations of map
 *               creation, program loads and writes of the file; the
 *               kinds of test_bpf_charge_depth's no-OOM matrix (array,
 *               per-cpu array, preallocated hash, ring buffer, program)
 *               must fail with ENOMEM alone, and nothing is OOM-killed
 *   delegation  a delegated subtree cannot move its BPF memory out of its
 *               own memory.max
 *   settle_*    after each group: no kmemleak report, nr_dying_descendants
 *               back to where it was, memory.current back within a margin
 *
 * Each test prints one TAP line.  Diagnostics are TAP comments.
 */
#define _GNU_SOURCE

#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/limits.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf_sys.h"

#define KSFT_PASS		0
#define KSFT_FAIL		1
#define KSFT_SKIP		4

#define CGROOT			"/sys/fs/cgroup"
#define TOPNAME			"bpf_charge_stress"
/* A cgroup beside the top one, which settle() charges from. */
#define STOCK_CG		CGROOT "/" TOPNAME "_stock"
#define TARGET_FILE		"memory.bpf_charge_target"
#define EFFECTIVE_FILE		TARGET_FILE ".effective"
#define BPFFS			"/sys/fs/bpf"
#define PIN_PREFIX		BPFFS "/" TOPNAME "_"
#define DEBUGFS			"/sys/kernel/debug"
#define KMEMLEAK		DEBUGFS "/kmemleak"
#define NOBODY			65534

#define SZ_1M			(1024L * 1024)

/* The whole run stays under this many seconds of guest time. */
#define RUN_BUDGET		110
/* Seconds of the race and fault injection tests, at most. */
#define RACE_SECONDS		15
#define FAULT_SECONDS		15
/* Seconds to wait for dying cgroups and deferred frees. */
#define SETTLE_SECONDS		20

static struct timespec start_ts;
static long page_size;
static int nr_cpus;
static bool have_kmemleak;
static int kmemleak_reports;

/* Values seen at the start of the current group, for settle_*(). */
static long dying0;
static long current0_top, current0_a;

/* ---- small helpers ---------------------------------------------------- */

static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static double elapsed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec - start_ts.tv_sec) +
	       (ts.tv_nsec - start_ts.tv_nsec) / 1e9;
}

/* Seconds left of the run's budget, keeping @reserve for what follows. */
static double budget_left(double reserve)
{
	return RUN_BUDGET - reserve - elapsed();
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Path of @rel below the test's top cgroup, on the cgroup2 mount. */
static const char *cgp(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *buf = bufs[next++ % 8];

	if (rel && *rel)
		snprintf(buf, PATH_MAX, "%s/%s/%s", CGROOT, TOPNAME, rel);
	else
		snprintf(buf, PATH_MAX, "%s/%s", CGROOT, TOPNAME);
	return buf;
}

/* Name of @rel as the initial cgroup namespace sees it. */
static const char *cgn(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *buf = bufs[next++ % 8];

	if (rel && *rel)
		snprintf(buf, PATH_MAX, "/%s/%s", TOPNAME, rel);
	else
		snprintf(buf, PATH_MAX, "/%s", TOPNAME);
	return buf;
}

static const char *file_of(const char *rel, const char *file)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *buf = bufs[next++ % 8];

	snprintf(buf, PATH_MAX, "%s/%s", cgp(rel), file);
	return buf;
}

/* Write @len bytes to @path in one write(); 0 or -errno. */
static int write_path(const char *path, const void *buf, size_t len)
{
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
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

static int write_str(const char *path, const char *str)
{
	return write_path(path, str, strlen(str));
}

/* Read @path into @buf, NUL-terminated; length or -errno. */
static ssize_t read_path(const char *path, char *buf, size_t size)
{
	ssize_t len = 0, ret;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)len < size - 1) {
		ret = read(fd, buf + len, size - 1 - len);
		if (ret < 0) {
			len = -errno;
			break;
		}
		if (!ret)
			break;
		len += ret;
	}
	close(fd);
	if (len >= 0)
		buf[len] = '\0';
	return len;
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_path(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* Value of "@key N" in a flat keyed file, or -1. */
static long read_key(const char *path, const char *key)
{
	char buf[4096], *p;
	size_t klen = strlen(key);

	if (read_path(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtol(p + klen + 1, NULL, 10);
	return -1;
}

static int cg_mkdir(const char *rel)
{
	if (mkdir(cgp(rel), 0755) && errno != EEXIST) {
		diag("mkdir %s: %s", cgp(rel), strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove @rel, retrying while tasks that just left it are still there. */
static int cg_rmdir(const char *rel)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (!rmdir(cgp(rel)) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		msleep(20);
	}
	diag("rmdir %s: %s", cgp(rel), strerror(errno));
	return -1;
}

static int cg_enter(const char *rel)
{
	return write_str(file_of(rel, "cgroup.procs"), "0");
}

/* memory.bpf_charge_target of @rel, without the newline, or NULL. */
static const char *target_read(const char *rel, char *buf, size_t size)
{
	ssize_t len = read_path(file_of(rel, TARGET_FILE), buf, size);

	if (len < 0)
		return NULL;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

static int target_set(const char *rel, const char *val)
{
	char buf[PATH_MAX + 2];

	snprintf(buf, sizeof(buf), "%s\n", val ? val : "");
	return write_str(file_of(rel, TARGET_FILE), buf);
}

/*
 * Write @len bytes of @buf at @off to memory.bpf_charge_target of @rel,
 * expect @err (0 or a negative errno) and then to read @expect back.
 */
static bool expect_write(const char *what, const char *rel, const void *buf,
			 size_t len, off_t off, int err, const char *expect)
{
	char val[PATH_MAX + 2];
	ssize_t ret;
	int fd;

	fd = open(file_of(rel, TARGET_FILE), O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		diag("%s: open: %s", what, strerror(errno));
		return false;
	}
	ret = pwrite(fd, buf, len, off);
	if (ret < 0)
		ret = -errno;
	else if (ret != (ssize_t)len)
		ret = -EIO;
	else
		ret = 0;
	close(fd);

	if (ret != err) {
		diag("%s: write returned %s, expected %s", what,
		     ret ? strerror(-ret) : "success",
		     err ? strerror(-err) : "success");
		return false;
	}
	if (!target_read(rel, val, sizeof(val))) {
		diag("%s: read back: %s", what, strerror(errno));
		return false;
	}
	if (strcmp(val, expect)) {
		diag("%s: reads \"%s\", expected \"%s\"", what, val, expect);
		return false;
	}
	return true;
}

static bool expect_str(const char *what, const char *path, const char *expect)
{
	char buf[PATH_MAX + 2];
	ssize_t len = read_path(path, buf, sizeof(buf));

	if (len < 0) {
		diag("%s: read %s: %s", what, path, strerror(-len));
		return false;
	}
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	if (strcmp(buf, expect)) {
		diag("%s: %s reads \"%s\", expected \"%s\"", what, path, buf,
		     expect);
		return false;
	}
	return true;
}

/* Fork; the child runs @fn(@arg) and exits with its result. */
static pid_t spawn(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (!pid)
		_exit(fn(arg));
	if (pid < 0)
		diag("fork: %s", strerror(errno));
	return pid;
}

/* Wait for @pid; its exit status, or KSFT_FAIL when it died of a signal. */
static int reap(pid_t pid)
{
	int status;

	if (pid < 0)
		return KSFT_FAIL;
	if (waitpid(pid, &status, 0) < 0) {
		diag("waitpid: %s", strerror(errno));
		return KSFT_FAIL;
	}
	if (WIFSIGNALED(status)) {
		diag("child %d killed by signal %d", pid, WTERMSIG(status));
		return KSFT_FAIL;
	}
	return WEXITSTATUS(status);
}

static int run_child(int (*fn)(void *), void *arg)
{
	return reap(spawn(fn, arg));
}

static void sync_post(int fd)
{
	char c = 0;

	if (write(fd, &c, 1) != 1)
		diag("sync write: %s", strerror(errno));
}

static bool sync_wait(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/* ---- capabilities ----------------------------------------------------- */

static int caps_set(__u64 effective, __u64 permitted)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].effective = (__u32)effective;
	data[1].effective = effective >> 32;
	data[0].permitted = (__u32)permitted;
	data[1].permitted = permitted >> 32;
	return syscall(SYS_capset, &hdr, data);
}

static __u64 caps_all(void)
{
	return (1ULL << (CAP_LAST_CAP + 1)) - 1;
}

/* Become uid and gid @id, keeping only the capabilities in @keep. */
static int become(uid_t id, __u64 keep)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setgroups(0, NULL) ||
	    setresgid(id, id, id) || setresuid(id, id, id)) {
		diag("dropping to uid %u: %s", id, strerror(errno));
		return -1;
	}
	if (caps_set(keep, keep)) {
		diag("capset: %s", strerror(errno));
		return -1;
	}
	/* Keep /proc/self ours, for the user namespace maps. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

/* ---- bpf(2) ----------------------------------------------------------- */

static int map_create(__u32 type, __u32 key_size, __u32 value_size,
		      __u32 max_entries, __u32 flags)
{
	return sys_map_create(type, key_size, value_size, max_entries, flags);
}

static int map_update(int fd, const void *key, const void *value)
{
	return sys_map_update(fd, key, value, BPF_ANY);
}

/* A socket filter "r0 = 0; exit". */
static int prog_load(void)
{
	struct bpf_insn insns[2];

	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].dst_reg = BPF_REG_0;
	insns[1].code = BPF_JMP | BPF_EXIT;
	return sys_prog_load(insns, 2);
}

/* A hash map without preallocation, with @n elements. */
static int hash_with_elems(int n)
{
	char value[64] = { 1 };
	int fd, i, err = 0;

	fd = map_create(BPF_MAP_TYPE_HASH, 4, sizeof(value), 64,
			BPF_F_NO_PREALLOC);
	if (fd < 0)
		return -1;
	for (i = 0; i < n && !err; i++)
		err = map_update(fd, &i, value);
	if (err) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Check that our map or program @fd is charged to the cgroup directory
 * @cg, by cgroup id (bpf_obj_memcg_cgroup_id_at()).  @cgroot is the
 * directory that is "/" in our cgroup namespace: on the 6.12 series the
 * owner is the fdinfo path, relative to that namespace.
 */
static bool owner_is(const char *what, int fd, const char *cgroot,
		     const char *cg)
{
	long long id = bpf_obj_memcg_cgroup_id_at(fd, cgroot);
	long long want = cgroup_id_of(cg);

	if (want < 0) {
		diag("%s: stat %s: %s", what, cg, strerror(-want));
		return false;
	}
	if (id < 0) {
		diag("%s: no owner: %s", what, id == -ENODATA ?
		     "the kernel reports none" : strerror(-id));
		return false;
	}
	if (id != want) {
		diag("%s: charged to cgroup id %lld, expected %lld (%s)", what,
		     id, want, cg);
		return false;
	}
	return true;
}

/* ---- tree, leak and settle checks ------------------------------------- */

static void tree_destroy(void)
{
	static const char * const order[] = {
		"a/b/c", "a/b/d", "a/b", "a/s", "a", "other", "",
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		cg_rmdir(order[i]);
}

static int tree_create(void)
{
	static const char * const dirs[] = {
		"", "a", "a/b", "a/b/c", "a/b/d", "a/s", "other",
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (cg_mkdir(dirs[i]))
			return -1;
		if (i < 3 && write_str(file_of(dirs[i],
					       "cgroup.subtree_control"),
				       "+memory")) {
			diag("enabling memory in %s: %s", cgp(dirs[i]),
			     strerror(errno));
			return -1;
		}
	}
	return 0;
}

static long dying(void)
{
	return read_key(file_of("", "cgroup.stat"), "nr_dying_descendants");
}

/*
 * memory.current may stay above where it was by what the per-cpu charge
 * stocks hold: a stock caches up to MEMCG_CHARGE_BATCH (64) pages of a
 * memcg on each CPU, and both the memcg and its parent can hold such a
 * stock, plus a partly used page of byte-charged slab objects per CPU.
 * The creating tasks also leave negative dentries of removed bpffs pins
 * behind, charged to where they ran; those are a few hundred bytes each,
 * a few tens of KiB at most here.  So allow two batches per CPU, and at
 * least 1 MiB; any BPF object that leaked would be at least 64 KiB (the
 * array maps) and usually much more, and the fault test creates hundreds.
 */
static long margin(void)
{
	long m = 2 * 64 * page_size * nr_cpus;

	return m > SZ_1M ? m : SZ_1M;
}

static void group_begin(void)
{
	dying0 = dying();
	current0_top = read_long(file_of("", "memory.current"));
	current0_a = read_long(file_of("a", "memory.current"));
}

/* Trigger a kmemleak scan; the number of reports it holds, or -1. */
static int kmemleak_scan(const char *group)
{
	static char buf[1 << 16];
	int n = 0, shown = 0;
	ssize_t len;
	char *p;
	double t = elapsed();

	if (write_str(KMEMLEAK, "scan"))
		return -1;
	len = read_path(KMEMLEAK, buf, sizeof(buf));
	if (len < 0)
		return -1;
	for (p = buf; (p = strstr(p, "unreferenced object")); p++)
		n++;
	if (n) {
		diag("kmemleak after %s: %d reports; the first ones:", group, n);
		for (p = strtok(buf, "\n"); p && shown < 40;
		     p = strtok(NULL, "\n"), shown++)
			diag("  %s", p);
	}
	diag("kmemleak scan after %s took %.1f s", group, elapsed() - t);
	return n;
}

/*
 * On 6.12 a CPU's memcg charge stock keeps its reference to the memcg it
 * last served after its pages are used up, and drain_all_stock(), which
 * runs when a memcg goes offline, passes over a stock without pages: that
 * memcg stays dying until a task of another memcg charges on that CPU,
 * which on an idle guest may be never.  (7.3 drops the reference when the
 * stock empties.)  That reference is the memory controller's, not one the
 * BPF objects or the target hold, so before counting dying cgroups a
 * child in STOCK_CG, outside the test's tree, faults in a page on every
 * CPU: each stock then serves STOCK_CG, and drops what it held before.
 */
static int stock_task(void *unused __attribute__((unused)))
{
	cpu_set_t set;
	char *p;
	int cpu;

	if (write_str(STOCK_CG "/cgroup.procs", "0")) {
		diag("entering %s: %s", STOCK_CG, strerror(errno));
		return KSFT_FAIL;
	}
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			diag("moving to CPU %d: %s", cpu, strerror(errno));
			return KSFT_FAIL;
		}
		p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return KSFT_FAIL;
		*(volatile char *)p = 1;
		munmap(p, page_size);
	}
	return KSFT_PASS;
}

/*
 * After a group: dying cgroups go away, memory.current of the top cgroup
 * and of the target "a" return to their values at the start within
 * margin(), and kmemleak has nothing new to say.
 */
static int settle(const char *group, bool last)
{
	long d = -1, top = -1, a = -1;
	double until = elapsed() + SETTLE_SECONDS;
	int ret = KSFT_PASS, leaks;

	if ((mkdir(STOCK_CG, 0755) && errno != EEXIST) ||
	    run_child(stock_task, NULL)) {
		diag("charging a page on each CPU from %s failed", STOCK_CG);
		ret = KSFT_FAIL;
	}
	while (elapsed() < until) {
		d = dying();
		top = read_long(file_of("", "memory.current"));
		a = read_long(file_of("a", "memory.current"));
		if (d <= dying0 && top <= current0_top + margin() &&
		    a <= current0_a + margin())
			break;
		msleep(250);
	}
	diag("after %s: nr_dying_descendants %ld (was %ld), memory.current "
	     "top %ld (was %ld), a %ld (was %ld), margin %ld", group, d,
	     dying0, top, current0_top, a, current0_a, margin());
	if (d > dying0) {
		diag("dying cgroups did not go away in %d s", SETTLE_SECONDS);
		ret = KSFT_FAIL;
	}
	if (top > current0_top + margin() || a > current0_a + margin()) {
		diag("memory.current did not come back in %d s",
		     SETTLE_SECONDS);
		ret = KSFT_FAIL;
	}

	/*
	 * kmemleak reports objects at least 5 s old only, and a scan takes
	 * 15 to 60 s of a debug kernel under emulation, so there is one scan,
	 * after the last group, when there is time left for it: the reports
	 * are kept until read, and "clear" ran only before the first group.
	 * The harness scans again when the test exits and fails the run on
	 * any report in the console log.
	 */
	if (have_kmemleak && last && budget_left(0) >= 30) {
		msleep(5000);
		leaks = kmemleak_scan(group);
		if (leaks < 0) {
			diag("kmemleak scan failed: %s", strerror(errno));
		} else if (leaks > 0) {
			kmemleak_reports += leaks;
			ret = KSFT_FAIL;
		}
	} else if (have_kmemleak && last) {
		diag("no time left for a kmemleak scan; the harness scans at exit");
	}
	return ret;
}

/* ---- 1. hostile writes ------------------------------------------------ */

static int test_writes(void)
{
	char *big, val[PATH_MAX + 2], a[PATH_MAX], b[PATH_MAX];
	bool ok = true;
	int fd;

	strcpy(a, cgn("a"));
	strcpy(b, cgn("a/b"));

	/* Start from a value, so that "unchanged" means something. */
	if (target_set("a/b", a)) {
		diag("setting a/b to %s: %s", a, strerror(errno));
		return KSFT_FAIL;
	}

#define W(what, str, err, exp) \
	(ok &= expect_write(what, "a/b", str, strlen(str), 0, err, exp))

	/* A zero-length write does nothing at all. */
	ok &= expect_write("empty write", "a/b", "", 0, 0, 0, a);
	W("self, newline", b, 0, b);
	W("ancestor, no newline", a, 0, a);
	W("newline clears", "\n", 0, "");
	W("set again", a, 0, a);
	/*
	 * Only one trailing newline is stripped: a cgroup name may begin
	 * or end with blanks, so blanks are part of the path.
	 */
	W("whitespace only", " \t \n", -EINVAL, a);
	W("surrounding whitespace", "  /" TOPNAME "/a/b \n", -EINVAL, a);
	W("trailing blank", "/" TOPNAME "/a/b \n", -ENOENT, a);
	W("two newlines", "/" TOPNAME "/a/b\n\n", -ENOENT, a);
	W("top cgroup", cgn(""), 0, cgn(""));
	W("set a", a, 0, a);

	/* Malformed: EINVAL. */
	W("relative", TOPNAME "/a", -EINVAL, a);
	W("dot", ".", -EINVAL, a);
	W("dotdot", "..", -EINVAL, a);
	W("/../x", "/../" TOPNAME, -EINVAL, a);
	W("/./", "/" TOPNAME "/./a", -EINVAL, a);
	W("inner ..", "/" TOPNAME "/a/b/../b", -EINVAL, a);
	W("trailing ..", "/" TOPNAME "/a/b/..", -EINVAL, a);
	W("//", "//", -EINVAL, a);
	W("leading //", "//" TOPNAME "/a", -EINVAL, a);
	W("inner //", "/" TOPNAME "//a", -EINVAL, a);
	W("trailing slash", "/" TOPNAME "/a/", -EINVAL, a);
	W("root", "/", -EINVAL, a);
	W("root, newline", "/\n", -EINVAL, a);

	/* Not the cgroup or an ancestor: EINVAL. */
	W("sibling", cgn("a/s"), -EINVAL, a);
	W("descendant", cgn("a/b/c"), -EINVAL, a);
	W("unrelated", cgn("other"), -EINVAL, a);

	/* Names no cgroup. */
	W("file", file_of("a", "cgroup.procs") + strlen(CGROOT), -ENOTDIR, a);
	W("own file", file_of("a/b", TARGET_FILE) + strlen(CGROOT),
	  -ENOTDIR, a);
	W("nonexistent", cgn("nope"), -ENOENT, a);
	W("nonexistent child", cgn("a/b/nope"), -ENOENT, a);
	W("nonexistent parent", cgn("nope/b"), -ENOENT, a);
	W("non-UTF-8", "/" TOPNAME "/\xff\xfe\xc3\x28", -ENOENT, a);

	/* NUL bytes: EINVAL. */
	ok &= expect_write("embedded NUL", "a/b", "/" TOPNAME "\0/a", 
			   strlen(TOPNAME) + 4, 0, -EINVAL, a);
	ok &= expect_write("trailing NUL", "a/b", b, strlen(b) + 1, 0,
			   -EINVAL, a);
	ok &= expect_write("NUL only", "a/b", "", 1, 0, -EINVAL, a);

	/*
	 * Each write(2) is one value, whatever the offset, as for other
	 * cgroup files: pwrite() anywhere and a second write() on one
	 * descriptor both set the value.
	 */
	ok &= expect_write("pwrite at 1", "a/b", b, strlen(b), 1, 0, b);
	ok &= expect_write("pwrite at 4096", "a/b", a, strlen(a), 4096, 0, a);
	fd = open(file_of("a/b", TARGET_FILE), O_WRONLY);
	if (fd < 0 || write(fd, a, strlen(a)) != (ssize_t)strlen(a)) {
		diag("first write: %s", strerror(errno));
		ok = false;
	} else if (write(fd, b, strlen(b)) != (ssize_t)strlen(b)) {
		diag("second write on one descriptor: %s", strerror(errno));
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	if (!target_read("a/b", val, sizeof(val)) || strcmp(val, b)) {
		diag("after the second write: \"%s\", expected \"%s\"", val, b);
		ok = false;
	}
	ok &= expect_write("back to a", "a/b", a, strlen(a), 0, 0, a);

	/* Lengths. */
	big = malloc(PATH_MAX + 8);
	if (!big)
		return KSFT_FAIL;
	big[0] = '/';
	memset(big + 1, 'x', PATH_MAX + 6);
	ok &= expect_write("PATH_MAX - 1 bytes", "a/b", big, PATH_MAX - 1, 0,
			   -ENOENT, a);
	ok &= expect_write("PATH_MAX bytes", "a/b", big, PATH_MAX, 0,
			   -ENAMETOOLONG, a);
	ok &= expect_write("PATH_MAX + 1 bytes", "a/b", big, PATH_MAX + 1, 0,
			   -ENAMETOOLONG, a);
	ok &= expect_write("PATH_MAX + 2 bytes", "a/b", big, PATH_MAX + 2, 0,
			   -E2BIG, a);
	ok &= expect_write("NAME_MAX + 1 component", "a/b", big, NAME_MAX + 2,
			   0, -ENOENT, a);
	big[PATH_MAX - 1] = '\n';
	ok &= expect_write("PATH_MAX - 1 bytes and a newline", "a/b", big,
			   PATH_MAX, 0, -ENOENT, a);
	free(big);
#undef W

	/* A non-UTF-8 name of a real cgroup is a name like any other. */
	if (cg_mkdir("a/b/\xff\xc3\x28"))
		return KSFT_FAIL;
	ok &= expect_write("non-UTF-8 cgroup", "a/b/\xff\xc3\x28",
			   cgn("a/b/\xff\xc3\x28"), strlen(cgn("a/b/\xff\xc3\x28")),
			   0, 0, cgn("a/b/\xff\xc3\x28"));
	ok &= !cg_rmdir("a/b/\xff\xc3\x28");

	ok &= !target_set("a/b", NULL);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/*
 * Writers racing with the removal of the cgroup they write to, and of a
 * child of the target: every write succeeds or fails because the cgroup
 * is gone (ENOENT from open, ENODEV from kernfs), and the references the
 * values hold are dropped (checked by settle_writes).
 */
struct rmdir_arg {
	const char *rel;
	const char *val;
	double until;
};

static int rmdir_writer(void *p)
{
	struct rmdir_arg *arg = p;
	int ret;

	while (elapsed() < arg->until) {
		ret = target_set(arg->rel, arg->val);
		if (ret == -ENOENT)
			return KSFT_PASS;
		if (ret && ret != -ENODEV) {
			diag("racing write to %s: %s", arg->rel, strerror(-ret));
			return KSFT_FAIL;
		}
	}
	return KSFT_PASS;
}

static int test_rmdir_race(void)
{
	char val[PATH_MAX];
	struct rmdir_arg w1, w2;
	int i, ret = KSFT_PASS;
	double until = elapsed() + 5;
	pid_t p1, p2;

	if (target_set("a/b", cgn("a")))
		return KSFT_FAIL;
	for (i = 0; i < 30 && elapsed() < until; i++) {
		/* k names itself, k/kk names k: both go while written. */
		if (cg_mkdir("a/b/k") ||
		    write_str(file_of("a/b/k", "cgroup.subtree_control"),
			      "+memory") ||
		    cg_mkdir("a/b/k/kk"))
			return KSFT_FAIL;
		w1 = (struct rmdir_arg){ "a/b/k/kk", cgn("a/b/k"),
					 elapsed() + 2 };
		w2 = (struct rmdir_arg){ "a/b/k", cgn("a/b/k"),
					 elapsed() + 2 };
		p1 = spawn(rmdir_writer, &w1);
		p2 = spawn(rmdir_writer, &w2);
		msleep(i % 5);
		if (cg_rmdir("a/b/k/kk") || cg_rmdir("a/b/k"))
			ret = KSFT_FAIL;
		if (reap(p1) || reap(p2))
			ret = KSFT_FAIL;
	}
	diag("%d rounds of rmdir against writers", i);
	if (!target_read("a/b", val, sizeof(val)) || strcmp(val, cgn("a"))) {
		diag("a/b reads \"%s\" after the races", val);
		ret = KSFT_FAIL;
	}
	target_set("a/b", NULL);
	return ret;
}

/* ---- 2. privilege ----------------------------------------------------- */

static int chown_target(const char *rel, uid_t uid)
{
	if (chown(file_of(rel, TARGET_FILE), uid, uid)) {
		diag("chown %s: %s", file_of(rel, TARGET_FILE), strerror(errno));
		return -1;
	}
	return 0;
}

/* uid 65534, owner of the file, no capabilities: EPERM. */
static int priv_nobody(void *unused __attribute__((unused)))
{
	if (become(NOBODY, 0))
		return KSFT_FAIL;
	return expect_write("nobody owning the file", "a/b/c", cgn("a"),
			    strlen(cgn("a")), 0, -EPERM, "") ?
	       KSFT_PASS : KSFT_FAIL;
}

/*
 * Enter a new user namespace where the current uid and gid are root:
 * "0 UID 1".  0, -EPERM or -ENOSPC when it cannot be created, or -EIO.
 */
static int userns_enter(void)
{
	char uid_map[64], gid_map[64];
	int ret;

	snprintf(uid_map, sizeof(uid_map), "0 %d 1", getuid());
	snprintf(gid_map, sizeof(gid_map), "0 %d 1", getgid());
	if (unshare(CLONE_NEWUSER)) {
		ret = -errno;
		diag("unshare(CLONE_NEWUSER): %s", strerror(errno));
		return ret;
	}
	ret = write_str("/proc/self/setgroups", "deny");
	if (!ret)
		ret = write_str("/proc/self/uid_map", uid_map);
	if (!ret)
		ret = write_str("/proc/self/gid_map", gid_map);
	if (ret) {
		diag("mapping \"%s\" and \"%s\": %s", uid_map, gid_map,
		     strerror(-ret));
		return -EIO;
	}
	return 0;
}

/*
 * Root in a user namespace ("0 0 1"), all capabilities there, through a
 * file its uid owns: EPERM.
 */
static int priv_userns_root(void *unused __attribute__((unused)))
{
	if (userns_enter())
		return KSFT_FAIL;
	if (getuid() != 0) {
		diag("uid %d in the user namespace", getuid());
		return KSFT_FAIL;
	}
	/* a/b/d is root's: root of the namespace may open it. */
	return expect_write("root in a user namespace", "a/b/d", cgn("a"),
			    strlen(cgn("a")), 0, -EPERM, "") ?
	       KSFT_PASS : KSFT_FAIL;
}

/* nobody mapped to root in its own user namespace: EPERM, or skip. */
static int priv_userns_nobody(void *unused __attribute__((unused)))
{
	int ret;

	if (become(NOBODY, 0))
		return KSFT_FAIL;
	ret = userns_enter();
	if (ret == -EPERM || ret == -ENOSPC)
		return KSFT_SKIP;
	if (ret)
		return KSFT_FAIL;
	return expect_write("nobody as root of a user namespace", "a/b/c",
			    cgn("a"), strlen(cgn("a")), 0, -EPERM, "") ?
	       KSFT_PASS : KSFT_FAIL;
}

/*
 * The opener's credentials count: a descriptor opened with euid 65534
 * and no effective capability fails for root; one opened by root works
 * for euid 65534 without capabilities.
 */
static int priv_opener(void *unused __attribute__((unused)))
{
	const char *a = cgn("a");
	int fd_nobody, fd_root, ret = KSFT_PASS;
	char val[PATH_MAX];

	fd_root = open(file_of("a/b/c", TARGET_FILE), O_WRONLY);
	if (seteuid(NOBODY)) {
		diag("seteuid: %s", strerror(errno));
		return KSFT_FAIL;
	}
	fd_nobody = open(file_of("a/b/c", TARGET_FILE), O_WRONLY);
	if (fd_nobody < 0 || fd_root < 0) {
		diag("open: %s", strerror(errno));
		return KSFT_FAIL;
	}
	/* Without CAP_SYS_ADMIN now, through root's descriptor. */
	if (write(fd_root, a, strlen(a)) != (ssize_t)strlen(a)) {
		diag("write through root's descriptor by euid 65534: %s",
		     strerror(errno));
		ret = KSFT_FAIL;
	}
	if (seteuid(0)) {
		diag("seteuid(0): %s", strerror(errno));
		return KSFT_FAIL;
	}
	if (!target_read("a/b/c", val, sizeof(val)) || strcmp(val, a)) {
		diag("a/b/c reads \"%s\", expected \"%s\"", val, a);
		ret = KSFT_FAIL;
	}
	/* Root again, with every capability, through nobody's descriptor. */
	if (write(fd_nobody, "\n", 1) >= 0 || errno != EPERM) {
		diag("write through nobody's descriptor by root: %s, "
		     "expected EPERM", strerror(errno));
		ret = KSFT_FAIL;
	}
	if (!target_read("a/b/c", val, sizeof(val)) || strcmp(val, a)) {
		diag("a/b/c reads \"%s\", expected \"%s\"", val, a);
		ret = KSFT_FAIL;
	}
	close(fd_nobody);
	close(fd_root);
	return ret;
}

/* uid 65534 with CAP_SYS_ADMIN alone may write. */
static int priv_sys_admin_only(void *unused __attribute__((unused)))
{
	if (become(NOBODY, 1ULL << CAP_SYS_ADMIN))
		return KSFT_FAIL;
	return expect_write("nobody with CAP_SYS_ADMIN only", "a/b/c",
			    cgn("a/b"), strlen(cgn("a/b")), 0, 0,
			    cgn("a/b")) ? KSFT_PASS : KSFT_FAIL;
}

/* Root with every capability but CAP_SYS_ADMIN may not. */
static int priv_all_but_sys_admin(void *unused __attribute__((unused)))
{
	__u64 caps = caps_all() & ~(1ULL << CAP_SYS_ADMIN);

	if (caps_set(caps, caps)) {
		diag("capset: %s", strerror(errno));
		return KSFT_FAIL;
	}
	return expect_write("root without CAP_SYS_ADMIN", "a/b/c", cgn("a"),
			    strlen(cgn("a")), 0, -EPERM, cgn("a/b")) ?
	       KSFT_PASS : KSFT_FAIL;
}

static int test_privilege(void)
{
	int ret = KSFT_PASS, r;

	if (target_set("a/b/c", NULL))
		return KSFT_FAIL;
	/* The file mode lets nobody write; only the capability check stops it. */
	if (chown_target("a/b/c", NOBODY))
		return KSFT_FAIL;

	if (run_child(priv_nobody, NULL))
		ret = KSFT_FAIL;
	if (run_child(priv_userns_root, NULL))
		ret = KSFT_FAIL;
	r = run_child(priv_userns_nobody, NULL);
	if (r == KSFT_SKIP)
		diag("nobody cannot create a user namespace here; that case is skipped");
	else if (r)
		ret = KSFT_FAIL;
	if (run_child(priv_opener, NULL))
		ret = KSFT_FAIL;
	if (run_child(priv_sys_admin_only, NULL))
		ret = KSFT_FAIL;
	if (run_child(priv_all_but_sys_admin, NULL))
		ret = KSFT_FAIL;

	if (chown_target("a/b/c", 0) || target_set("a/b/c", NULL))
		ret = KSFT_FAIL;
	return ret;
}

/* ---- 3. cgroup namespaces --------------------------------------------- */

#define NS_PIN		PIN_PREFIX "ns_map"

struct ns_arg {
	int to_child, from_child;	/* pipe ends of the child */
};

/*
 * The writer: its namespace root is a/b/n, it lives in n/y.  Names are
 * resolved below n: "/" is n, and nothing outside n can be named.
 */
static int ns_writer(void *p)
{
	struct ns_arg *arg = p;
	bool ok = true;
	int fd;

	if (cg_enter("a/b/n") || unshare(CLONE_NEWCGROUP) ||
	    cg_enter("a/b/n/y")) {
		diag("entering the namespace: %s", strerror(errno));
		return KSFT_FAIL;
	}
	sync_post(arg->from_child);
	if (!sync_wait(arg->to_child))
		return KSFT_FAIL;

	ok &= expect_str("ns writer", "/proc/self/cgroup", "0::/y");
	ok &= expect_write("ns: / is the namespace root", "a/b/n/x", "/", 1, 0,
			   0, "/");
	ok &= expect_write("ns: self", "a/b/n/x", "/x\n", 3, 0, 0, "/x");
	ok &= expect_write("ns: outside the namespace", "a/b/n/x", cgn("a"),
			   strlen(cgn("a")), 0, -ENOENT, "/x");
	ok &= expect_write("ns: /..", "a/b/n/x", "/..", 3, 0, -EINVAL, "/x");
	ok &= expect_write("ns: sibling", "a/b/n/x", "/y", 2, 0, -EINVAL, "/x");
	/* nsdelegate: the namespace root's own files are not ours. */
	ok &= expect_write("ns: namespace root's file", "a/b/n", "/", 1, 0,
			   -EPERM, "");
	ok &= expect_str("ns: effective", file_of("a/b/n/x", EFFECTIVE_FILE),
			 "/x");

	/* A map created in y, charged to n ("/" here, in 6.12's fdinfo). */
	ok &= expect_write("ns: y charges n", "a/b/n/y", "/", 1, 0, 0, "/");
	fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 4096, 16, 0);
	if (fd < 0) {
		diag("ns: map create: %s", strerror(errno));
		ok = false;
	} else {
		ok &= owner_is("ns writer's map", fd, cgp("a/b/n"),
			       cgp("a/b/n"));
		if (sys_obj_pin(fd, NS_PIN)) {
			diag("ns: pin: %s", strerror(errno));
			ok = false;
		}
		close(fd);
	}
	sync_post(arg->from_child);

	/* Now a/b/n/x names a, outside the namespace, two levels up. */
	if (!sync_wait(arg->to_child))
		return KSFT_FAIL;
	ok &= expect_str("ns: target above the root",
			 file_of("a/b/n/x", TARGET_FILE), "/../..");
	ok &= expect_str("ns: effective above the root",
			 file_of("a/b/n/x", EFFECTIVE_FILE), "/../..");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* Another namespace, rooted at n/y: sees n as "/..", a as "/../../..". */
static int ns_reader(void *unused __attribute__((unused)))
{
	bool ok = true;
	int fd;

	if (cg_enter("a/b/n/y") || unshare(CLONE_NEWCGROUP)) {
		diag("entering the namespace: %s", strerror(errno));
		return KSFT_FAIL;
	}
	ok &= expect_str("ns reader", file_of("a/b/n/x", TARGET_FILE),
			 "/../../..");
	fd = sys_obj_get(NS_PIN);
	if (fd < 0) {
		diag("ns reader: obj_get: %s", strerror(errno));
		ok = false;
	} else {
		ok &= owner_is("ns reader's view of the map", fd,
			       cgp("a/b/n/y"), cgp("a/b/n"));
		close(fd);
	}
	/* "/" is y here, not an ancestor of x. */
	ok &= expect_write("ns reader: / is y", "a/b/n/x", "/", 1, 0, -EINVAL,
			   "/../../..");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

static int test_cgroupns(void)
{
	int to_child[2], from_child[2];
	struct ns_arg arg;
	int ret = KSFT_PASS, fd;
	pid_t pid;

	if (cg_mkdir("a/b/n") || cg_mkdir("a/b/n/x") || cg_mkdir("a/b/n/y"))
		return KSFT_FAIL;
	if (pipe(to_child) || pipe(from_child))
		return KSFT_FAIL;
	arg.to_child = to_child[0];
	arg.from_child = from_child[1];
	pid = spawn(ns_writer, &arg);
	if (!sync_wait(from_child[0])) {
		ret = KSFT_FAIL;
		goto out;
	}
	/* n is empty now: give its children the memory controller. */
	if (write_str(file_of("a/b/n", "cgroup.subtree_control"), "+memory")) {
		diag("enabling memory in n: %s", strerror(errno));
		ret = KSFT_FAIL;
	}
	sync_post(to_child[1]);
	if (!sync_wait(from_child[0])) {
		ret = KSFT_FAIL;
		goto out;
	}

	/* The initial namespace sees full paths. */
	if (!expect_str("init ns", file_of("a/b/n/x", TARGET_FILE),
			cgn("a/b/n/x")) ||
	    !expect_str("init ns", file_of("a/b/n/y", TARGET_FILE),
			cgn("a/b/n")))
		ret = KSFT_FAIL;
	fd = sys_obj_get(NS_PIN);
	if (fd < 0 || !owner_is("init ns view of the map", fd, CGROOT,
				cgp("a/b/n")))
		ret = KSFT_FAIL;
	if (fd >= 0)
		close(fd);
	if (!expect_write("init ns: a above the namespace", "a/b/n/x",
			  cgn("a"), strlen(cgn("a")), 0, 0, cgn("a")))
		ret = KSFT_FAIL;
	sync_post(to_child[1]);
	if (reap(pid))
		ret = KSFT_FAIL;
	pid = -1;
	if (run_child(ns_reader, NULL))
		ret = KSFT_FAIL;
out:
	close(to_child[1]);
	if (pid > 0 && reap(pid))
		ret = KSFT_FAIL;
	close(to_child[0]);
	close(from_child[0]);
	close(from_child[1]);
	unlink(NS_PIN);
	if (cg_rmdir("a/b/n/x") || cg_rmdir("a/b/n/y") || cg_rmdir("a/b/n"))
		ret = KSFT_FAIL;
	return ret;
}

/* ---- 4. races --------------------------------------------------------- */

struct race_arg {
	int id;
	double until;
	int max_iter;
	int iters;
};

static struct race_arg *race_shared;	/* MAP_SHARED, one per worker */

static const char * const race_cgs[] = { "a", "a/b", "a/b/c", "a/b/d" };
/* The values each of race_cgs[] may take: itself or an ancestor. */
static const char * const race_vals[][3] = {
	{ "a" }, { "a", "a/b" }, { "a", "a/b", "a/b/c" },
	{ "a", "a/b", "a/b/d" },
};

/* Toggle the values of stable cgroups and of the churned ones. */
static int race_writer(void *p)
{
	struct race_arg *arg = p;
	unsigned int seed = arg->id;
	const char *val;
	char rel[64];
	int ret, i, v, n;

	for (n = 0; n < arg->max_iter && elapsed() < arg->until; n++) {
		if (rand_r(&seed) % 3) {
			i = rand_r(&seed) % 4;
			v = rand_r(&seed) % (i < 3 ? i + 2 : 4);
			/* v == 0 clears, otherwise self or an ancestor */
			val = v && race_vals[i][v - 1] ?
			      cgn(race_vals[i][v - 1]) : NULL;
			ret = target_set(race_cgs[i], val);
			if (ret) {
				diag("writer: %s to %s: %s",
				     val ? val : "clear", race_cgs[i],
				     strerror(-ret));
				return KSFT_FAIL;
			}
		} else {
			snprintf(rel, sizeof(rel), "a/b/r%d", rand_r(&seed) % 4);
			ret = target_set(rel, rand_r(&seed) % 2 ? cgn(rel) :
					 cgn("a"));
			if (ret && ret != -ENOENT && ret != -ENODEV) {
				diag("writer: %s: %s", rel, strerror(-ret));
				return KSFT_FAIL;
			}
		}
	}
	arg->iters = n;
	return KSFT_PASS;
}

/* mkdir and rmdir of cgroups that hold targets, and of their children. */
static int race_churn(void *p)
{
	struct race_arg *arg = p;
	char rel[64], sub[80];
	unsigned int seed = arg->id;
	int n, ret;

	for (n = 0; n < arg->max_iter && elapsed() < arg->until; n++) {
		snprintf(rel, sizeof(rel), "a/b/r%d", n % 4);
		snprintf(sub, sizeof(sub), "%s/q", rel);
		if (cg_mkdir(rel))
			return KSFT_FAIL;
		ret = target_set(rel, rand_r(&seed) % 2 ? cgn(rel) : cgn("a"));
		if (ret && ret != -ENOENT && ret != -ENODEV) {
			diag("churn: %s: %s", rel, strerror(-ret));
			return KSFT_FAIL;
		}
		if (!write_str(file_of(rel, "cgroup.subtree_control"),
			       "+memory") && !cg_mkdir(sub)) {
			ret = target_set(sub, cgn(rel));
			if (ret && ret != -ENOENT && ret != -ENODEV) {
				diag("churn: %s: %s", sub, strerror(-ret));
				return KSFT_FAIL;
			}
			if (cg_rmdir(sub))
				return KSFT_FAIL;
		}
		if (n % 2 && cg_rmdir(rel))
			return KSFT_FAIL;
	}
	arg->iters = n;
	return KSFT_PASS;
}

/*
 * Create, pin and release maps and programs from cgroups that are
 * removed right after.  The pinned ones outlive their cgroups.
 */
static int race_bpf(void *p)
{
	struct race_arg *arg = p;
	char rel[64], pin[PATH_MAX];
	int n, fds[3], i;

	for (n = 0; n < arg->max_iter && elapsed() < arg->until; n++) {
		snprintf(rel, sizeof(rel), "a/b/w%d_%d", arg->id, n);
		if (cg_mkdir(rel) || cg_enter(rel))
			return KSFT_FAIL;
		fds[0] = map_create(BPF_MAP_TYPE_ARRAY, 4, 4096, 16, 0);
		fds[1] = hash_with_elems(16);
		fds[2] = prog_load();
		for (i = 0; i < 3; i++) {
			if (fds[i] < 0) {
				diag("bpf worker %d: object %d: %s", arg->id,
				     i, strerror(errno));
				return KSFT_FAIL;
			}
			if (n % 4 == 0) {
				snprintf(pin, sizeof(pin), "%srace_%d_%d_%d",
					 PIN_PREFIX, arg->id, n, i);
				if (sys_obj_pin(fds[i], pin)) {
					diag("pin %s: %s", pin, strerror(errno));
					return KSFT_FAIL;
				}
			}
			close(fds[i]);
		}
		if (cg_enter(arg->id % 2 ? "a/b/c" : "a/b/d") || cg_rmdir(rel))
			return KSFT_FAIL;
	}
	arg->iters = n;
	return KSFT_PASS;
}

/* Pinned objects that outlived their cgroups are usable, then released. */
static int race_unpin(int workers, int max_iter)
{
	char pin[PATH_MAX];
	int id, n, i, fd, key = 0, found = 0, ret = 0;
	char value[4096];

	for (id = 0; id < workers; id++) {
		for (n = 0; n < max_iter; n += 4) {
			for (i = 0; i < 3; i++) {
				snprintf(pin, sizeof(pin), "%srace_%d_%d_%d",
					 PIN_PREFIX, id, n, i);
				fd = sys_obj_get(pin);
				if (fd < 0)
					continue;
				found++;
				if (i == 0 && map_update(fd, &key, value)) {
					diag("update of %s: %s", pin,
					     strerror(errno));
					ret = -1;
				}
				close(fd);
				unlink(pin);
			}
		}
	}
	diag("%d pinned objects outlived their cgroups", found);
	return ret;
}

#define RACE_BPF_WORKERS	2
#define RACE_BPF_ITERS		60

static int test_races(void)
{
	struct race_arg *args = race_shared;
	double secs = budget_left(60);
	pid_t pids[5];
	int ret = KSFT_PASS, i;
	char rel[64];

	if (secs > RACE_SECONDS)
		secs = RACE_SECONDS;
	if (secs < 3) {
		diag("no time left for races");
		return KSFT_SKIP;
	}
	for (i = 0; i < 5; i++)
		args[i] = (struct race_arg){ i, elapsed() + secs, 0, 0 };
	args[0].max_iter = args[1].max_iter = RACE_BPF_ITERS;
	args[2].max_iter = 200;		/* churn */
	args[3].max_iter = args[4].max_iter = 3000;	/* writers */

	pids[0] = spawn(race_bpf, &args[0]);
	pids[1] = spawn(race_bpf, &args[1]);
	pids[2] = spawn(race_churn, &args[2]);
	pids[3] = spawn(race_writer, &args[3]);
	pids[4] = spawn(race_writer, &args[4]);
	for (i = 0; i < 5; i++)
		if (reap(pids[i]))
			ret = KSFT_FAIL;
	diag("races for %.0f s: bpf workers %d and %d rounds, churn %d, "
	     "writers %d and %d", secs, args[0].iters, args[1].iters,
	     args[2].iters, args[3].iters, args[4].iters);

	for (i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "a/b/r%d/q", i);
		cg_rmdir(rel);
		snprintf(rel, sizeof(rel), "a/b/r%d", i);
		cg_rmdir(rel);
	}
	for (i = 0; i < RACE_BPF_WORKERS * RACE_BPF_ITERS; i++) {
		snprintf(rel, sizeof(rel), "a/b/w%d_%d", i % 2, i / 2);
		rmdir(cgp(rel));
	}
	if (race_unpin(RACE_BPF_WORKERS, RACE_BPF_ITERS))
		ret = KSFT_FAIL;
	for (i = 0; i < 4; i++)
		if (target_set(race_cgs[i], NULL))
			ret = KSFT_FAIL;
	return ret;
}

/* ---- 5. fault injection ----------------------------------------------- */

#define FAILSLAB	DEBUGFS "/failslab"
#define FAILPAGE	DEBUGFS "/fail_page_alloc"

struct fault_stats {
	int injected;		/* fault points consumed */
	int errors;		/* operations that failed */
	int ok_despite;		/* operations that succeeded anyway */
	int bad;		/* failures with an unexpected outcome */
	int errnos[256];	/* failures by errno */
	int random_runs, random_errors, random_injected;
};

static struct fault_stats *fstats;	/* MAP_SHARED */

static int fault_attr(const char *dir, const char *attr, const char *val)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	ret = write_str(path, val);
	if (ret)
		diag("%s = %s: %s", path, val, strerror(-ret));
	return ret;
}

static int fault_setup(const char *dir, bool on, const char *interval,
		       const char *times)
{
	int ret = 0;

	ret |= fault_attr(dir, "verbose", "0");
	ret |= fault_attr(dir, "task-filter", "Y");
	ret |= fault_attr(dir, "ignore-gfp-wait", "N");
	ret |= fault_attr(dir, "space", "0");
	ret |= fault_attr(dir, "interval", interval);
	ret |= fault_attr(dir, "times", times);
	if (!strcmp(dir, FAILPAGE)) {
		ret |= fault_attr(dir, "min-order", "0");
		ret |= fault_attr(dir, "ignore-gfp-highmem", "Y");
	}
	ret |= fault_attr(dir, "probability", on ? "100" : "0");
	return ret;
}

static void fault_off(void)
{
	struct stat st;

	if (!stat(FAILSLAB, &st))
		fault_setup(FAILSLAB, false, "1", "0");
	if (!stat(FAILPAGE, &st))
		fault_setup(FAILPAGE, false, "1", "0");
}

/* The operations the faults hit; 0 or -errno, everything released. */
static int fault_op(int op)
{
	int fd, err = 0, i;
	char value[4096] = { 0 };

	switch (op) {
	case 0:	/* an array map big enough for a vmalloc area */
		fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 4096, 64, 0);
		break;
	case 1:
		fd = hash_with_elems(8);
		break;
	case 2:
		fd = prog_load();
		break;
	case 3:
		fd = open(file_of("a/b/c", TARGET_FILE), O_WRONLY);
		if (fd >= 0 && write(fd, cgn("a"), strlen(cgn("a"))) < 0)
			err = -errno;
		break;
	case 4:
		fd = open(file_of("a/b/c", TARGET_FILE), O_WRONLY);
		if (fd >= 0 && write(fd, "\n", 1) < 0)
			err = -errno;
		break;
	case 6:	/* the kinds of the no-OOM matrix of test_bpf_charge_depth */
		fd = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 256, 16, 0);
		break;
	case 7:
		fd = map_create(BPF_MAP_TYPE_HASH, 4, 256, 64, 0);
		break;
	case 8:
		fd = map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, 16 * 4096, 0);
		break;
	case 5: /* array map, one update, pinned and unpinned */
		fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 4096, 4, 0);
		i = 1;
		if (fd >= 0 && map_update(fd, &i, value))
			err = -errno;
		if (fd >= 0 && !err && sys_obj_pin(fd, PIN_PREFIX "fault"))
			err = -errno;
		if (!err)
			unlink(PIN_PREFIX "fault");
		break;
	default:
		return -EINVAL;
	}
	if (fd < 0)
		return -errno;
	close(fd);
	return err;
}

#define NR_FAULT_OPS	9

/*
 * The operations that only create an object: an injected failure must
 * come back as ENOMEM, which is what a loader sees when the object does
 * not fit (op 1 also inserts elements, ops 3 and 4 write the file).
 */
static bool fault_op_creates(int op)
{
	return op == 0 || op == 2 || op >= 6;
}

static void fault_count(int err)
{
	fstats->errors++;
	fstats->errnos[-err < 256 ? -err : 0]++;
}

/*
 * The unlink of op 5 can fail under injection too: remove what is left
 * once allocations work again.
 */
static void fault_unpin(void)
{
	int i;

	for (i = 0; i < 100; i++)
		if (!unlink(PIN_PREFIX "fault") || errno == ENOENT)
			return;
	diag("unlink %sfault: %s", PIN_PREFIX, strerror(errno));
}

/*
 * In a task of its own, in a/b/c: first fail the 1st, 2nd, ... fault
 * point of each operation through /proc/thread-self/fail-nth, until an
 * operation runs through without reaching the point; then fail every
 * Nth allocation through make-it-fail, for several N.
 */
static int fault_worker(void *p)
{
	double until = *(double *)p, op_until, nth_until;
	int nth_fd, mif_fd, op, n, err, left;
	char buf[16];
	ssize_t len;

	if (cg_enter("a/b/c"))
		return KSFT_FAIL;
	/* No page faults of our own while allocations fail. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	mif_fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (nth_fd < 0 || mif_fd < 0) {
		diag("fail-nth or make-it-fail: %s", strerror(errno));
		return KSFT_FAIL;
	}

	/* Two thirds of the time for fail-nth, shared by the operations. */
	nth_until = elapsed() + (until - elapsed()) * 2 / 3;
	for (op = 0; op < NR_FAULT_OPS; op++) {
		op_until = elapsed() + (nth_until - elapsed()) /
			   (NR_FAULT_OPS - op);
		for (n = 1; n < 400 && elapsed() < op_until; n++) {
			len = snprintf(buf, sizeof(buf), "%d", n);
			if (pwrite(nth_fd, buf, len, 0) != len) {
				diag("fail-nth: %s", strerror(errno));
				return KSFT_FAIL;
			}
			err = fault_op(op);
			len = pread(nth_fd, buf, sizeof(buf) - 1, 0);
			pwrite(nth_fd, "0", 1, 0);
			fault_unpin();
			if (len <= 0)
				return KSFT_FAIL;
			buf[len] = '\0';
			left = atoi(buf);
			if (left) {
				/* Ran through: no more fault points. */
				if (err) {
					diag("op %d failed with no fault: %s",
					     op, strerror(-err));
					fstats->bad++;
				}
				break;
			}
			fstats->injected++;
			if (err)
				fault_count(err);
			else
				fstats->ok_despite++;
			if (err && err != -ENOMEM && fault_op_creates(op)) {
				diag("op %d, fault %d: %s, expected ENOMEM",
				     op, n, strerror(-err));
				fstats->bad++;
			}
		}
		diag("op %d: %d fault points%s", op, n - 1,
		     elapsed() < op_until ? "" : ", out of time");
	}

	/* Every Nth allocation of this task fails, N of 2, 3, 5, 7, 11. */
	for (n = 0; n < 5 && elapsed() < until; n++) {
		static const char * const intervals[] = {
			"2", "3", "5", "7", "11",
		};

		/* "times" counts down the faults injected. */
		if (fault_setup(FAILSLAB, true, intervals[n], "100000") ||
		    fault_setup(FAILPAGE, true, intervals[n], "100000"))
			return KSFT_FAIL;
		if (write(mif_fd, "1", 1) != 1)
			return KSFT_FAIL;
		for (op = 0; op < NR_FAULT_OPS * 4 &&
			    (op < NR_FAULT_OPS || elapsed() < until); op++) {
			err = fault_op(op % NR_FAULT_OPS);
			fstats->random_runs++;
			if (err)
				fstats->random_errors++;
			fault_unpin();
		}
		/* This write allocates nothing, so it cannot fail. */
		while (write(mif_fd, "0", 1) != 1)
			;
		fstats->random_injected +=
			2 * 100000 - read_long(FAILSLAB "/times") -
			read_long(FAILPAGE "/times");
		fault_off();
	}
	return KSFT_PASS;
}

static int test_faults(void)
{
	char val[PATH_MAX];
	double until;
	int ret = KSFT_PASS, err;
	struct stat st;

	if (stat(FAILSLAB, &st) || stat(FAILPAGE, &st) ||
	    stat("/proc/self/make-it-fail", &st)) {
		printf("# failslab or fail_page_alloc is not available\n");
		return KSFT_SKIP;
	}
	if (budget_left(40) < 5) {
		diag("no time left for fault injection");
		return KSFT_SKIP;
	}
	until = elapsed() + (budget_left(40) < FAULT_SECONDS ?
			     budget_left(40) : FAULT_SECONDS);
	memset(fstats, 0, sizeof(*fstats));
	fault_off();
	if (fault_setup(FAILSLAB, false, "1", "-1") ||
	    fault_setup(FAILPAGE, false, "1", "-1"))
		return KSFT_FAIL;
	if (run_child(fault_worker, &until))
		ret = KSFT_FAIL;
	fault_off();

	diag("fail-nth: %d faults injected, %d operations failed, %d "
	     "succeeded anyway", fstats->injected, fstats->errors,
	     fstats->ok_despite);
	for (err = 0; err < 256; err++)
		if (fstats->errnos[err])
			diag("  %d failed with %s", fstats->errnos[err],
			     err ? strerror(err) : "errno >= 256");
	diag("make-it-fail: %d faults injected, %d operations, %d failed",
	     fstats->random_injected, fstats->random_runs,
	     fstats->random_errors);
	if (fstats->bad || !fstats->injected || !fstats->errors) {
		diag("%d unexpected outcomes", fstats->bad);
		ret = KSFT_FAIL;
	}

	/* No failed creation OOM-killed anything. */
	if (read_key(file_of("a", "memory.events"), "oom_kill") > 0) {
		diag("oom_kill in a during the faults");
		ret = KSFT_FAIL;
	}

	/* Everything works again, and the file holds a value written. */
	if (!target_read("a/b/c", val, sizeof(val)) ||
	    (strcmp(val, "") && strcmp(val, cgn("a")))) {
		diag("a/b/c reads \"%s\" after the faults", val);
		ret = KSFT_FAIL;
	}
	for (err = 0; err < NR_FAULT_OPS; err++) {
		if (fault_op(err)) {
			diag("op %d fails after the faults: %s", err,
			     strerror(errno));
			ret = KSFT_FAIL;
		}
	}
	target_set("a/b/c", NULL);
	return ret;
}

/* ---- 7. delegation ---------------------------------------------------- */

#define DEL_MAX		(16 * SZ_1M)

/*
 * A delegated subtree: "del" with memory.max, its directory, cgroup.procs,
 * cgroup.threads, cgroup.subtree_control and memory.bpf_charge_target
 * owned by uid 65534.  A task of uid 65534 with CAP_BPF, but without
 * CAP_SYS_ADMIN, creates del/w, moves there, enables memory below del and
 * tries every write that would move its BPF memory out of del.
 */
static int del_task(void *unused __attribute__((unused)))
{
	const char *vals[] = { cgn("del/w"), cgn("del"), cgn(""), "/", "\n" };
	long before, after;
	bool ok = true;
	size_t i;
	int fd, r;

	if (become(NOBODY, 1ULL << CAP_BPF))
		return KSFT_FAIL;
	if (mkdir(cgp("del/w"), 0755) || cg_enter("del/w") ||
	    write_str(file_of("del", "cgroup.subtree_control"), "+memory")) {
		diag("delegatee setting up del/w: %s", strerror(errno));
		return KSFT_FAIL;
	}
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		ok &= expect_write("delegatee on del/w", "del/w", vals[i],
				   strlen(vals[i]), 0, -EPERM, "");
		ok &= expect_write("delegatee on del", "del", vals[i],
				   strlen(vals[i]), 0, -EPERM, "");
	}
	ok &= expect_str("delegatee", file_of("del/w", EFFECTIVE_FILE),
			 cgn("del/w"));

	/* A quarter of memory.max fits, and is charged inside del/w. */
	before = read_long(file_of("del/w", "memory.current"));
	fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 4096, DEL_MAX / 4 / 4096, 0);
	after = read_long(file_of("del/w", "memory.current"));
	if (fd < 0) {
		diag("map of memory.max / 4 in del: %s", strerror(errno));
		ok = false;
	} else {
		/* Allow the margin for stocks drawn or returned meanwhile. */
		if (after - before < DEL_MAX / 4 - margin()) {
			diag("del/w grew by %ld for a %ld byte map",
			     after - before, DEL_MAX / 4);
			owner_is("delegatee's map", fd, CGROOT, cgp("del/w"));
			diag("del %ld, top %ld",
			     read_long(file_of("del", "memory.current")),
			     read_long(file_of("", "memory.current")));
			ok = false;
		}
		close(fd);
	}

	/*
	 * A map twice the size of del's memory.max cannot be created: its
	 * values are one area allocated at creation, charged inside del.
	 * ENOMEM is what the documentation gives, and what the kernel
	 * returns when a charge over memory.max fails.
	 */
	fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 4096, 2 * DEL_MAX / 4096, 0);
	if (fd >= 0 || errno != ENOMEM) {
		diag("map of 2 x memory.max in del: %s, expected ENOMEM",
		     fd >= 0 ? "created" : strerror(errno));
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	/* The documented failure: ENOMEM, and no OOM kill for it. */
	if (read_key(file_of("del", "memory.events"), "oom_kill")) {
		diag("creating a map over del's memory.max OOM-killed");
		ok = false;
	}

	/*
	 * No waiting here: the failed map's pages were uncharged before
	 * bpf(2) returned, so what follows finds del where a user would.
	 */

	/* Root of its own user namespace changes nothing. */
	r = userns_enter();
	if (!r) {
		ok &= expect_write("delegatee in a user namespace", "del/w",
				   cgn("del"), strlen(cgn("del")), 0, -EPERM,
				   "");
	} else if (r != -EPERM && r != -ENOSPC) {
		ok = false;
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* What the administrator can do: charge del's objects to the top cgroup. */
static int del_admin_task(void *unused __attribute__((unused)))
{
	int fd;

	if (cg_enter("del/w") || become(NOBODY, 1ULL << CAP_BPF))
		return KSFT_FAIL;
	fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 4096, 2 * DEL_MAX / 4096, 0);
	if (fd < 0) {
		diag("map of 2 x memory.max, charged to the top cgroup: %s",
		     strerror(errno));
		return KSFT_FAIL;
	}
	close(fd);
	return KSFT_PASS;
}

static int test_delegation(void)
{
	static const char * const owned[] = {
		"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
		TARGET_FILE,
	};
	char buf[32];
	int ret = KSFT_PASS;
	long ooms;
	size_t i;
	pid_t pid;

	if (cg_mkdir("del"))
		return KSFT_FAIL;
	snprintf(buf, sizeof(buf), "%ld", DEL_MAX);
	if (write_str(file_of("del", "memory.max"), buf))
		return KSFT_FAIL;
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		if (chown(file_of("del", owned[i]), NOBODY, NOBODY)) {
			diag("chown %s: %s", file_of("del", owned[i]),
			     strerror(errno));
			return KSFT_FAIL;
		}
	}

	/* The administrator puts the delegatee into del. */
	fflush(NULL);
	pid = fork();
	if (!pid) {
		if (cg_enter("del"))
			_exit(KSFT_FAIL);
		_exit(del_task(NULL));
	}
	if (reap(pid))
		ret = KSFT_FAIL;
	ooms = read_key(file_of("del", "memory.events"), "oom_kill");
	if (ooms) {
		diag("del has %ld OOM kills", ooms);
		ret = KSFT_FAIL;
	}

	/* Positive control: the admin's setting on the top does escape. */
	if (target_set("", cgn("")) || run_child(del_admin_task, NULL))
		ret = KSFT_FAIL;
	target_set("", NULL);

	if (cg_rmdir("del/w") || cg_rmdir("del"))
		ret = KSFT_FAIL;
	return ret;
}

/* ---- path through a file ---------------------------------------------- */

/*
 * A path that goes on below a file: no cgroup has it.  The file is held
 * open, as it would be by any reader on a live system.
 */
static int test_path_through_file(void)
{
	char path[PATH_MAX];
	bool ok = true;
	int fd, ret;

	fd = open(file_of("a", "cgroup.procs"), O_RDONLY);
	if (fd < 0)
		return KSFT_FAIL;
	snprintf(path, sizeof(path), "%s/cgroup.procs/x", cgn("a"));
	diag("writing \"%s\" while that file is open", path);
	/* No cgroup has that path; ENOTDIR would be as right as ENOENT. */
	ret = target_set("a/b", path);
	if (ret != -ENOENT && ret != -ENOTDIR) {
		diag("below an open file: %s", strerror(-ret));
		ok = false;
	}
	close(fd);
	ret = target_set("a/b", path);
	if (ret != -ENOENT && ret != -ENOTDIR) {
		diag("below a closed file: %s", strerror(-ret));
		ok = false;
	}
	ok &= expect_str("below a file", file_of("a/b", TARGET_FILE), "");
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/* ---- driver ----------------------------------------------------------- */

static int settle_writes(void) { return settle("writes", false); }
static int settle_privilege(void) { return settle("privilege", false); }
static int settle_cgroupns(void) { return settle("cgroupns", false); }
static int settle_races(void) { return settle("races", false); }
static int settle_faults(void) { return settle("faults", false); }
static int settle_delegation(void) { return settle("delegation", true); }

static struct test {
	const char *name;
	int (*fn)(void);
	bool begins_group;
} tests[] = {
	{ "writes", test_writes, true },
	{ "rmdir_race", test_rmdir_race, false },
	{ "settle_writes", settle_writes, false },
	{ "privilege", test_privilege, true },
	{ "settle_privilege", settle_privilege, false },
	{ "cgroupns", test_cgroupns, true },
	{ "settle_cgroupns", settle_cgroupns, false },
	{ "races", test_races, true },
	{ "settle_races", settle_races, false },
	{ "faults", test_faults, true },
	{ "settle_faults", settle_faults, false },
	{ "delegation", test_delegation, true },
	{ "settle_delegation", settle_delegation, false },
	/* Last: it crashes kernels that walk into a file's node. */
	{ "path_through_file", test_path_through_file, true },
};

#define NR_TESTS	(sizeof(tests) / sizeof(tests[0]))

static void cleanup(void)
{
	char rel[64];
	int i;

	fault_off();
	unlink(NS_PIN);
	unlink(PIN_PREFIX "fault");
	race_unpin(RACE_BPF_WORKERS, RACE_BPF_ITERS);
	for (i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "a/b/r%d/q", i);
		rmdir(cgp(rel));
		snprintf(rel, sizeof(rel), "a/b/r%d", i);
		rmdir(cgp(rel));
	}
	rmdir(cgp("a/b/k/kk"));
	rmdir(cgp("a/b/k"));
	rmdir(cgp("a/b/n/x"));
	rmdir(cgp("a/b/n/y"));
	rmdir(cgp("a/b/n"));
	rmdir(cgp("del/w"));
	rmdir(cgp("del"));
	rmdir(STOCK_CG);
	tree_destroy();
}

static bool skipped(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int pass = 0, fail = 0, skip = 0, ret;
	struct statfs st;
	struct stat sb;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &start_ts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (argc > 1 && !strcmp(argv[1], "-h")) {
		printf("usage: %s [TEST...]: run all tests, skipping the ones "
		       "named\n", argv[0]);
		return 0;
	}

	printf("TAP version 13\n");
	if (geteuid()) {
		printf("1..0 # SKIP must run as root\n");
		return KSFT_SKIP;
	}
	if (statfs(BPFFS, &st) || st.f_type != BPF_FS_MAGIC) {
		printf("1..0 # SKIP bpffs is not mounted at %s\n", BPFFS);
		return KSFT_SKIP;
	}
	cleanup();
	if (tree_create()) {
		cleanup();
		printf("1..0 # SKIP cannot create %s with memory enabled\n",
		       cgp(""));
		return KSFT_SKIP;
	}
	if (stat(file_of("a", TARGET_FILE), &sb)) {
		cleanup();
		printf("1..0 # SKIP %s missing: the kernel lacks "
		       "memory.bpf_charge_target\n", TARGET_FILE);
		return KSFT_SKIP;
	}
	have_kmemleak = !stat(KMEMLEAK, &sb) && !write_str(KMEMLEAK, "clear");
	race_shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fstats = (void *)(race_shared + 5);
	if (race_shared == MAP_FAILED)
		return KSFT_FAIL;

	printf("1..%zu\n", NR_TESTS);
	for (i = 0; i < NR_TESTS; i++) {
		if (skipped(argc, argv, tests[i].name)) {
			printf("ok %zu %s # SKIP by request\n", i + 1,
			       tests[i].name);
			skip++;
			continue;
		}
		if (tests[i].begins_group)
			group_begin();
		diag("%s, at %.1f s", tests[i].name, elapsed());
		ret = tests[i].fn();
		switch (ret) {
		case KSFT_PASS:
			printf("ok %zu %s\n", i + 1, tests[i].name);
			pass++;
			break;
		case KSFT_SKIP:
			printf("ok %zu %s # SKIP\n", i + 1, tests[i].name);
			skip++;
			break;
		default:
			printf("not ok %zu %s\n", i + 1, tests[i].name);
			fail++;
			break;
		}
		fflush(stdout);
	}
	cleanup();
	diag("kmemleak reports: %d; run time %.1f s", kmemleak_reports,
	     elapsed());
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	return fail ? KSFT_FAIL : KSFT_PASS;
}
