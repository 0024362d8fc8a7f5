/**
 * `caviar dashboard`: serves the dashboard (src/dashboard/) until Ctrl-C.
 */
import { startDashboard, type Dashboard } from '../dashboard/server/server.js';
import { isLoopback } from '../dashboard/server/auth.js';
import { StorageError } from '../tune/storage/errors.js';
import { redactSecrets, redactUrl } from '../util/redact.js';
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';
import { UsageError, type Output } from './output.js';

/** A storage that cannot be opened, as its errors say it (PostgreSQL's and SQLite's, see tune/storage/). */
const STORAGE_PROBLEM = /no study file|does not know|names no file|names no host|schema|durability|not a valid URL|not a PostgreSQL URL|connect|ECONNREFUSED|cannot open|not a database|malformed/;

export const dashboardSpec = command({
  name: 'dashboard',
  summary: 'watch studies live in a browser, and steer a running trial (the panda way)',
  usage: '[options]',
  about: `Serves a web page that shows every study live: optimization history, learning
curves, parallel coordinates, slices, parameter importance, and each trial
with its curves, lineage and model. On a running trial it offers the panda
controls: pause, resume, stop, change the learning rate, checkpoint, roll
back, fork.`,
  options: {
    storage: {
      type: 'string', value: 'PATH|URL',
      doc: 'a SQLite study file or postgres://user@host/db (default: every caviar-out/*/study.db, where caviar tune writes)',
    },
    port: { type: 'string', value: 'P', doc: 'the port to listen on (default 8321; 0: any free port)' },
    host: {
      type: 'string', value: 'H',
      doc: 'the address to listen on (default 127.0.0.1); on any other address every request needs the token, and anyone who can reach it can try',
    },
  },
  notes: `It prints an address with a token (http://127.0.0.1:8321/#token=...): the
controls work only from a page opened with it. Ctrl-C stops the server.`,
  exits: '0 stopped by Ctrl-C; 2 bad usage, a port in use, an address not of this machine, or a storage that cannot be opened',
  examples: ['caviar dashboard --port 8400'],
});

export async function dashboardCommand(args: string[], out: Output, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand(args, dashboardSpec);
  if (values.help) {
    out.text(helpText(dashboardSpec));
    return 0;
  }
  if (positionals.length) throw new UsageError(`takes no arguments, got '${positionals[0]}': caviar dashboard ${dashboardSpec.usage}`);
  const port = values.port === undefined ? 8321 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number 0..65535, got '${values.port}'`);
  const host = values.host ?? '127.0.0.1';
  let dashboard: Dashboard;
  try {
    dashboard = await startDashboard({ storage: values.storage, port, host });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use (another dashboard?); pick another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${host}: not an address of this machine`);
    // What is wrong with the storage given is bad input (exit 2), as in 'caviar studies' and 'show'.
    if (values.storage !== undefined && (e instanceof StorageError || STORAGE_PROBLEM.test((e as Error).message))) {
      throw new UsageError(`--storage: ${redactSecrets((e as Error).message)}`);
    }
    throw e;
  }
  const where = values.storage === undefined ? 'caviar-out/*/study.db' : redactUrl(values.storage);
  out.event('dashboard', { url: dashboard.urlWithToken, token: dashboard.token, storage: where },
    [`caviar dashboard: studies in ${where}`, `  open ${dashboard.urlWithToken}`, isLoopback(host) ? '' : `  listening on ${host}: every request needs the token`, '  Ctrl-C to stop']
      .filter(Boolean).join('\n'));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await dashboard.close();
  return 0;
}
