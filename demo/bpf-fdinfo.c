// SPDX-License-Identifier: GPL-2.0
/*
 * bpf-fdinfo [--hold] PIN...
 *
 * Open each pinned BPF map or program (BPF_OBJ_GET) and print what it is,
 * from /proc/self/fdinfo, and the memory cgroup it is charged to:
 *
 *   PIN  map array  map_id: 12  memcg: /agent.slice
 *
 * The kernel reports that cgroup by id, memcg_cgroup_id in bpf_map_info
 * and bpf_prog_info (the 7.3 series), which is printed as the path of the
 * directory with that inode number on the cgroup2 mount, relative to the
 * mount, as bpftool prints it; "(none)" when it is 0, the object charging no
 * memcg.  A kernel without the field (the 6.12 series) prints the path in
 * fdinfo, "memcg:\tPATH", which is printed as it is; a kernel with
 * neither prints "memcg: (not shown by this kernel)".  (The tool is named
 * after that fdinfo line, which the first kernels of the series printed.)
 *
 * With --hold, keep the objects open and sleep until killed: the demo's
 * agent process, which holds its maps and program like a real loader.
 *
 * Built static on the host, so it runs in the busybox-only guest.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tests/bpf_sys.h"

/* "map_type:\t2" -> "array": the types the demo creates, else the number. */
static void type_name(char *out, size_t size, const char *line)
{
	static const char *const maps[] = { [1] = "hash", [2] = "array" };
	static const char *const progs[] = { [1] = "socket_filter" };
	int map = !strncmp(line, "map_type:", 9);
	unsigned int t = strtoul(line + (map ? 9 : 10), NULL, 10);
	const char *name = NULL;

	if (map && t < sizeof(maps) / sizeof(maps[0]))
		name = maps[t];
	else if (!map && t < sizeof(progs) / sizeof(progs[0]))
		name = progs[t];
	if (name)
		snprintf(out, size, "%s %s", map ? "map" : "prog", name);
	else
		snprintf(out, size, "%s type %u", map ? "map" : "prog", t);
}

/* The cgroup2 mount: the first in /proc/self/mounts, else the usual one. */
static void cgroup2_mount(char *buf, size_t size)
{
	char line[4096], dir[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");

	snprintf(buf, size, "%s", BPF_SYS_CGROUP2);
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %4095s %63s", dir, type) == 2 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(buf, size, "%s", dir);
			break;
		}
	}
	if (f)
		fclose(f);
}

/*
 * Look below the directory @path (of @len bytes, in a buffer of @size)
 * for the directory whose inode number is @ino, and leave its path in
 * @path: 1 if found, else 0 with @path as it was.  Directories only, by
 * the inode numbers readdir() gives: a stat() of every cgroup file, as
 * nftw() makes, would have the kernel instantiate, and charge to this
 * process's memory cgroup, an inode and a dentry for each file.
 */
static int find_dir(char *path, size_t len, size_t size, ino_t ino)
{
	struct dirent *de;
	struct stat st;
	int ret = 0;
	size_t n;
	DIR *d;

	d = opendir(path);
	if (!d)
		return 0;
	while (!ret && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		n = snprintf(path + len, size - len, "/%s", de->d_name);
		if (n >= size - len)
			continue;
		if (de->d_ino == ino)
			ret = !stat(path, &st) && st.st_ino == ino;
		else
			ret = find_dir(path, len + n, size, ino);
	}
	if (!ret)
		path[len] = '\0';
	closedir(d);
	return ret;
}

/*
 * The path of cgroup id @id on the cgroup2 mount, relative to it, in
 * @out; "(cgroup id N, not on MOUNT)" when no directory has it.
 */
static void cgroup_path_of(__u64 id, char *out, size_t size)
{
	char path[8192];
	struct stat st;
	size_t len;

	cgroup2_mount(path, sizeof(path));
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (!stat(path, &st) && st.st_ino == id) {
		snprintf(out, size, "/");
		return;
	}
	if (!find_dir(path, len, sizeof(path), id)) {
		snprintf(out, size, "(cgroup id %llu, not on %s)",
			 (unsigned long long)id, path);
		return;
	}
	snprintf(out, size, "%s", path + (len > 1 ? len : 0));
}

/* The memcg the object @fd is charged to, as a path, into @out. */
static void owner(int fd, char *out, size_t size)
{
	__u64 id;
	int err;

	err = bpf_info_memcg_cgroup_id(fd, &id);
	if (!err) {
		if (id)
			cgroup_path_of(id, out, size);
		else
			snprintf(out, size, "(none)");
		return;
	}
	if (err == -ENODATA && !bpf_fdinfo_memcg_path(fd, out, size))
		return;
	if (err == -ENODATA)
		snprintf(out, size, "(not shown by this kernel)");
	else
		snprintf(out, size, "(cannot read it: %s)", strerror(-err));
}

static void show(const char *pin, int fd)
{
	char name[64], line[256], kind[256] = "?", id[256] = "?", memcg[4096];
	FILE *f;

	snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", fd);
	f = fopen(name, "r");
	if (!f) {
		printf("%s: cannot read %s: %s\n", pin, name, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "map_type:", 9) || !strncmp(line, "prog_type:", 10))
			type_name(kind, sizeof(kind), line);
		else if (!strncmp(line, "map_id:", 7) || !strncmp(line, "prog_id:", 8))
			snprintf(id, sizeof(id), "%s", line);
	}
	fclose(f);
	for (char *p = id; *p; p++)
		if (*p == '\t')
			*p = ' ';
	owner(fd, memcg, sizeof(memcg));
	printf("%-36s %-18s %-12s memcg: %s\n", pin, kind, id, memcg);
}

int main(int argc, char **argv)
{
	int hold = 0, bad = 0;

	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		hold = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bpf-fdinfo [--hold] PIN...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int fd = sys_obj_get(argv[i]);

		if (fd < 0) {
			printf("%s: BPF_OBJ_GET failed: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		show(argv[i], fd);
		if (!hold)
			close(fd);
	}
	fflush(stdout);
	if (hold && !bad)
		for (;;)
			pause();
	return bad;
}
