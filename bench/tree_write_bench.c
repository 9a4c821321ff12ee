// SPDX-License-Identifier: GPL-2.0
/*
 * How a write to memory.bpf_charge_target scales with the cgroup tree
 * below it, and what it does to a memcg creation that waits for it.
 *
 *   tree_write_bench [-n LIVE,...] [-d DYING] [-r REPEATS]
 *
 * Builds /sys/fs/cgroup/tree_bench with LIVE cgroups below it (a two
 * level tree: up to 100 children, each with the rest spread as leaves),
 * all with the memory controller, then times REPEATS writes of
 * "/tree_bench" and of an empty line into tree_bench's file: a write
 * checks the path and stores one pointer, so its cost should not grow
 * with the tree (it did when writes updated a cached effective target in
 * every memcg below, under a mutex that memcg creation also took).  Then
 * it adds DYING removed cgroups that stay as dying memcgs (each still
 * holds one charged tmpfs page) and times the writes again.  Meanwhile a second
 * process creates and removes a cgroup in a loop and records the longest
 * mkdir; it runs only while the writes run.  At each tree size it also
 * times BPF_MAP_CREATE + close of a small array map from a process in
 * /tree_bench/creator, a sibling of the tree's top-level cgroups, with
 * "/tree_bench" as the target: map creation walks up from the creator's
 * memcg to its parent here, so it should not grow with the tree either.
 *
 * Times are CLOCK_MONOTONIC in the guest.  Under QEMU TCG they are wall
 * time of an emulated machine: good for an order of magnitude and for
 * the growth with the tree, not for a cost in percent.
 *
 * Prints one line per tree size; asserts nothing.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tests/bpf_sys.h"

#define TOP "/sys/fs/cgroup/tree_bench"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val));
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static void die(const char *what)
{
	fprintf(stderr, "tree_write_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int live;

/* Grow the tree to @n live cgroups: TOP/cI, then TOP/cI/lJ. */
static void grow(int n)
{
	char path[128];

	while (live < n) {
		int i = live % 100, j = live / 100;

		if (j == 0) {
			snprintf(path, sizeof(path), TOP "/c%d", i);
			if (mkdir(path, 0755))
				die(path);
			snprintf(path, sizeof(path), TOP "/c%d/cgroup.subtree_control", i);
			if (write_file(path, "+memory"))
				die(path);
		} else {
			snprintf(path, sizeof(path), TOP "/c%d/l%d", i, j);
			if (mkdir(path, 0755))
				die(path);
		}
		live++;
	}
}

/* @n cgroups that stay dying: each keeps a charged tmpfs page. */
static void add_dying(int n)
{
	char path[128], pid[32];
	int i, fd;

	snprintf(pid, sizeof(pid), "%d", getpid());
	mkdir("/dev/shm/tree_bench", 0755);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), TOP "/dying%d", i);
		if (mkdir(path, 0755))
			die(path);
		snprintf(path, sizeof(path), TOP "/dying%d/cgroup.procs", i);
		if (write_file(path, pid))
			die(path);
		snprintf(path, sizeof(path), "/dev/shm/tree_bench/%d", i);
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		if (fd < 0 || write(fd, "x", 1) != 1)
			die(path);
		close(fd);
		if (write_file("/sys/fs/cgroup/cgroup.procs", pid))
			die("back to the root cgroup");
		snprintf(path, sizeof(path), TOP "/dying%d", i);
		if (rmdir(path))
			die(path);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median time of MAP_CREATES creations (and closes) of an array map by a
 * child in TOP/creator, with "/tree_bench" as the target.
 */
#define MAP_CREATES 101

