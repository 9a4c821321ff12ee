/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpf(2) for the harness's own tools: the tests in tests/, the benchmarks
 * in bench/ and demo/bpf-fdinfo.c (these two include it as
 * "../tests/bpf_sys.h").  Thin wrappers over the raw system call, no
 * libbpf, so that every tool links statically against the C library
 * alone, plus where a map or program is charged:
 *
 *   bpf_obj_memcg_cgroup_id(fd)   the cgroup id of the memcg the object is
 *                                 charged to now
 *   cgroup_id_of(path)            the cgroup id of a cgroup directory
 *
 * A cgroup id is the inode number of the cgroup's directory on its
 * hierarchy (what name_to_handle_at() and bpf_get_current_cgroup_id()
 * give), so an owner is checked by comparing the two.
 *
 * The 7.3 series reports the owner as __aligned_u64 memcg_cgroup_id,
 * appended to struct bpf_map_info and struct bpf_prog_info.  The headers a
 * tool is compiled against may predate it (Debian 12's, the 6.12 series',
 * the 7.3 base's), so the field is read at its offset in the 7.3 layout,
 * from a buffer large enough for it, and a kernel whose returned info_len
 * does not cover it is one without it.  Such a kernel (the 6.12 series,
 * v2) prints the owner in fdinfo instead, "memcg:\tPATH", relative to the
 * reader's cgroup namespace: bpf_obj_memcg_cgroup_id_at() then stat()s
 * that path below the directory that is "/" in the caller's namespace.
 *
 * Define BPF_SYS_HAVE_MEMCG_CGROUP_ID when the headers have the field
 * (scripts/build-tests does) to check the offset against them.
 */
#ifndef BPF_SYS_H
#define BPF_SYS_H

#include <linux/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC		0xcafe4a11
#endif

/* Where the tools expect cgroup2: "/" of the initial cgroup namespace. */
#define BPF_SYS_CGROUP2		"/sys/fs/cgroup"

/*
 * Offsets of memcg_cgroup_id: sizeof(struct bpf_map_info) and
 * sizeof(struct bpf_prog_info) of Linux 7.3, to which it is appended.
 */
#define BPF_MAP_INFO_MEMCG_OFF	104
#define BPF_PROG_INFO_MEMCG_OFF	232

/* Headers that lack the field are a prefix of the 7.3 layout. */
_Static_assert(sizeof(struct bpf_map_info) <= BPF_MAP_INFO_MEMCG_OFF ||
	       sizeof(struct bpf_map_info) == BPF_MAP_INFO_MEMCG_OFF + 8,
	       "struct bpf_map_info: memcg_cgroup_id is not at its 7.3 offset");
_Static_assert(sizeof(struct bpf_prog_info) <= BPF_PROG_INFO_MEMCG_OFF ||
	       sizeof(struct bpf_prog_info) == BPF_PROG_INFO_MEMCG_OFF + 8,
	       "struct bpf_prog_info: memcg_cgroup_id is not at its 7.3 offset");
#ifdef BPF_SYS_HAVE_MEMCG_CGROUP_ID
_Static_assert(offsetof(struct bpf_map_info, memcg_cgroup_id) ==
	       BPF_MAP_INFO_MEMCG_OFF, "bpf_map_info.memcg_cgroup_id moved");
_Static_assert(offsetof(struct bpf_prog_info, memcg_cgroup_id) ==
	       BPF_PROG_INFO_MEMCG_OFF, "bpf_prog_info.memcg_cgroup_id moved");
#endif

static inline int sys_bpf(enum bpf_cmd cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

#ifndef ptr_to_u64
static inline __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(unsigned long)ptr;
}
#endif

/* BPF_MAP_CREATE: a descriptor, or -1 with errno set. */
static inline int sys_map_create(__u32 type, __u32 key_size, __u32 value_size,
				 __u32 max_entries, __u32 flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.map_flags = flags;
	return sys_bpf(BPF_MAP_CREATE, &attr);
}

/* BPF_MAP_{UPDATE,LOOKUP,DELETE}_ELEM: 0, or -1 with errno set. */
static inline int sys_map_elem(enum bpf_cmd cmd, int fd, const void *key,
			       void *value, __u64 flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = ptr_to_u64(key);
	attr.value = ptr_to_u64(value);
	attr.flags = flags;
	return sys_bpf(cmd, &attr);
}

static inline int sys_map_update(int fd, const void *key, const void *value,
				 __u64 flags)
{
	return sys_map_elem(BPF_MAP_UPDATE_ELEM, fd, key, (void *)value, flags);
}

/* BPF_PROG_LOAD of a GPL socket filter of @cnt instructions. */
static inline int sys_prog_load(const struct bpf_insn *insns, __u32 cnt)
{
	static const char license[] = "GPL";
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = ptr_to_u64(insns);
	attr.insn_cnt = cnt;
	attr.license = ptr_to_u64(license);
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

static inline int sys_obj_pin(int fd, const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(path);
	attr.bpf_fd = fd;
	return sys_bpf(BPF_OBJ_PIN, &attr);
}

static inline int sys_obj_get(const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(path);
	return sys_bpf(BPF_OBJ_GET, &attr);
}

/* A descriptor of the map with id @id (CAP_SYS_ADMIN), or -1. */
static inline int sys_map_get_fd_by_id(__u32 id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_id = id;
	return sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
}

/*
 * BPF_OBJ_GET_INFO_BY_FD into @info of *@len bytes, which must be zeroed:
 * the kernel accepts a buffer longer than its struct when the excess is
 * zero.  On return *@len is what the kernel filled in.  0, or -1 with
 * errno set.
 */
static inline int sys_obj_get_info(int fd, void *info, __u32 *len)
{
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = *len;
	attr.info.info = ptr_to_u64(info);
	ret = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
	if (!ret)
		*len = attr.info.info_len;
	return ret;
}

/* The cgroup id of the cgroup directory @path, or -errno. */
static inline long long cgroup_id_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return st.st_ino;
}

/*
 * memcg_cgroup_id of map or program @fd, as the kernel reports it in
 * struct bpf_map_info or bpf_prog_info, in *@id (0: the object charges no
 * memcg; 0 too on failure).  0, -ENODATA when the kernel has no such
 * field, -EBADF when @fd is neither a map nor a program, or another
 * -errno.
 */
static inline int bpf_info_memcg_cgroup_id(int fd, __u64 *id)
{
	/* Room for either struct up to the field, zeroed. */
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		char raw[BPF_PROG_INFO_MEMCG_OFF + 8];
	} info;
	char link[64], proc[64];
	__u32 len, off;
	ssize_t n;

	*id = 0;
	/* anon_inode:bpf-map or anon_inode:bpf-prog */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	if (!strcmp(link, "anon_inode:bpf-map"))
		off = BPF_MAP_INFO_MEMCG_OFF;
	else if (!strcmp(link, "anon_inode:bpf-prog"))
		off = BPF_PROG_INFO_MEMCG_OFF;
	else
		return -EBADF;

	memset(&info, 0, sizeof(info));
	len = off + 8;
	if (sys_obj_get_info(fd, &info, &len))
		return -errno;
	if (len < off + 8)
		return -ENODATA;
	memcpy(id, info.raw + off, sizeof(*id));
	return 0;
}

