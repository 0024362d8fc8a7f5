/**
 * The few HTTP helpers the dashboard needs on top of node:http: JSON answers,
 * errors with a status, bounded JSON bodies, and the security headers every
 * answer carries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request the server refuses: the status and a message the page shows as is. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The largest request body accepted (a control command is well under 1 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Headers on every answer. The page loads only its own bundle (no inline
 * script, nothing from the network); ECharts sets inline styles on its
 * tooltips, hence 'unsafe-inline' for styles only; the predictions worker
 * compiles caviar.wasm, hence 'wasm-unsafe-eval' (WebAssembly only, not eval).
 * The page is cross-origin isolated (COOP + COEP; it loads nothing from
 * elsewhere anyway), which every browser, not only Chromium, requires before
 * it hands out the SharedArrayBuffer the WebAssembly backend's memory is.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Sends `body` as JSON; a string is taken as JSON text already made. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  // JSON.stringify already writes NaN and Infinity as null.
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    // A stream (events, a download) already started: all we can do is end it.
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message });
}

/**
 * Reads a JSON object body of at most `limit` bytes. Refuses with 415 when it
 * is not declared JSON, 413 when too long, 400 when it does not parse or is
 * not an object.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > limit) throw new HttpError(413, `request body of ${length} bytes is over the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `request body is over the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, `request body must be application/json, got '${type || 'no content-type'}'`);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}
