/** A dashboard on a free port for a test, and requests to it: with fetch, and raw (paths exactly as written). */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { StudyDetail, StudySummary } from '../../src/dashboard/api-types.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { launch } from './browser.js';
import { makeStudy } from './fixtures.js';
import { startDashboard, type Dashboard, type DashboardOptions } from '../../src/dashboard/server/server.js';
import { TOKEN_HEADER, type TrialsEvent } from '../../src/dashboard/api-types.js';
import { HANG_MS } from '../helpers/hang.js';
import type { Storage } from '../../src/tune/storage/storage.js';

export interface TestDashboard extends Dashboard {
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** POST with the token unless `token` says otherwise (null: no token header). */
  post<T = unknown>(path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }>;
  /** A GET whose path is sent byte for byte (fetch would resolve `..` itself). */
  raw(path: string, headers?: Record<string, string>): Promise<{ status: number; text: string }>;
}

export async function testDashboard(options: DashboardOptions): Promise<TestDashboard> {
  const d = await startDashboard({ port: 0, pollMs: 100, log: () => {}, ...options });
  const base = `http://127.0.0.1:${d.port}`;
  const json = async <T>(res: Response) => ({ status: res.status, body: (await res.json()) as T });
  return Object.assign(d, {
    get: async <T>(path: string, headers: Record<string, string> = {}) => json<T>(await fetch(base + path, { headers })),
    post: async <T>(path: string, body: unknown = {}, token: string | null = d.token) =>
      json<T>(await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { [TOKEN_HEADER]: token }) },
        body: JSON.stringify(body),
      })),
    raw: (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: d.port, path, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end();
      }),
  });
}

/** Waits until `probe` returns something other than undefined; only a hang (HANG_MS, minutes) fails. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = HANG_MS, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Reads a study's event stream (`GET .../events`) as a browser's EventSource
 * would and calls `onTrials` with each 'trials' event as it arrives; resolves
 * when the stream ends or its request is aborted.
 *
 * @example const reading = readTrialsEvents(res, (e) => events.push(e)); abort.abort(); await reading;
 */
export async function readTrialsEvents(res: Response, onTrials: (event: TrialsEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end; (end = buffer.indexOf('\n\n')) >= 0; buffer = buffer.slice(end + 2)) {
        const block = buffer.slice(0, end);
        if (/^event: trials$/m.test(block)) onTrials(JSON.parse(/^data: (.*)$/m.exec(block)![1]) as TrialsEvent);
      }
    }
  } catch {
    // Aborted.
  }
}

/** A dashboard over one fixture study in a fresh folder, the study's detail as the API gives it, and a browser. */
export interface DemoDashboard {
  readonly dir: string;
  readonly d: TestDashboard;
  readonly storage: SqliteStorage;
  readonly detail: StudyDetail;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * The fixture study 'demo' of `trials` trials (fixtures.ts) in a SQLite file
 * of its own, served by a test dashboard, with Chromium launched.
 *
 * @example
 *   let demo: DemoDashboard;
 *   before(async () => { demo = await demoDashboard('compare', 12); });
 *   after(() => demo?.close());
 */
export async function demoDashboard(name: string, trials: number): Promise<DemoDashboard> {
  const dir = mkdtempSync(join(tmpdir(), `caviar-dash-${name}-`));
  const storage = await SqliteStorage.open(join(dir, 'study.db'));
  await makeStudy(storage, { name: 'demo', trials });
  const d = await testDashboard({ storage: join(dir, 'study.db') });
  const [s] = (await d.get<StudySummary[]>('/api/studies')).body;
  const detail = (await d.get<StudyDetail>(`/api/studies/${s.key}`)).body;
  const browser = await launch();
  return {
    dir, d, storage, detail, browser,
    async close() {
      await browser.close();
      await d.close();
      await storage.close();
    },
  };
}

/** A storage whose contents can be swapped for what the server holds after a crash. */
export function switchable(first: Storage): { storage: Storage; crash(to: Storage): void } {
  let current = first;
  const storage = new Proxy({} as Storage, {
    get(_target, key) {
      const value = Reflect.get(current, key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
  return { storage, crash: (to) => (current = to) };
}
