/**
 * Hosts an app may never reach, whatever its project's `allowedHosts` says:
 * the host itself (its API and preview origins), loopback, and what only
 * resolves or routes inside your own network (private, link-local and other
 * special-purpose addresses, `*.local`, single-label names).
 */

/** The host's own names, which an app must not call. */
export interface OwnHosts {
  /** Names the API answers on besides localhost and IP addresses (API_HOSTS). */
  apiHosts: string[];
  /** The preview suffix (PREVIEW_HOST); unset means `preview.<API host>`. */
  previewHost?: string;
}

/** Top-level names that resolve only on a local network (RFC 6762, 6761, 8375, ICANN's .internal). */
const LOCAL_TLDS = ["localhost", "local", "internal", "lan", "home", "localdomain", "home.arpa"];

/** IPv4 ranges that are not the public internet (IANA special-purpose registry). */
const IPV4_RESERVED: [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata services
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

/**
 * Why `hostname` may not be reached from the sandbox, or null when it may.
 * `hostname` is a URL's hostname (IPv6 in brackets) or an allowedHosts entry
 * (`*.` wildcards are judged by the domain they cover).
 */
export function reservedHostReason(hostname: string, own: OwnHosts): string | null {
  const host = normalize(hostname.startsWith("*.") ? hostname.slice(2) : hostname);
  const ipv4 = parseIPv4(host);
  if (ipv4 !== null) return ipv4Reserved(ipv4) ? "it is a loopback, private or otherwise non-public address" : null;
  if (host.startsWith("[")) {
    const ipv6 = parseIPv6(host.slice(1, -1));
    if (ipv6 === null) return "it is not a valid IPv6 address";
    return ipv6Reserved(ipv6) ? "it is a loopback, private or otherwise non-public address" : null;
  }
  if (LOCAL_TLDS.some((tld) => host === tld || host.endsWith(`.${tld}`))) return "it only resolves on your own machine or network";
  if (!host.includes(".")) return "a name without a dot only resolves on your own network";
  const previewSuffix = own.previewHost ? normalize(own.previewHost.split(":")[0]!) : undefined;
  if (previewSuffix && (host === previewSuffix || host.endsWith(`.${previewSuffix}`))) return "it is this server's own preview host";
  if (own.apiHosts.some((entry) => coveredBy(host, normalize(entry)))) return "it is this server's own API host";
  return null;
}

/** True for an IPv4 literal or a bracketed IPv6 literal: names no DNS rebinding can produce. */
export function isIpLiteral(hostname: string): boolean {
  return parseIPv4(hostname) !== null || (hostname.startsWith("[") && parseIPv6(hostname.slice(1, -1)) !== null);
}

/** A name the API answers on besides IP addresses: `localhost`, `*.localhost`, or one covered by API_HOSTS. */
export function apiAnswersOn(name: string, apiHosts: string[]): boolean {
  const host = name.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  return apiHosts.some((entry) => coveredBy(host, entry.toLowerCase()));
}

/** Matches `host` against a name or a `*.` wildcard entry. */
export function coveredBy(host: string, entry: string): boolean {
  return entry.startsWith("*.") ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry;
}

function normalize(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

/** Dotted-quad IPv4 as a 32-bit number (URL parsing has already turned 127.1 or 0x7f000001 into this form). */
function parseIPv4(host: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

function ipv4Reserved(address: number): boolean {
  return IPV4_RESERVED.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    return Math.floor(address / size) === Math.floor(parseIPv4(base)! / size);
  });
}

/** IPv6 as eight 16-bit groups; accepts `::` and a trailing dotted IPv4. */
function parseIPv6(text: string): number[] | null {
  let body = text.toLowerCase();
  const dotted = /(^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (dotted) {
    const v4 = parseIPv4(dotted[2]!);
    if (v4 === null) return null;
    body = `${body.slice(0, dotted.index)}${dotted[1]}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? parseInt(group, 16) : NaN));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const gap = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (gap < 0 || (halves.length === 2 && gap === 0)) return null;
  const groups = [...head, ...Array<number>(gap).fill(0), ...rest];
  if (groups.length !== 8 || groups.some((group) => Number.isNaN(group))) return null;
  return groups;
}

function ipv6Reserved(groups: number[]): boolean {
  const [a, b] = groups as [number, number];
  const embeddedV4 = groups[6]! * 65536 + groups[7]!;
  if (groups.slice(0, 7).every((group) => group === 0)) return true; // :: and ::1
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) return ipv4Reserved(embeddedV4); // ::ffff:a.b.c.d
  if (a === 0x64 && b === 0xff9b) return ipv4Reserved(embeddedV4); // NAT64
  if ((a & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((a & 0xff00) === 0xff00) return true; // multicast
  if (a === 0x2001 && b === 0xdb8) return true; // documentation
  return false;
}
