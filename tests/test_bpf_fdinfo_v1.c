// SPDX-License-Identifier: GPL-2.0
/*
 * BPF fdinfo with the memory controller on a cgroup v1 hierarchy.
 *
 * Distribution kernels build CONFIG_MEMCG_V1, and a node may mount the
 * memory controller on v1.  The memcg a BPF object is charged to then
 * lives on the v1 hierarchy, and has no path relative to the reader's
 * cgroup v2 namespace: asking kernfs for one WARNs, on every read of any
 * map's or program's fdinfo.  The series prints no "memcg:" line there.
 *
 * Expects the guest booted with guest.memcg_v1 (see guest/init), which
 * mounts the memory controller on v1 at /run/memcg-v1 instead of enabling
 * it on cgroup v2.  For a map and a program created in the v1 root and in
 * a v1 child, it checks that fdinfo reads whole, with its usual lines and
 * without a "memcg:" line.  The host fails the boot on any kernel
 * warning, so the WARN is caught even though this program cannot see it.
 *
 * Output: kselftest TAP.
 */
#define _GNU_SOURCE

#include <linux/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define V1_MOUNT "/run/memcg-v1"
#define V1_CHILD V1_MOUNT "/fdinfo-test"

static int tests, failed;

static void result(bool ok, const char *name)
{
	tests++;
	if (!ok)
		failed++;
	printf("%sok %d %s\n", ok ? "" : "not ", tests, name);
	fflush(stdout);
}

static int sys_bpf(enum bpf_cmd cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int map_create(void)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = 4,
		.value_size = 8,
		.max_entries = 16,
	};

	return sys_bpf(BPF_MAP_CREATE, &attr);
}

static int prog_load(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
		.insns = (unsigned long)insns,
		.insn_cnt = 2,
		.license = (unsigned long)"GPL",
	};

	return sys_bpf(BPF_PROG_LOAD, &attr);
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

	if (fd < 0) {
		printf("# %s: creating the object: %s\n", name, strerror(errno));
		result(false, name);
		return;
	}
	ok = read_fdinfo(fd, buf, sizeof(buf));
	if (!ok) {
		printf("# %s: reading fdinfo: %s\n", name, strerror(errno));
	} else if (!strstr(buf, key)) {
		printf("# %s: fdinfo has no \"%s\" line\n", name, key);
		ok = false;
	} else if ((memcg = strstr(buf, "memcg:"))) {
		printf("# %s: a v1 memcg printed as a path: %.*s\n", name,
		       (int)strcspn(memcg, "\n"), memcg);
		ok = false;
	}
	result(ok, name);
	close(fd);
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

	printf("1..4\n");
	check_fdinfo(map_create(), "map_type:", "map in the v1 root memcg");
	check_fdinfo(prog_load(), "prog_type:", "program in the v1 root memcg");

	if ((mkdir(V1_CHILD, 0755) && errno != EEXIST) || !move_self(V1_CHILD)) {
		printf("# moving into " V1_CHILD ": %s\n", strerror(errno));
		result(false, "map in a v1 child memcg");
		result(false, "program in a v1 child memcg");
	} else {
		check_fdinfo(map_create(), "map_type:",
			     "map in a v1 child memcg");
		check_fdinfo(prog_load(), "prog_type:",
			     "program in a v1 child memcg");
		move_self(V1_MOUNT);
		rmdir(V1_CHILD);
	}

	printf("# %d passed, %d failed\n", tests - failed, failed);
	return failed ? 1 : 0;
}
