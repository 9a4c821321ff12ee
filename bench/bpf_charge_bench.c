// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_charge_bench - what memory.bpf_charge_target costs the bpf(2) paths
 *
 *   bpf_charge_bench [-t SECONDS] [-l | -s]
 *
 * Runs as root in a guest with cgroup v2 mounted at /sys/fs/cgroup and the
 * memory controller enabled in the root.  Measures, with raw bpf(2) calls:
 *
 *   array_create   BPF_MAP_CREATE + close of an array map (64 x 8 bytes)
 *   hash_create    BPF_MAP_CREATE + close of a preallocated hash map (64)
 *   prog_load      BPF_PROG_LOAD + close of a socket filter of 64 insns
 *                  (63 x "r0 = 0", exit)
 *   hash_update    BPF_MAP_UPDATE_ELEM of a new key in a BPF_F_NO_PREALLOC
 *                  hash map: each one allocates an element
 *   hash_delete    BPF_MAP_DELETE_ELEM of those keys: frees the elements
 *   hash_lookup    BPF_MAP_LOOKUP_ELEM of a present key
 *   getppid        getppid(), a syscall the series does not touch: the
 *                  control, showing how fast the machine was
 *
 * each with the creating task at cgroup depth 1 (/bench), depth 8
 * (/bench/c2/.../c8) and depth 32 (/bench/c2/.../c32), with no charge
 * target ("none") and with "/bench" written to
 * /sys/fs/cgroup/bench/memory.bpf_charge_target ("target").  At depth 1 the
 * target names the creator's own cgroup; at depth 8 and 32, the ancestor 7
 * and 31 levels up.  With -l, "/bench" is written into the creator's own
 * cgroup instead: the same target, set on the creator's cgroup rather than
 * inherited from up the tree.  With -s, the creator's own path is written
 * into its own cgroup: the kernel finds a target, but the object stays
 * where it would be charged without one, which separates the cost of
 * finding the target from the cost of charging another cgroup.  The kernel
 * finds the target at creation by walking up from the creator's memcg to
 * the first one that has a target set, so with no -l or -s the walk is as
 * long as the depth; with -l or -s it stops at the creator's own cgroup.
 * In "none" no cgroup on the way has a target, and since a target has been
 * written once this boot (a static key skips the walk until then), the
 * walk goes on to the root: "none" at depth 32 is the longest walk.  The hash
 * map of the update, delete and lookup figures is created in the same
 * setting, so its elements are charged where that setting says.
 *
 * When the kernel has no memory.bpf_charge_target (the unpatched base), the
 * "target" cases are measured all the same, in the same cgroup with nothing
 * set, and "BENCHINFO target_file absent" is printed: they are the base
 * kernel's figures for the same workload, so that a patched/base ratio can
 * be computed for every case, and "target" against "none" on the base shows
 * the noise of the measurement.
 *
 * Every figure runs for a fixed time in each setting (-t, default 1 s;
 * twice that for prog_load, and for hash_update and hash_delete, which
 * share it), in blocks of 50 ms (one
 * fill and drain of 1024 keys for the updates) that alternate the two
 * settings, none, target, target, none, none, target, ..., so that a change
 * in the machine's speed hits both alike.  The creation figures write the
 * target file between blocks; the element figures alternate between two
 * maps, one created in each setting.  Each operation is timed on its own
 * with CLOCK_MONOTONIC.  The machine may be shared with other guests: an
 * operation during which the host ran something else takes far longer than
 * the others, and under TCG such operations are not rare.  The figure is
 * therefore taken from the 10th percentile of the time per operation, the
 * part of the distribution that interference leaves alone, and printed as
 * operations per second (1 / that time):
 *
 *   BENCH d32.target.prog_load 401.2 ops/s
 *
 * For the record, the percentiles and the plain throughput (operations over
 * the total time, interference included):
 *
 *   BENCHLAT d32.target.prog_load min 2401100 p10 2492500 p25 ... p50 ... p90 ... ns (N ops)
 *   BENCHTPUT d32.target.prog_load 280.4 ops/s
 *
 * Exit status: 0 when every measurement ran, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../tests/bpf_sys.h"

