/**
 * The PostgreSQL storage's connection: what a `postgres://` URL names
 * (`parseTarget`), the pool (`createPool`), and transactions retried
 * through serialization failures, deadlocks and lost connections
 * (`Transactions`), with the one-line errors a person sees.
 */
import pg from 'pg';
import { StorageError } from './errors.js';
// One idea of where a password sits in a URL (also '@', ':' or '/' inside it), shared with every command.
import { redactUrl as redact } from '../../util/redact.js';

/** How long a commit waits: see `PostgresStorageOptions.durability`. */
export type Durability = 'full' | 'fast';

/** bigint columns (ids, versions, ms timestamps) as JS numbers: they stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** What a `postgres://` URL names, with the password left out of anything printed. */
export interface Target {
  readonly connectionString: string;
  readonly schema: string;
  /** `postgres://user@host:port/db` (plus `?schema=` when not public), for messages. */
  readonly location: string;
  /** `host:port`, for connection errors. */
  readonly address: string;
  readonly user: string;
  readonly database: string;
  readonly durability: Durability;
}

/**
 * Splits a storage URL into what `pg` needs and what messages show.
 * `?schema=NAME` picks the PostgreSQL schema (the `schema` option wins).
 */
export function parseTarget(url: string, schemaOption: string | undefined, durabilityOption: Durability | undefined): Target {
  const hint = 'write postgres://user[:password]@host[:port]/database';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageError(`storage "${redact(url)}" is not a valid URL; ${hint}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StorageError(`storage "${redact(url)}" is not a PostgreSQL URL; ${hint}`);
  }
  if (parsed.hostname === '') throw new StorageError(`storage "${redact(url)}" names no host; ${hint}`);
  const schema = schemaOption ?? parsed.searchParams.get('schema') ?? 'public';
  if (schema.length === 0 || Buffer.byteLength(schema) > 63) {
    throw new StorageError(`storage "${redact(url)}": schema name must be 1 to 63 bytes, got "${schema}"`);
  }
  parsed.searchParams.delete('schema');
  const durability = durabilityOption ?? parsed.searchParams.get('durability') ?? 'full';
  if (durability !== 'full' && durability !== 'fast') {
    throw new StorageError(`storage "${redact(url)}": durability must be full or fast, got "${durability}"`);
  }
  parsed.searchParams.delete('durability');
  const user = decodeURIComponent(parsed.username) || process.env.PGUSER || process.env.USER || 'postgres';
  const database = decodeURIComponent(parsed.pathname.slice(1)) || user;
  const address = `${parsed.hostname}:${parsed.port || '5432'}`;
  const shown = `postgres://${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
  return {
    connectionString: parsed.toString(),
    schema,
    location: schema === 'public' ? shown : `${shown}?schema=${schema}`,
    address,
    user,
    database,
    durability,
  };
}

/** A one-line error for a connection that could not be made. */
export function connectError(e: unknown, target: Target): StorageError {
  const where = `cannot connect to PostgreSQL at ${target.address}`;
  const code = errorCode(e);
  const message = (e as Error)?.message ?? String(e);
  if (code === 'ECONNREFUSED') return new StorageError(`${where}: connection refused (is the server running?)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new StorageError(`${where}: no such host`);
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return new StorageError(`${where}: connection timed out`);
  if (code === '28P01' || code === '28000') {
    return new StorageError(`${where}: authentication failed for user "${target.user}" (${message})`);
  }
  if (code === '3D000') return new StorageError(`${where}: database "${target.database}" does not exist`);
  if (/password must be a string|SASL/.test(message)) {
    return new StorageError(`${where}: authentication failed for user "${target.user}" (the server wants a password)`);
  }
  return new StorageError(`${where}: ${message.split('\n')[0]}`);
}

/** The error's code, looking inside the AggregateError Node raises when every address of a host refuses. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  const inner = (e as { errors?: unknown[] })?.errors;
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function isConnectionError(e: unknown): boolean {
  const code = errorCode(e);
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('57P'))) return true;
  if (code === '53300') return true; // too many connections: wait for one to free up
  const message = (e as Error)?.message ?? '';
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|the database system is/i.test(
    message,
  );
}

/** 40001 serialization failure, 40P01 deadlock, 55P03 lock not available. */
function isConflict(e: unknown): boolean {
  const code = errorCode(e);
  return code === '40001' || code === '40P01' || code === '55P03';
}

function isTransient(e: unknown): boolean {
  return !(e instanceof StorageError) && (isConflict(e) || isConnectionError(e));
}

function describeTransient(e: unknown): string {
  return isConflict(e) ? 'transaction conflicts' : `lost connection (${((e as Error)?.message ?? String(e)).split('\n')[0]})`;
}

/** Storage errors pass through; anything the server or driver raised becomes a one-line StorageError. */
function asStorageError(e: unknown, location: string): unknown {
  if (e instanceof StorageError || e instanceof TypeError || !(e instanceof Error)) return e;
  if (!(e instanceof pg.DatabaseError) && errorCode(e) === undefined) return e;
  return new StorageError(`${location}: ${e.message.split('\n')[0]}`, { cause: e });
}

/** Ends a failed transaction: rolls back a live connection, discards a broken one. */
async function abandon(client: pg.PoolClient, inTransaction: boolean, error: unknown): Promise<void> {
  if (isConnectionError(error)) return client.release(true);
  if (!inTransaction) return client.release();
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch {
    client.release(true);
  }
}

/** A transaction in progress: the results of the statements that opened it, and whether `fn` committed it. */
export interface Tx {
  opened: pg.QueryResult[];
  committed: boolean;
}

/**
 * The connection pool for `target`: bigint columns as numbers, `fast`
 * durability as the session's synchronous_commit, and connections the
 * server drops (a restart) discarded rather than crashing the process.
 */
export function createPool(target: Target, options: { poolSize?: number; connectTimeoutMs?: number }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: options.poolSize ?? 4,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    allowExitOnIdle: true,
    types: TYPES,
    application_name: 'caviar',
    ...(target.durability === 'fast' ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle connection the server dropped (a restart): the pool discards it and the next query reconnects.
  pool.on('error', () => undefined);
  // A connection in use when the server goes away (a restart) emits 'error' on its client; without a
  // listener that would crash the process. The query running on it rejects too, and is retried.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * A storage's pool and its transactions: each runs until it commits or fails
 * with anything but a transient error (see `transaction`).
 */
export class Transactions {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    /** Where, for messages (no password). */
    private readonly location: string,
    /** Give up after the server has been unreachable this long in all (ms). */
    private readonly reconnectForMs: number,
    /** Tests: see `PostgresStorageOptions.loseAnswerAfterCommit`. */
    private readonly loseAnswer: ((method: string) => boolean) | undefined,
  ) {}

  async one<R extends pg.QueryResultRow>(method: string, text: string, values: unknown[]): Promise<R | undefined> {
    return (await this.all<R>(method, text, values))[0];
  }

  /** One statement on its own (its own snapshot and transaction), retried like a transaction. */
  all<R extends pg.QueryResultRow>(method: string, text: string, values: unknown[]): Promise<R[]> {
    return this.transaction(method, undefined, async (c) => (await c.query<R>(text, values)).rows);
  }

  /**
   * Runs `fn` in a transaction until it commits or fails with anything but a
   * transient error: serialization failures, deadlocks and lost connections
   * are retried with jittered exponential backoff, for `reconnectForMs` in all.
   * `begin` (BEGIN, possibly followed by a statement without parameters, in
   * one round trip) opens the transaction, and `fn` gets the rows of its last
   * statement (and `tx.opened`, every statement's result); without `begin`,
   * `fn` runs one statement on its own. `fn` may send COMMIT itself, with its
   * last statement, and say so in `tx.committed`. `method` names the caller,
   * for the tests' fault hook (`loseAnswerAfterCommit`).
   */
  async transaction<T>(
    method: string,
    begin: string | undefined,
    fn: (c: pg.PoolClient, first: pg.QueryResultRow[], attempt: number, tx: Tx) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new StorageError(`${this.location} is closed`);
    const start = Date.now();
    let delay = 5;
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.pool.connect();
        const tx: Tx = { opened: [], committed: false };
        if (begin) {
          const opened = (await client.query(begin)) as pg.QueryResult | pg.QueryResult[];
          tx.opened = Array.isArray(opened) ? opened : [opened];
        }
        const result = await fn(client, tx.opened.at(-1)?.rows ?? [], attempt, tx);
        if (begin && !tx.committed) await client.query('COMMIT');
        if (this.loseAnswer?.(method)) {
          // Tests: the commit happened, but the caller is told the connection dropped before its answer.
          throw Object.assign(new Error('Connection terminated unexpectedly (test fault after COMMIT)'), { code: 'ECONNRESET' });
        }
        client.release();
        return result;
      } catch (e) {
        if (client) await abandon(client, begin !== undefined, e);
        if (!isTransient(e)) throw asStorageError(e, this.location);
        const elapsed = Date.now() - start;
        if (elapsed > this.reconnectForMs || this.closed) {
          throw new StorageError(
            `${this.location}: gave up after ${Math.round(elapsed / 1000)} s of ${describeTransient(e)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
        // Conflicts clear in milliseconds; a restarting server takes seconds.
        delay = Math.min(delay * 2, isConflict(e) ? 100 : 1000);
      }
    }
  }

  /** Ends the pool; later calls fail with "closed". */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
