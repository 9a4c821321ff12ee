// SPDX-License-Identifier: GPL-2.0
/*
 * The owner of BPF objects with the memory controller on a cgroup v1
 * hierarchy.
 *
 * Distribution kernels build CONFIG_MEMCG_V1, and a node may mount the
 * memory controller on v1.  The memcg a BPF object is charged to then
 * lives on the v1 hierarchy, and has no path relative to a cgroup v2
 * namespace.  The 7.3 series reports it by id all the same:
 * memcg_cgroup_id in bpf_map_info and bpf_prog_info is the cgroup id of
 * that v1 memory cgroup, the inode number of its directory on the v1
 * hierarchy.  The 6.12 series (v2) has no such field; it prints the owner
 * in fdinfo as a cgroup v2 path, and no line at all for a v1 memcg
 * (asking kernfs for that path WARNs, on every read of any map's or
 * program's fdinfo).
 *
 * Expects the guest booted with guest.memcg_v1 (see guest/init), which
 * mounts the memory controller on v1 at /run/memcg-v1 instead of enabling
 * it on cgroup v2.  For a map and a program created in the v1 root and in
 * a v1 child, two tests:
 *
 *   fdinfo  it reads whole, with its usual lines, and without a "memcg:"
 *           line (7.3 prints none anywhere, 6.12 none for v1)
 *   owner   memcg_cgroup_id is the cgroup id of the v1 memory cgroup the
 *           object was created in.  It fails when the kernel reports
 *           nothing: no field, or 0.  Only a 6.x kernel (the 6.12 series)
 *           may lack the field, and there the test is skipped.
 *
 * The host fails the boot on any kernel warning, so a WARN is caught even
 * though this program cannot see it.
 *
 * Output: kselftest TAP; the exit status is non-zero when a test fails.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf_sys.h"

#define V1_MOUNT "/run/memcg-v1"
#define V1_CHILD V1_MOUNT "/owner-test"

static int tests, failed;

static void result(bool ok, const char *name, const char *skip)
{
	tests++;
	if (!ok)
		failed++;
	printf("%sok %d %s%s%s\n", ok ? "" : "not ", tests, name,
	       skip ? " # SKIP " : "", skip ? skip : "");
	fflush(stdout);
}

static int map_create(void)
{
	return sys_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0);
}

static int prog_load(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return sys_prog_load(insns, 2);
}

/* The major version of the running kernel, or -1. */
static int kernel_major(void)
{
	struct utsname u;

	return uname(&u) ? -1 : atoi(u.release);
}

/* Read fdinfo of @fd into @buf; false when the read fails. */
static bool read_fdinfo(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t len;
	int info;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = open(path, O_RDONLY);
	if (info < 0)
		return false;
	len = read(info, buf, size - 1);
	close(info);
	if (len < 0)
		return false;
	buf[len] = '\0';
	return true;
}

/* fdinfo of @fd reads, has the line starting with @key, no memcg line. */
static void check_fdinfo(int fd, const char *key, const char *name)
{
	char buf[4096], *memcg;
	bool ok;

	ok = read_fdinfo(fd, buf, sizeof(buf));
	if (!ok) {
		printf("# %s: reading fdinfo: %s\n", name, strerror(errno));
	} else if (!strstr(buf, key)) {
		printf("# %s: fdinfo has no \"%s\" line\n", name, key);
		ok = false;
	} else if ((memcg = strstr(buf, "memcg:"))) {
		printf("# %s: fdinfo names a memcg: %.*s\n", name,
		       (int)strcspn(memcg, "\n"), memcg);
		ok = false;
	}
	result(ok, name, NULL);
}