#define CGROOT		"/sys/fs/cgroup"
#define BENCH_CG	CGROOT "/bench"
#define TARGET_FILE	BENCH_CG "/memory.bpf_charge_target"
#define MID_DEPTH	8
#define MAX_DEPTH	32
#define PROG_INSNS	64
#define HASH_KEYS	1024
#define CREATE_ENTRIES	64
#define MAX_SAMPLES	(1 << 19)
#define BLOCK_SECS	0.05

enum figure {
	ARRAY_CREATE,
	HASH_CREATE,
	PROG_LOAD,
	HASH_UPDATE,
	HASH_DELETE,
	HASH_LOOKUP,
	GETPPID,
	NR_FIGURES,
};

static const char * const figure_name[NR_FIGURES] = {
	[ARRAY_CREATE]	= "array_create",
	[HASH_CREATE]	= "hash_create",
	[PROG_LOAD]	= "prog_load",
	[HASH_UPDATE]	= "hash_update",
	[HASH_DELETE]	= "hash_delete",
	[HASH_LOOKUP]	= "hash_lookup",
	[GETPPID]	= "getppid",
};

/* The operations of one figure in one setting. */
struct samples {
	uint32_t ns[MAX_SAMPLES];
	long n;			/* operations timed */
	double secs;		/* time spent in the windows */
};

/* [0]: no target, [1]: target */
static struct samples samples[2][NR_FIGURES];

static double run_secs = 1.0;
static int have_target_file;
static int target_on_leaf;
static char target_file[4200] = TARGET_FILE;
static char target_value[4200] = "/bench\n";
static int target_self;
static int maps[2];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bpf_charge_bench: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void record(struct samples *s, uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0;

	if (s->n < MAX_SAMPLES)
		s->ns[s->n] = d > UINT32_MAX ? UINT32_MAX : d;
	s->n++;
}

static void write_file(const char *path, const char *val)
{
	ssize_t len = strlen(val);
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (write(fd, val, len) != len)
		die("write \"%s\" to %s: %s", val, path, strerror(errno));
	close(fd);
}

static void make_cgroup(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir %s: %s", path, strerror(errno));
}

static void enter_cgroup(const char *path)
{
	char file[4096], pid[32];

	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	write_file(file, pid);
}

static void set_target(int on)
{
	if (have_target_file)
		write_file(target_file, on ? target_value : "\n");
}

static int map_create(int type, __u32 flags, __u32 entries)
{
	return sys_map_create(type, 4, 8, entries, flags);
}

static int prog_load(void)
{
	static struct bpf_insn insns[PROG_INSNS];
	int i;

	for (i = 0; i < PROG_INSNS - 1; i++)
		insns[i] = (struct bpf_insn) {
			.code = BPF_ALU64 | BPF_MOV | BPF_K,
			.dst_reg = BPF_REG_0,
		};
	insns[i] = (struct bpf_insn) { .code = BPF_JMP | BPF_EXIT };

	return sys_prog_load(insns, PROG_INSNS);
}

static int elem(int cmd, int map, __u32 key, __u64 *value, __u64 flags)
{
	return sys_map_elem(cmd, map, &key, value, flags);
}

/* One create-and-close or load-and-close. */
static void create_one(enum figure fig)
{
	int fd;

	switch (fig) {
	case ARRAY_CREATE:
		fd = map_create(BPF_MAP_TYPE_ARRAY, 0, CREATE_ENTRIES);
		break;
	case HASH_CREATE:
		fd = map_create(BPF_MAP_TYPE_HASH, 0, CREATE_ENTRIES);
		break;
	default:
		fd = prog_load();
		break;
	}
	if (fd < 0)
		die("%s: %s", figure_name[fig], strerror(errno));
	close(fd);
}

/* Insert @keys new keys; time each update into @s when it is not NULL. */
static void fill(int map, __u32 keys, struct samples *s)
{
	uint64_t t0, t1 = now_ns();
	__u64 value = 1;
	__u32 k;

	for (k = 0; k < keys; k++) {
		t0 = t1;
		if (elem(BPF_MAP_UPDATE_ELEM, map, k, &value, BPF_NOEXIST))
			die("hash_update: %s", strerror(errno));
		t1 = now_ns();
		if (s)
			record(s, t0, t1);
	}
}

