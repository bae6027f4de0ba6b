import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Where webhook URLs may point. */
export interface WebhookUrlPolicy {
  /** `http:` is accepted (to any permitted host) only when true: development. Otherwise `https:` only. */
  allowHttp: boolean;
  /**
   * Hosts (names or addresses) accepted even though they resolve to private, loopback or link-local
   * addresses: an in-cluster receiver, or a test's local one. Exact match, case-insensitive.
   */
  allowedHosts: readonly string[];
}

/** Why a URL is refused: the message names the rule, never what the resolver or target answered. */
export class WebhookUrlRefusedError extends Error {
  override readonly name = 'WebhookUrlRefusedError';
}

/**
 * Addresses a webhook must not reach (SSRF): loopback, private networks, link-local (cloud metadata at
 * 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast, unspecified and reserved ranges.
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');

/**
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96): never a webhook's
 * address, and a way around the IPv4 rules. Kept apart: a BlockList also matches IPv4 against them.
 */
const EMBEDDED_IPV4 = new BlockList();
EMBEDDED_IPV4.addSubnet('::ffff:0:0', 96, 'ipv6');
EMBEDDED_IPV4.addSubnet('64:ff9b::', 96, 'ipv6');

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6 && EMBEDDED_IPV4.check(address, 'ipv6')) return true;
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** Checks the URL's form: scheme, no credentials, a host. */
export function checkWebhookUrlForm(raw: string, policy: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefusedError('url must be an absolute URL');
  }
  const allowedHost = policy.allowedHosts.some((host) => host.toLowerCase() === hostOf(url));
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookUrlRefusedError('url must use https');
  if (url.protocol === 'http:' && !policy.allowHttp && !allowedHost)
    throw new WebhookUrlRefusedError('url must use https (http only to hosts the configuration allows)');
  if (url.username || url.password) throw new WebhookUrlRefusedError('url must not carry credentials');
  return url;
}

/**
 * Refuses a URL whose host is, or resolves to, a forbidden address, unless the host is allowed. Checked
 * when an endpoint is registered and again before each delivery (a name may resolve elsewhere later).
 * Resolves with the addresses the host has now.
 */
export async function checkWebhookUrl(
  raw: string,
  policy: WebhookUrlPolicy,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<URL> {
  const url = checkWebhookUrlForm(raw, policy);
  const host = hostOf(url);
  if (policy.allowedHosts.some((allowed) => allowed.toLowerCase() === host)) return url;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw new WebhookUrlRefusedError('url host does not resolve');
  }
  if (addresses.length === 0 || addresses.some(isForbiddenAddress))
    throw new WebhookUrlRefusedError('url points at a private, loopback, link-local or metadata address');
  return url;
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, order: 'verbatim' })).map((entry) => entry.address);
}
