/**
 * The PostgreSQL server the tests talk to (CAVIAR_TEST_POSTGRES_URL, else
 * the local one on 127.0.0.1:5432, database `test`), a one-shot query, and
 * whether it answers: tests skip with PG_NOTICE when it does not (or fail,
 * under CAVIAR_REQUIRE_ALL=1).
 */
import pg from 'pg';

export const PG_URL = process.env.CAVIAR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const PG_NOTICE = `no PostgreSQL server answers at ${PG_URL} (start it, or run .ci/run)`;

/** Runs one statement (or several, without values) on a connection of its own. */
export async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export const pgAvailable: boolean = await sql('SELECT 1').then(
  () => true,
  () => false,
);

/**
 * `sql`, retried every 250 ms for up to ten seconds while the server comes
 * back (the tests that restart or crash it).
 *
 * @example await sqlWhenUp('SELECT 1'); // returns once the restarted server answers
 */
export async function sqlWhenUp(text: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await sql(text);
      return;
    } catch (e) {
      if (attempt >= 40) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