/*
 * The "memcg:\tPATH" line of the fdinfo of @fd (the 6.12 series), PATH in
 * @buf.  0, -ENODATA when there is no such line, or another -errno.
 */
static inline int bpf_fdinfo_memcg_path(int fd, char *buf, size_t size)
{
	char file[64], text[8192], *p;
	ssize_t len = 0, n = 0;
	size_t plen;
	int in;

	snprintf(file, sizeof(file), "/proc/self/fdinfo/%d", fd);
	in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	while ((size_t)len < sizeof(text) - 1 &&
	       (n = read(in, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	close(in);
	if (n < 0)
		return -errno;
	text[len] = '\0';

	if (!strncmp(text, "memcg:\t", 7))
		p = text + 7;
	else if ((p = strstr(text, "\nmemcg:\t")))
		p += 8;
	else
		return -ENODATA;
	plen = strcspn(p, "\n");
	if (plen >= size)
		return -ENAMETOOLONG;
	memcpy(buf, p, plen);
	buf[plen] = '\0';
	return 0;
}

/*
 * The cgroup id of the memcg that map or program @fd is charged to: 0 when
 * it charges none, or -errno.  From memcg_cgroup_id; on a kernel without
 * it, from the fdinfo line, whose path is relative to the caller's cgroup
 * namespace: @cgroot is the directory that is "/" there.  -ENODATA: the
 * kernel reports no owner (on the 6.12 series: the object charges no
 * memcg, its memcg is on cgroup v1, or its path is too long to print).
 */
static inline long long bpf_obj_memcg_cgroup_id_at(int fd, const char *cgroot)
{
	char path[4096], full[4096 + 256];
	__u64 id;
	int ret;

	ret = bpf_info_memcg_cgroup_id(fd, &id);
	if (!ret)
		return id;
	if (ret != -ENODATA)
		return ret;
	ret = bpf_fdinfo_memcg_path(fd, path, sizeof(path));
	if (ret)
		return ret;
	if ((size_t)snprintf(full, sizeof(full), "%s%s", cgroot, path) >=
	    sizeof(full))
		return -ENAMETOOLONG;
	return cgroup_id_of(full);
}

/* The same, for a caller in the initial cgroup namespace. */
static inline long long bpf_obj_memcg_cgroup_id(int fd)
{
	return bpf_obj_memcg_cgroup_id_at(fd, BPF_SYS_CGROUP2);
}

#endif /* BPF_SYS_H */