static void measure_map_create(const char *label)
{
	double t[MAP_CREATES], t0;
	union bpf_attr attr;
	int i, fd, status;
	pid_t child;

	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		if (write_file(TOP "/creator/cgroup.procs", "0"))
			die(TOP "/creator/cgroup.procs");
		if (write_file(TOP "/memory.bpf_charge_target", "/tree_bench\n"))
			die("write " TOP "/memory.bpf_charge_target");
		for (i = 0; i < MAP_CREATES; i++) {
			memset(&attr, 0, sizeof(attr));
			attr.map_type = BPF_MAP_TYPE_ARRAY;
			attr.key_size = 4;
			attr.value_size = 8;
			attr.max_entries = 64;
			t0 = now_us();
			fd = sys_bpf(BPF_MAP_CREATE, &attr);
			if (fd < 0)
				die("BPF_MAP_CREATE");
			close(fd);
			t[i] = now_us() - t0;
		}
		if (write_file(TOP "/memory.bpf_charge_target", "\n"))
			die("clear " TOP "/memory.bpf_charge_target");
		qsort(t, MAP_CREATES, sizeof(t[0]), cmp);
		printf("%-28s map create: median %9.3f us  min %9.3f us\n",
		       label, t[MAP_CREATES / 2], t[0]);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("map creation child");
}

static void measure(const char *label, int repeats)
{
	double t[64], t0, worst = 0, *shared;
	int i, status;
	pid_t child;

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	shared[0] = 0;
	shared[1] = 0;
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		/* mkdir takes the target mutex in css_online */
		for (;;) {
			double s = now_us(), d;

			if (mkdir(TOP "/probe", 0755))
				_exit(1);
			d = now_us() - s;
			if (d > shared[0])
				shared[0] = d;
			shared[1]++;
			rmdir(TOP "/probe");
		}
	}
	usleep(20000);
	for (i = 0; i < repeats; i++) {
		t0 = now_us();
		if (write_file(TOP "/memory.bpf_charge_target",
			       i % 2 ? "\n" : "/tree_bench\n"))
			die("write " TOP "/memory.bpf_charge_target");
		t[i] = now_us() - t0;
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	rmdir(TOP "/probe");
	worst = shared[0];
	qsort(t, repeats, sizeof(t[0]), cmp);
	printf("%-28s write: median %9.0f us  min %9.0f us  max %9.0f us   concurrent mkdir: %5.0f done, longest %9.0f us\n",
	       label, t[repeats / 2], t[0], t[repeats - 1], shared[1], worst);
	fflush(stdout);
	munmap(shared, 4096);
}

int main(int argc, char **argv)
{
	int sizes[16] = { 1, 100, 1000, 10000 }, nsizes = 4;
	int dying = 10000, repeats = 9, opt, i;
	char label[64], *s;

	while ((opt = getopt(argc, argv, "n:d:r:")) != -1) {
		switch (opt) {
		case 'n':
			for (nsizes = 0, s = strtok(optarg, ","); s && nsizes < 16;
			     s = strtok(NULL, ","))
				sizes[nsizes++] = atoi(s);
			break;
		case 'd':
			dying = atoi(optarg);
			break;
		case 'r':
			repeats = atoi(optarg);
			if (repeats < 1 || repeats > 64)
				repeats = 9;
			break;
		default:
			fprintf(stderr, "usage: %s [-n LIVE,...] [-d DYING] [-r REPEATS]\n", argv[0]);
			return 2;
		}
	}
	if (access("/sys/fs/cgroup/cgroup.subtree_control", W_OK))
		die("/sys/fs/cgroup");
	if (mkdir(TOP, 0755) && errno != EEXIST)
		die(TOP);
	if (write_file(TOP "/cgroup.subtree_control", "+memory"))
		die(TOP "/cgroup.subtree_control");
	if (access(TOP "/memory.bpf_charge_target", F_OK)) {
		printf("# no memory.bpf_charge_target: nothing to measure\n");
		return 0;
	}
	if (mkdir(TOP "/creator", 0755) && errno != EEXIST)
		die(TOP "/creator");
	printf("# tree below /tree_bench; %d writes each, alternately set and clear\n", repeats);
	for (i = 0; i < nsizes; i++) {
		grow(sizes[i]);
		snprintf(label, sizeof(label), "%d live", live);
		measure(label, repeats);
		measure_map_create(label);
	}
	if (dying > 0) {
		add_dying(dying);
		snprintf(label, sizeof(label), "%d live + %d dying", live, dying);
		measure(label, repeats);
		measure_map_create(label);
	}
	return 0;
}
