import { BlockList, isIP } from "node:net";

/**
 * Which addresses a notification sink may connect to. A repository's config names the sink, so it
 * must not reach the machine branchline runs on, nor its private network: in production only public
 * unicast addresses; in tests and the sandbox loopback too (the test sinks listen there). Checked
 * on the address actually connected to (after DNS), never on how the URL spells the host: 0.0.0.0,
 * `[::ffff:127.0.0.1]` and a DNS name that resolves to 10.0.0.1 are all caught.
 */
export interface AddressRules {
  readonly allowLoopback: boolean;
}

type Category = "loopback" | "unspecified" | "IPv4-mapped" | "private" | "link-local" | "multicast or reserved";

type Family = "ipv4" | "ipv6";

/** One list per category and family: a BlockList also matches IPv4 rules against IPv4-mapped IPv6 and back. */
function blockList(family: Family, entries: readonly [string, number][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of entries) list.addSubnet(network, prefix, family);
  return list;
}

const CATEGORIES: readonly [Category, Family, BlockList][] = [
  ["loopback", "ipv4", blockList("ipv4", [["127.0.0.0", 8]])],
  ["loopback", "ipv6", blockList("ipv6", [["::1", 128]])],
  ["unspecified", "ipv4", blockList("ipv4", [["0.0.0.0", 8]])],
  ["unspecified", "ipv6", blockList("ipv6", [["::", 128]])],
  // An IPv4 address inside IPv6 (::ffff:a.b.c.d, and the deprecated ::a.b.c.d and NAT64 forms)
  // stands for the IPv4 one; none is a sink's honest address.
  [
    "IPv4-mapped",
    "ipv6",
    blockList("ipv6", [
      ["::ffff:0:0", 96],
      ["::", 96],
      ["64:ff9b::", 96],
    ]),
  ],
  [
    "private",
    "ipv4",
    blockList("ipv4", [
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
      ["100.64.0.0", 10],
      ["198.18.0.0", 15],
    ]),
  ],
  ["private", "ipv6", blockList("ipv6", [["fc00::", 7]])],
  ["link-local", "ipv4", blockList("ipv4", [["169.254.0.0", 16]])],
  ["link-local", "ipv6", blockList("ipv6", [["fe80::", 10]])],
  [
    "multicast or reserved",
    "ipv4",
    blockList("ipv4", [
      ["224.0.0.0", 4],
      ["240.0.0.0", 4],
    ]),
  ],
  ["multicast or reserved", "ipv6", blockList("ipv6", [["ff00::", 8]])],
];

/** Why a sink may not connect to this address, or null when it may. */
export function addressProblem(address: string, rules: AddressRules): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const type: Family = family === 4 ? "ipv4" : "ipv6";
  for (const [category, listFamily, list] of CATEGORIES) {
    if (listFamily !== type || !list.check(address, type)) continue;
    if (category === "loopback" && rules.allowLoopback) return null;
    return `${address} is a ${category} address; notification sinks must be public${rules.allowLoopback ? " (or loopback, outside production)" : ""}`;
  }
  return null;
}
