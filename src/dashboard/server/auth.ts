/**
 * Who may do what. Controls change running work, so they need the token that
 * `caviar dashboard` prints; the page sends it in a header (never a cookie,
 * so another site cannot make a browser send it, and a cross-site request
 * with a custom header needs a CORS preflight this server never grants).
 * Read-only views need no token on a loopback address; bound to any other
 * address, everything under /api/ needs it.
 *
 * The Host header is checked too: on a loopback address only loopback names
 * are accepted, so a page on another site that rebinds its DNS name to
 * 127.0.0.1 cannot read studies through the visitor's browser.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER } from '../api-types.js';
import { HttpError } from './http.js';

/** A fresh control token: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time: hashing first makes both sides the same length, so even the length leaks nothing. */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Whether `host` (as given to --host) is a loopback address. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface AccessPolicy {
  readonly token: string;
  /** True when the server listens on a loopback address: reads need no token. */
  readonly loopback: boolean;
}

/** Throws 401 (no token) or 403 (wrong token) unless the request carries the token. */
export function requireToken(req: IncomingMessage, policy: AccessPolicy): void {
  const given = req.headers[TOKEN_HEADER];
  if (given === undefined || given === '') throw new HttpError(401, `this needs the dashboard's token in the ${TOKEN_HEADER} header (open the URL 'caviar dashboard' printed)`);
  if (Array.isArray(given) || !sameToken(given, policy.token)) throw new HttpError(403, 'wrong token: open the URL that caviar dashboard printed at start');
}

/** Checks the Host header (see the module comment) and, off loopback, the token for every API read. */
export function checkRead(req: IncomingMessage, policy: AccessPolicy, isApi: boolean): void {
  if (policy.loopback) {
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
    if (!isLoopback(name)) throw new HttpError(403, `host '${host}' is not this dashboard (it answers on loopback names only)`);
  } else if (isApi) {
    requireToken(req, policy);
  }
}
