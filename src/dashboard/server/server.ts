/**
 * The dashboard's HTTP server (node:http; the handful of routes below do not
 * need a framework). Every handler runs inside one try: a bad key, body or
 * id is a 4xx JSON answer with a message, and nothing a request does can
 * crash the process.
 *
 *   GET  /                              the page (and /app.js, /app.css)
 *   GET  /api/studies                   every study: state, counts, best, last activity
 *   GET  /api/studies/:key              one study with all its trials (JSON)
 *   GET  /api/studies/:key/trials       the same, its trials as binary columns (what the page loads)
 *   GET  /api/studies/:key/events       live changes (server-sent events; ?since=CURSOR)
 *   GET  /api/studies/:key/importance   fANOVA parameter importance (computed in a worker thread)
 *   GET  /api/studies/:key/front        a multi-objective study's Pareto front and its hypervolume over trials
 *   GET  /api/trials/:key               one trial: curves, lineage, commands, checkpoints
 *   GET  /api/trials/:key/model         the trial's saved model file
 *   GET  /api/trials/:key/onnx          that model as ONNX
 *   GET  /api/trials/:key/examples      its study's test examples, binary (?offset=N&limit=N: a page of them)
 *   POST /api/trials/:key/ACTION        pause, resume, stop, checkpoint, set, rollback, fork (token)
 *   GET  /api/session                   whether the request's token is right (the page asks once)
 */
import { frontAnswer } from './front.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOKEN_HEADER } from '../api-types.js';
import { checkRead, isLoopback, newToken, requireToken, sameToken, type AccessPolicy } from './auth.js';
import { columnsOf, importance, listStudies, sendColumns, sendModel, studyColumns, studyDetailJson, trialDetail } from './api.js';
import { ensureBundle } from './bundle.js';
import { sendExamples } from './examples.js';
import { CONTROL_ACTIONS, control, type ControlAction } from './controls.js';
import { StudyFeed } from './events.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http.js';
import { ImportanceThread } from './importance-thread.js';
import type { StudyMirror } from './mirror.js';
import { loadStaticFiles, sendStatic, type StaticFile } from './static.js';
import { StoreSet, type StoreSource } from './stores.js';
import { redactSecrets } from '../../util/redact.js';

export interface DashboardOptions {
  /** Storages already open, a storage URL or path, or undefined: every caviar-out/<name>/study.db. */
  readonly storage?: StoreSource;
  /** The folder looked in when `storage` is undefined (default caviar-out). */
  readonly folder?: string;
  /** Default 127.0.0.1. Any other address requires the token for every API request. */
  readonly host?: string;
  /** Default 8321; 0 picks a free port. */
  readonly port?: number;
  /** Default: a fresh random token. */
  readonly token?: string;
  /** How often watched studies are read (ms, default 300). */
  readonly pollMs?: number;
  /** Where unexpected errors are reported (default stderr). */
  readonly log?: (line: string) => void;
}

