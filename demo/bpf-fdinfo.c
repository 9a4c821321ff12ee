// SPDX-License-Identifier: GPL-2.0
/*
 * bpf-fdinfo [--hold] PIN...
 *
 * Open each pinned BPF map or program (BPF_OBJ_GET) and print, from
 * /proc/self/fdinfo, what it is and the "memcg:" line: the memory cgroup
 * the object is charged to.  A kernel without that line prints
 * "memcg: (not shown by this kernel)".
 *
 * With --hold, keep the objects open and sleep until killed: the demo's
 * agent process, which holds its maps and program like a real loader.
 *
 * Built static on the host, so it runs in the busybox-only guest.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int obj_get(const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = (unsigned long)path;
	return syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
}

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

static void show(const char *pin, int fd)
{
	char name[64], line[256], kind[256] = "?", id[256] = "?", memcg[256] = "";
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
		else if (!strncmp(line, "memcg:", 6))
			snprintf(memcg, sizeof(memcg), "%s", line + 6 + strspn(line + 6, " \t"));
	}
	fclose(f);
	for (char *p = id; *p; p++)
		if (*p == '\t')
			*p = ' ';
	printf("%-36s %-18s %-12s memcg: %s\n", pin, kind, id,
	       memcg[0] ? memcg : "(not shown by this kernel)");
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
		int fd = obj_get(argv[i]);

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