/* memcg_cgroup_id of @fd is the cgroup id of the v1 directory @dir. */
static void check_owner(int fd, const char *dir, const char *name)
{
	long long want = cgroup_id_of(dir);
	__u64 id;
	int err;

	err = bpf_info_memcg_cgroup_id(fd, &id);
	if (err == -ENODATA && kernel_major() == 6) {
		result(true, name, "no memcg_cgroup_id on 6.x (the 6.12 series, which shows no owner on cgroup v1)");
		return;
	}
	if (err) {
		printf("# %s: %s\n", name, err == -ENODATA ?
		       "the kernel reports no memcg_cgroup_id" : strerror(-err));
		result(false, name, NULL);
		return;
	}
	if (want < 0) {
		printf("# %s: stat %s: %s\n", name, dir, strerror(-want));
		result(false, name, NULL);
		return;
	}
	if (id != (__u64)want) {
		printf("# %s: memcg_cgroup_id %llu, expected %lld, the id of %s%s\n",
		       name, (unsigned long long)id, want, dir,
		       id ? "" : " (0: the kernel reports no owner)");
		result(false, name, NULL);
		return;
	}
	result(true, name, NULL);
}

/* Create a map and a program in the v1 memcg @dir, the one we are in. */
static void check_objects(const char *dir, const char *where)
{
	char name[128];
	int fd;

	fd = map_create();
	snprintf(name, sizeof(name), "map in %s, fdinfo", where);
	if (fd < 0) {
		printf("# %s: creating the map: %s\n", name, strerror(errno));
		result(false, name, NULL);
		snprintf(name, sizeof(name), "map in %s, owner", where);
		result(false, name, NULL);
	} else {
		check_fdinfo(fd, "map_type:", name);
		snprintf(name, sizeof(name), "map in %s, owner", where);
		check_owner(fd, dir, name);
		close(fd);
	}

	fd = prog_load();
	snprintf(name, sizeof(name), "program in %s, fdinfo", where);
	if (fd < 0) {
		printf("# %s: loading the program: %s\n", name, strerror(errno));
		result(false, name, NULL);
		snprintf(name, sizeof(name), "program in %s, owner", where);
		result(false, name, NULL);
	} else {
		check_fdinfo(fd, "prog_type:", name);
		snprintf(name, sizeof(name), "program in %s, owner", where);
		check_owner(fd, dir, name);
		close(fd);
	}
}

static bool move_self(const char *dir)
{
	char path[128];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fprintf(f, "%d\n", getpid()) > 0;
	ok &= fclose(f) == 0;
	return ok;
}

int main(void)
{
	char line[256];
	bool v1 = false;
	FILE *f;

	printf("TAP version 13\n");
	f = fopen("/proc/mounts", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " " V1_MOUNT " cgroup ") &&
		    strstr(line, "memory"))
			v1 = true;
	if (f)
		fclose(f);
	if (!v1) {
		printf("1..0 # SKIP no memory controller mounted on cgroup v1 at "
		       V1_MOUNT " (boot with guest.memcg_v1)\n");
		return 4;
	}

	printf("1..8\n");
	/*
	 * BPF accounting switches on with the first memory cgroup below the
	 * root (memcg_bpf_enabled()): until then no object has an owner to
	 * report.  Create the child first, as any node has cgroups.
	 */
	if (mkdir(V1_CHILD, 0755) && errno != EEXIST)
		printf("# creating " V1_CHILD ": %s\n", strerror(errno));
	check_objects(V1_MOUNT, "the v1 root memcg");

	if (!move_self(V1_CHILD)) {
		printf("# moving into " V1_CHILD ": %s\n", strerror(errno));
		result(false, "map in a v1 child memcg, fdinfo", NULL);
		result(false, "map in a v1 child memcg, owner", NULL);
		result(false, "program in a v1 child memcg, fdinfo", NULL);
		result(false, "program in a v1 child memcg, owner", NULL);
	} else {
		check_objects(V1_CHILD, "a v1 child memcg");
		move_self(V1_MOUNT);
		rmdir(V1_CHILD);
	}

	printf("# %d passed, %d failed\n", tests - failed, failed);
	return failed ? 1 : 0;
}
