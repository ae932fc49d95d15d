import { coveredBy, reservedHostReason, type OwnHosts } from "./reserved-hosts";

/** Which outside hosts an app may reach, and which headers the host adds on its behalf. */
export interface EgressPolicy {
  allowedHosts: string[];
  secrets: { host: string; header: string; value: string }[];
}

/**
 * The request the host sends for the app: refused when the host is not
 * allowed or is reserved (the host itself, loopback, private networks: see
 * reserved-hosts.ts), with a message saying why; else with the configured
 * secret headers set, which the app's code never sees. `allowedHosts`
 * entries are hostnames (`api.example.com`) or wildcards for subdomains
 * (`*.example.com`); ports are ignored.
 */
export function applyEgressPolicy(policy: EgressPolicy, request: Request, own: OwnHosts): Request {
  const url = new URL(request.url);
  const host = url.hostname.toLowerCase();
  if (!["http:", "https:"].includes(url.protocol)) {
    throw new Error(`Network access to ${url.protocol} URLs is blocked by the preview sandbox; only http and https are allowed.`);
  }
  const reserved = reservedHostReason(host, own);
  if (reserved) {
    throw new Error(
      `Network access to ${url.hostname} is blocked by the preview sandbox: ${reserved}. An app can never reach it, whatever allowedHosts says.`,
    );
  }
  if (!policy.allowedHosts.some((entry) => coveredBy(host, entry))) {
    throw new Error(
      `Network access to ${url.hostname} is blocked by the preview sandbox. Add "${url.hostname}" to the project's allowedHosts (PUT /api/projects/:id/settings) to allow it.`,
    );
  }
  const secrets = policy.secrets.filter((secret) => secret.host === host);
  // Redirects come back to the app, whose fetch follows them through this policy again.
  const init: RequestInit = { redirect: "manual" };
  if (secrets.length === 0) return new Request(request, init);
  const headers = new Headers(request.headers);
  for (const secret of secrets) headers.set(secret.header, secret.value);
  return new Request(request, { ...init, headers });
}