static void drain(int map, __u32 keys, struct samples *s)
{
	uint64_t t0, t1 = now_ns();
	__u32 k;

	for (k = 0; k < keys; k++) {
		t0 = t1;
		if (elem(BPF_MAP_DELETE_ELEM, map, k, NULL, 0))
			die("hash_delete: %s", strerror(errno));
		t1 = now_ns();
		if (s)
			record(s, t0, t1);
	}
}

/* One timed operation of a figure that run_block() loops on. */
static void timed_op(enum figure fig, int map, __u32 *k)
{
	__u64 value;

	switch (fig) {
	case HASH_LOOKUP:
		if (elem(BPF_MAP_LOOKUP_ELEM, map, *k, &value, 0))
			die("hash_lookup: %s", strerror(errno));
		*k = (*k + 1) % HASH_KEYS;
		break;
	case GETPPID:
		syscall(SYS_getppid);
		break;
	default:
		create_one(fig);
		break;
	}
}

/* Run @fig for a block of time, or one fill and drain for the updates. */
static void run_block(enum figure fig, int on, uint64_t until)
{
	struct samples *s = &samples[on][fig];
	uint64_t t0, t1 = now_ns();
	__u32 k = 0;

	if (fig == HASH_UPDATE) {
		fill(maps[on], HASH_KEYS, s);
		drain(maps[on], HASH_KEYS, &samples[on][HASH_DELETE]);
		return;
	}
	do {
		t0 = t1;
		timed_op(fig, maps[on], &k);
		t1 = now_ns();
		record(s, t0, t1);
	} while (t1 < until);
}

/*
 * Measure @fig for run_secs (twice that for the updates and the program
 * loads) in each setting, in blocks of BLOCK_SECS that alternate the two
 * settings in the order none, target, target, none, ... so that a change
 * in the machine's speed hits both alike.  Only the creation figures need
 * the target written: the element figures alternate between the two maps.
 */
static void measure(enum figure fig)
{
	double total = fig == HASH_UPDATE || fig == PROG_LOAD ?
		       4 * run_secs : 2 * run_secs;
	uint64_t start, t0, t1;
	int b, on;

	start = now_ns();
	for (b = 0; b % 4 || now_ns() - start < total * 1e9; b++) {
		on = (b ^ (b >> 1)) & 1;
		if (fig <= PROG_LOAD)
			set_target(on);
		t0 = now_ns();
		run_block(fig, on, t0 + BLOCK_SECS * 1e9);
		t1 = now_ns();
		samples[on][fig].secs += (t1 - t0) / 1e9;
		if (fig == HASH_UPDATE)
			samples[on][HASH_DELETE].secs += (t1 - t0) / 1e9;
	}
	set_target(0);
}

/* All figures, in the current cgroup, in both settings. */
static void measure_all(void)
{
	int on, fig;

	/* The maps of the element figures: one per setting. */
	for (on = 0; on < 2; on++) {
		set_target(on);
		maps[on] = map_create(BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC,
				      HASH_KEYS);
		if (maps[on] < 0)
			die("hash map (no prealloc): %s", strerror(errno));
	}
	set_target(0);

	/* Warm up. */
	for (on = 0; on < 2; on++) {
		for (fig = ARRAY_CREATE; fig <= PROG_LOAD; fig++)
			create_one(fig);
		fill(maps[on], HASH_KEYS / 8, NULL);
		drain(maps[on], HASH_KEYS / 8, NULL);
	}

	for (fig = 0; fig < NR_FIGURES; fig++) {
		if (fig == HASH_DELETE)
			continue;	/* measured with HASH_UPDATE */
		if (fig == HASH_LOOKUP)
			for (on = 0; on < 2; on++)
				fill(maps[on], HASH_KEYS, NULL);
		measure(fig);
	}
	close(maps[0]);
	close(maps[1]);
}

