// A process that hammers one SQLite study file: claims trials, writes params and
// values, finishes them, as fast as it can. Run by storage-sqlite.test.ts, several
// at once, to prove that lock contention never surfaces as an error.
// Usage: node --import tsx storage-writer.ts <file> <study> <trials>
import { SqliteStorage } from '../../../src/tune/storage/sqlite.js';

const [path, name, count] = process.argv.slice(2);
const storage = await SqliteStorage.open(path);
const study = (await storage.getStudy(name))!;
const numbers: number[] = [];
let cursor = 0;
for (let i = 0; i < Number(count); i++) {
  const t = (await storage.claimTrial(study.id, { staleGraceMs: 60_000 }))!;
  numbers.push(t.number);
  await storage.updateTrial(t.id, {
    params: [{ name: 'x', value: i, distribution: { type: 'int', low: 0, high: 1000, step: 1, scale: 'linear' } }],
    intermediate: [[0, i]],
  });
  await storage.updateTrial(t.id, { heartbeat: true });
  cursor = (await storage.trialsSince(study.id, cursor)).cursor;
  await storage.updateTrial(t.id, { finish: { state: 'complete', value: i } });
}
await storage.close();
process.stdout.write(JSON.stringify(numbers) + '\n');
