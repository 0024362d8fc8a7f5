// createStudy / optimize / loadStudy end to end on PostgreSQL, through the
// storage URL a user writes. Skips with a one-line notice when no server answers.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { TestSampler } from './study-sampler.js';
import { PG_URL, pgAvailable, sql } from '../helpers/postgres.js';

const BASE = PG_URL;
const schema = `caviar_study_test_${process.pid}`;
const url = `${BASE}?schema=${schema}`;


const available = pgAvailable;
after(() => (available ? sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`) : undefined));

test('createStudy and optimize on a postgres:// storage; a second process view sees the same study', async (t) => {
  if (!requireOrSkip(t, available, `no PostgreSQL server answers at ${BASE} (start it, or run .ci/run)`)) return;
  const study = await createStudy({ name: 'quad', storage: url, direction: 'minimize', sampler: new TestSampler(1), data: { experiment: 'q.yaml' } });
  assert.equal(study.storage.location, `${BASE}?schema=${schema}`);
  await study.optimize(
    (trial) => {
      const x = trial.suggestFloat('x', -10, 10);
      trial.report(Math.abs(x), 0);
      if (trial.number === 3) throw new Error('boom');
      return (x - 2) ** 2;
    },
    { nTrials: 12, concurrency: 3 },
  );
  assert.equal(study.trials().length, 12);
  assert.equal(study.trials(['complete']).length, 11);
  assert.match(String(study.trials(['failed'])[0].systemAttrs.failReason), /boom/);
  assert.equal(study.bestValue, Math.min(...study.trials(['complete']).map((x) => x.value!)));

  const again = await loadStudy({ name: 'quad', storage: url, sampler: new TestSampler(2) });
  assert.deepEqual(again.data, { experiment: 'q.yaml' });
  assert.deepEqual(again.trials().map((x) => [x.number, x.state, x.params.x]), study.trials().map((x) => [x.number, x.state, x.params.x]));
  await again.optimize((trial) => (trial.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 3 });
  await study.refresh();
  assert.deepEqual(study.trials().map((x) => x.number), Array.from({ length: 15 }, (_, i) => i), 'the first view sees the new trials');
  await again.close();
  await study.close();
  await assert.rejects(loadStudy({ name: 'nope', storage: url }), /no study named "nope"/);
});
