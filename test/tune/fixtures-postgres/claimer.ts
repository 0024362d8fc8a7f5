// A worker that claims and finishes trials of one PostgreSQL study as fast as
// it can until the study has `budget` complete or running trials. Run by
// storage-postgres.test.ts, several at once, to prove that claims are atomic
// and that no conflict surfaces as an error.
// Usage: node --import tsx claimer.ts <url> <schema> <study> <budget>
// Prints the trial numbers it completed, as JSON.
import { PostgresStorage } from '../../../src/tune/storage/postgres.js';

const [url, schema, name, budget] = process.argv.slice(2);
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
process.stdout.write(JSON.stringify(numbers) + '\n');
