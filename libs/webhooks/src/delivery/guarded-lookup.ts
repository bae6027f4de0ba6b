import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isForbiddenAddress, WebhookUrlRefusedError } from '../webhook-url-policy';

/**
 * A `lookup` for node:http(s) that refuses to connect to a forbidden address (private, loopback,
 * link-local, metadata) unless the host is allowed. It runs when the connection is made, on the addresses
 * actually used, so a name that resolved to a public address at registration and to a private one now
 * (DNS rebinding) is refused.
 */
export function guardedLookup(allowedHosts: readonly string[]): LookupFunction {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const forbidden = allowed.has(hostname.toLowerCase())
        ? undefined
        : addresses.find((entry) => isForbiddenAddress(entry.address));
      if (forbidden || addresses.length === 0) {
        return callback(
          Object.assign(
            new WebhookUrlRefusedError(
              `${hostname} resolves to a private, loopback, link-local or metadata address`,
            ),
            { code: 'EWEBHOOKADDRESS' },
          ),
        );
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;
}