static void swap32(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

/* The k-th smallest of a[0..n-1] (quickselect; reorders a). */
static uint32_t kth(uint32_t *a, long n, long k)
{
	long lo = 0, hi = n - 1, i, j;
	uint32_t pivot;

	while (lo < hi) {
		pivot = a[lo + (hi - lo) / 2];
		i = lo;
		j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j)
				swap32(&a[i++], &a[j--]);
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

static void report(int depth, const char *target, struct samples *s)
{
	uint32_t min, p10, p25, p50, p90;
	long n;
	int f;

	for (f = 0; f < NR_FIGURES; f++) {
		n = s[f].n < MAX_SAMPLES ? s[f].n : MAX_SAMPLES;
		if (!n)
			die("%s: nothing measured", figure_name[f]);
		p50 = kth(s[f].ns, n, n / 2);
		p25 = kth(s[f].ns, n, n / 4);
		p10 = kth(s[f].ns, n, n / 10);
		p90 = kth(s[f].ns, n, n * 9 / 10);
		min = kth(s[f].ns, n, 0);
		printf("BENCH d%d.%s.%s %.1f ops/s\n", depth, target,
		       figure_name[f], 1e9 / (p10 ? p10 : 1));
		printf("BENCHLAT d%d.%s.%s min %u p10 %u p25 %u p50 %u p90 %u ns (%ld ops)\n",
		       depth, target, figure_name[f], min, p10, p25, p50, p90, s[f].n);
		printf("BENCHTPUT d%d.%s.%s %.1f ops/s\n", depth, target,
		       figure_name[f], s[f].n / s[f].secs);
	}
	fflush(stdout);
}

/* Measure at @depth, in @path. */
static void bench_depth(int depth, const char *path)
{
	uint64_t start = now_ns();
	int on, f;

	for (on = 0; on < 2; on++)
		for (f = 0; f < NR_FIGURES; f++) {
			samples[on][f].n = 0;
			samples[on][f].secs = 0;
		}
	enter_cgroup(path);
	if (target_on_leaf)
		snprintf(target_file, sizeof(target_file),
			 "%s/memory.bpf_charge_target", path);
	if (target_self)
		snprintf(target_value, sizeof(target_value), "%s\n",
			 path + strlen(CGROOT));
	measure_all();
	report(depth, "none", samples[0]);
	report(depth, "target", samples[1]);
	printf("BENCHINFO depth %d took %.1f s\n", depth,
	       (now_ns() - start) / 1e9);
}

static void print_clocksource(void)
{
	char buf[64] = "?";
	FILE *f;

	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "?");
		buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	printf("BENCHINFO clocksource %s\n", buf);
}

int main(int argc, char **argv)
{
	char path[4096], file[4200];
	size_t len;
	int opt, d;

	while ((opt = getopt(argc, argv, "t:ls")) != -1) {
		switch (opt) {
		case 't':
			run_secs = atof(optarg);
			break;
		case 'l':
			target_on_leaf = 1;
			break;
		case 's':
			target_on_leaf = 1;
			target_self = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-l | -s]\n",
				argv[0]);
			return 1;
		}
	}
	if (run_secs <= 0)
		die("bad -t");

	make_cgroup(BENCH_CG);
	have_target_file = access(TARGET_FILE, F_OK) == 0;
	printf("BENCHINFO target_file %s\n",
	       have_target_file ? "present" : "absent");
	printf("BENCHINFO run %.2f s per figure and setting\n", run_secs);
	printf("BENCHINFO target written in %s, naming %s\n",
	       target_on_leaf ? "the creator's cgroup" : "/bench",
	       target_self ? "that cgroup" : "/bench");
	print_clocksource();

	/* Depth 1: the creator in /bench itself. */
	bench_depth(1, BENCH_CG);

	/*
	 * Depth 8 and 32: /bench/c2/.../c8 and on to c32, memory enabled at
	 * every level.  A cgroup that enables controllers for its children
	 * holds no tasks: leave each measured cgroup before going deeper.
	 */
	enter_cgroup(CGROOT);
	write_file(BENCH_CG "/cgroup.subtree_control", "+memory");
	snprintf(path, sizeof(path), "%s", BENCH_CG);
	for (d = 2; d <= MAX_DEPTH; d++) {
		len = strlen(path);
		snprintf(path + len, sizeof(path) - len, "/c%d", d);
		make_cgroup(path);
		if (d == MID_DEPTH) {
			bench_depth(MID_DEPTH, path);
			enter_cgroup(CGROOT);
		}
		if (d < MAX_DEPTH) {
			snprintf(file, sizeof(file), "%s/cgroup.subtree_control",
				 path);
			write_file(file, "+memory");
		}
	}
	bench_depth(MAX_DEPTH, path);

	enter_cgroup(CGROOT);
	print_clocksource();
	printf("BENCHINFO done\n");
	return 0;
}
