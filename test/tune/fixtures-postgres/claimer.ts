// Workers that claim and finish trials of one PostgreSQL study as fast as they
// can until the study has `budget` complete or running trials, each worker
// with its own PostgresStorage (its own connections). Run by
// storage-postgres.test.ts, several processes at once, to prove that claims
// are atomic and that no conflict surfaces as an error.
// Usage: node --import tsx claimer.ts <url> <schema> <study> <budget> [workers=1]
// Prints the trial numbers each worker completed, as JSON: one array per worker.
import { PostgresStorage } from '../../../src/tune/storage/postgres.js';

const [url, schema, name, budget, workers = '1'] = process.argv.slice(2);

async function work(): Promise<number[]> {
  const storage = await PostgresStorage.open(url, { schema });
  const study = (await storage.getStudy(name))!;
  const numbers: number[] = [];
  let cursor = 0;
  for (;;) {
    const t = await storage.claimTrial(study.id, { staleGraceMs: 60_000, maxCompleteOrRunning: Number(budget) });
    if (!t) break;
    numbers.push(t.number);
    await storage.updateTrial(t.id, {
      params: [{ name: 'x', value: t.number, distribution: { type: 'int', low: 0, high: 100_000, step: 1, scale: 'linear' } }],
      intermediate: [[0, t.number]],
    });
    await storage.updateTrial(t.id, { heartbeat: true });
    cursor = (await storage.trialsSince(study.id, cursor)).cursor;
    await storage.updateTrial(t.id, { finish: { state: 'complete', value: t.number } });
  }
  await storage.close();
  return numbers;
}

const results = await Promise.all(Array.from({ length: Number(workers) }, work));
process.stdout.write(JSON.stringify(results) + '\n');
