// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest program "bpftool prog load" accepts: a socket filter that
 * passes every packet.  tests/test_bpftool_memcg.sh loads it to see which
 * memory cgroup "bpftool prog show" names.  No headers, so that it builds
 * with clang -target bpf alone.
 */
__attribute__((section("socket"), used))
int bpftool_memcg(void *skb)
{
	return 0;
}

__attribute__((section("license"), used))
char _license[] = "GPL";