export interface Dashboard {
  /** The page's address, without the token. */
  readonly url: string;
  /** The address that carries the token in its fragment (#token=...), to open in a browser. */
  readonly urlWithToken: string;
  readonly token: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts a dashboard.
 *
 * @example
 *   const d = await startDashboard({ storage: 'caviar-out/quickstart/study.db', port: 0 });
 *   console.log(d.urlWithToken); // http://127.0.0.1:40123/#token=...
 *   await d.close();
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const policy: AccessPolicy = { token: options.token ?? newToken(), loopback: isLoopback(host) };
  const files = loadStaticFiles(await ensureBundle());
  const set = await StoreSet.open(options.storage, options.folder);
  const feeds = new Map<StudyMirror, StudyFeed>();
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const context: Context = { set, policy, files, feeds, pollMs: options.pollMs, log, importance: new ImportanceThread() };
  const server = createServer((req, res) => {
    handle(req, res, context).catch((e: unknown) => {
      const status = statusOf(e);
      // A driver's message may quote a connection string: what is logged or answered never holds its password.
      if (status >= 500) log(redactSecrets(`caviar dashboard: ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`));
      // A refused body may still be arriving: close the connection rather than read it.
      if (status === 413) res.setHeader('connection', 'close');
      sendError(res, status, redactSecrets(status >= 500 ? `internal error: ${(e as Error)?.message ?? String(e)}` : (e as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8321, host, () => resolve());
  });
  // Read every study once now (and make the answer the page loads), so the first page opened does not wait for a large study.
  set.studies().then(
    (mirrors) => mirrors.forEach((m) => columnsOf(set, m)),
    (e: unknown) => log(redactSecrets(`caviar dashboard: reading the studies: ${(e as Error).message}`)),
  );
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}/`;
  return {
    url,
    urlWithToken: `${url}#token=${policy.token}`,
    token: policy.token,
    port,
    server,
    async close() {
      for (const feed of feeds.values()) feed.close();
      await context.importance.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await set.close();
    },
  };
}

interface Context {
  readonly set: StoreSet;
  readonly policy: AccessPolicy;
  readonly files: Map<string, StaticFile>;
  readonly feeds: Map<StudyMirror, StudyFeed>;
  readonly pollMs: number | undefined;
  readonly log: (line: string) => void;
  /** fANOVA's worker thread (started on the first importance request). */
  readonly importance: ImportanceThread;
}

async function handle(req: IncomingMessage, res: ServerResponse, c: Context): Promise<void> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  // The raw path, never decoded: routes and files match it exactly.
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const method = req.method ?? 'GET';
  const isApi = path.startsWith('/api/');
  checkRead(req, c.policy, isApi);
  if (!isApi) {
    const file = c.files.get(path);
    if (!file) throw new HttpError(404, `no such page: ${path.slice(0, 100)}`);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed here`);
    return sendStatic(req, res, file);
  }
  const parts = path.slice('/api/'.length).split('/');
  const [kind, key, action, ...rest] = parts;
  if (rest.length > 0) throw new HttpError(404, `no such API route: ${path.slice(0, 100)}`);
  if (method === 'POST') {
    if (kind !== 'trials' || key === undefined || !CONTROL_ACTIONS.includes(action as ControlAction)) {
      throw new HttpError(404, `no such control: ${path.slice(0, 100)} (POST /api/trials/KEY/${CONTROL_ACTIONS.join('|')})`);
    }
    requireToken(req, c.policy);
    const body = await readJsonBody(req);
    return sendJson(res, 200, await control(c.set, key, action as ControlAction, body));
  }
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed on ${path.slice(0, 100)}`);
  if (kind === 'session' && key === undefined) {
    const given = req.headers[TOKEN_HEADER];
    return sendJson(res, 200, { loopback: c.policy.loopback, token: typeof given === 'string' && given !== '' ? (sameToken(given, c.policy.token) ? 'valid' : 'wrong') : 'missing' });
  }
  if (kind === 'studies' && key === undefined) return sendJson(res, 200, await listStudies(c.set));
  if (kind === 'studies' && action === undefined) return sendJson(res, 200, await studyDetailJson(c.set, key));
  if (kind === 'studies' && action === 'trials') return sendColumns(req, res, await studyColumns(c.set, key));
  if (kind === 'studies' && action === 'importance') return sendJson(res, 200, await importance(c.set, key, c.importance));
  if (kind === 'studies' && action === 'events') return watch(c, key, query.get('since'), res);
  if (kind === 'trials' && key !== undefined && action === undefined) return sendJson(res, 200, await trialDetail(c.set, key));
  if (kind === 'trials' && action === 'model') return sendModel(c.set, key, res);
  if (kind === 'trials' && action === 'onnx') return sendModel(c.set, key, res, 'onnx');
  if (kind === 'studies' && action === 'front') return sendJson(res, 200, await frontAnswer(c.set, key));
  if (kind === 'trials' && action === 'examples') return sendExamples(c.set, key, query, req, res);
  throw new HttpError(404, `no such API route: ${path.slice(0, 100)}`);
}

/** The most event streams open at once: each holds a socket and a poll timer's share. */
const MAX_WATCHERS = 64;

async function watch(c: Context, key: string, sinceText: string | null, res: ServerResponse): Promise<void> {
  const since = sinceText === null ? 0 : Number(sinceText);
  if (!Number.isSafeInteger(since) || since < 0) throw new HttpError(400, `since: expected a cursor (an integer >= 0), got '${sinceText!.slice(0, 40)}'`);
  const mirror = await c.set.study(key);
  let open = 0;
  for (const f of c.feeds.values()) open += f.size;
  if (open >= MAX_WATCHERS) throw new HttpError(429, `too many live views open (${MAX_WATCHERS}); close some tabs`);
  let feed = c.feeds.get(mirror);
  if (!feed) {
    feed = new StudyFeed(mirror, c.set.location(mirror), { pollMs: c.pollMs });
    c.feeds.set(mirror, feed);
  }
  feed.watch(res, since);
}

/** The status for an error: a storage's own errors say what the caller did wrong. */
function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  switch ((e as Error)?.name) {
    case 'InvalidWriteError':
    case 'DistributionConflictError':
    case 'ImportanceError':
      return 400;
    case 'TrialNotFoundError':
    case 'StudyNotFoundError':
    case 'RecordNotFoundError':
      return 404;
    case 'TrialFinishedError':
      return 409;
    default:
      return 500;
  }
}
