/** Which outside hosts an app may reach, and which headers the host adds on its behalf. */
export interface EgressPolicy {
  allowedHosts: string[];
  secrets: { host: string; header: string; value: string }[];
}

/**
 * `allowedHosts` entries are hostnames (`api.example.com`) or wildcards for
 * subdomains (`*.example.com`); ports are ignored.
 */
function hostAllowed(policy: EgressPolicy, hostname: string): boolean {
  const host = hostname.toLowerCase();
  return policy.allowedHosts.some((entry) =>
    entry.startsWith("*.") ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry,
  );
}

/**
 * The request the host sends for the app: refused when the host is not
 * allowed (with a message saying how to allow it), else with the configured
 * secret headers set, which the app's code never sees.
 */
export function applyEgressPolicy(policy: EgressPolicy, request: Request): Request {
  const url = new URL(request.url);
  if (!["http:", "https:"].includes(url.protocol) || !hostAllowed(policy, url.hostname)) {
    throw new Error(
      `Network access to ${url.hostname} is blocked by the preview sandbox. Add "${url.hostname}" to the project's allowedHosts (PUT /api/projects/:id/settings) to allow it.`,
    );
  }
  const secrets = policy.secrets.filter((secret) => secret.host === url.hostname.toLowerCase());
  if (secrets.length === 0) return request;
  const headers = new Headers(request.headers);
  for (const secret of secrets) headers.set(secret.header, secret.value);
  return new Request(request, { headers });
}
