// A damaged study file (truncated, overwritten with random bytes, a text file
// named study.db, pages scrambled inside) gives one error from every command
// that opens a study: the file named, what SQLite or the size check found,
// what to do, exit code 2 (bad input), and not one byte of the file changed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { createStudy } from '../../src/tune/study.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-damaged-'));
const output = join(dir, 'caviar-out', 'x');
const db = join(output, 'study.db');
const good = join(dir, 'good.db');
const experiment = join(dir, 'exp.yaml');
const home = process.cwd();

before(async () => {
  mkdirSync(output, { recursive: true });
  const raw = {
    name: 'x',
    output,
    data: { source: 'blobs', classes: 3, perClass: 30, features: 4 },
    model: { hidden: [8] },
    train: { epochs: 1 },
    tune: { trials: 2 },
  };
  writeFileSync(experiment, JSON.stringify(raw));
  const exp = parseExperiment(raw, experiment);
  // A real study file with enough trials to span many pages.
  const study = await createStudy({ name: 'x', storage: good, direction: exp.tune!.direction, data: { experiment: exp.raw, source: experiment } });
  for (let i = 0; i < 60; i++) {
    const trial = await study.ask();
    trial.suggestFloat('lr', 1e-4, 1, { log: true });
    trial.report(i, 0);
    await study.tell(trial, i);
  }
  await study.close();
  // `caviar studies` without --storage looks in ./caviar-out/*/study.db.
  process.chdir(dir);
});

after(() => {
  process.chdir(home);
  rmSync(dir, { recursive: true, force: true });
});

const damages: Record<string, { make: () => void; reason: RegExp }> = {
  truncated: {
    make: () => {
      copyFileSync(good, db);
      truncateSync(db, Math.floor(statSync(good).size / 2));
    },
    reason: /truncated: \d+ bytes, where its header counts \d+ pages of \d+ bytes/,
  },
  'random bytes': { make: () => writeFileSync(db, randomBytes(20_000)), reason: /SQLite: file is not a database/ },
  'a text file': { make: () => writeFileSync(db, 'notes about the study, not the study\n'.repeat(40)), reason: /SQLite: file is not a database/ },
  // The header and size intact, every page after the first overwritten: only reading it through finds it.
  'scrambled pages': {
    make: () => {
      const bytes = readFileSync(good);
      randomBytes(bytes.length - 4096).copy(bytes, 4096);
      writeFileSync(db, bytes);
    },
    reason: /SQLite: .*malformed|SQLite: .*corrupt|SQLite: \*\*\* in database main \*\*\*/,
  },
};

const commands: Record<string, string[]> = {
  tune: ['tune', experiment],
  worker: ['worker', '--storage', db, '--study', 'x'],
  studies: ['studies', '--storage', db],
  'studies (caviar-out/)': ['studies'],
  show: ['show', 'x', '--storage', db],
  best: ['best', 'x', '--storage', db, '--export', join(dir, 'best.caviar')],
  zoom: ['zoom', 'x', '--storage', db],
  dashboard: ['dashboard', '--storage', db, '--port', '0'],
};

for (const [damage, { make, reason }] of Object.entries(damages)) {
  test(`a study file that is ${damage}: every command names it, says what to do, exits 2 and leaves it untouched`, async () => {
    for (const [name, args] of Object.entries(commands)) {
      make();
      const before = readFileSync(db);
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, (l) => out.push(l), (l) => err.push(l));
      const command = args[0];
      assert.equal(code, 2, `${name}: exit code\n${err.join('\n')}\n${out.join('\n')}`);
      assert.equal(err.length, 1, `${name}: one line\n${err.join('\n')}`);
      const line = err[0];
      assert.match(line, new RegExp(`^caviar ${command}: `), name);
      assert.ok(line.includes('study.db is not a readable study file ('), `${name}: names the file\n${line}`);
      assert.match(line, reason, name);
      assert.ok(line.endsWith('; it may be damaged: restore it from a backup, or point --storage elsewhere'), `${name}: says what to do\n${line}`);
      assert.ok(Buffer.compare(before, readFileSync(db)) === 0, `${name}: the file is unchanged`);
      assert.equal(existsSync(`${db}-wal`), false, `${name}: no write-ahead log was started on it`);
      assert.equal(existsSync(`${db}-shm`), false, `${name}: nor its index`);
    }
  });
}

test('an empty study.db is not a study file for a command that reads one, and stays empty', async () => {
  writeFileSync(db, '');
  const err: string[] = [];
  assert.equal(await main(['show', 'x', '--storage', db], () => {}, (l) => err.push(l)), 2);
  assert.match(err[0], /study\.db is not a readable study file \(the file is empty \(0 bytes\)\); point --storage at a study file caviar wrote$/);
  assert.equal(statSync(db).size, 0, 'still empty');
});
