// SPDX-License-Identifier: GPL-2.0
/*
 * The demo agent's program: a socket filter that counts packets per
 * protocol in a small array map.  The demo loads it with bpftool from the
 * agent's first cgroup (gen1.scope) and pins it, with its map, in bpffs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} agent_counts SEC(".maps");

SEC("socket")
int agent_filter(struct __sk_buff *skb)
{
	__u32 key = skb->protocol & 0xff;
	__u64 *count = bpf_map_lookup_elem(&agent_counts, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
