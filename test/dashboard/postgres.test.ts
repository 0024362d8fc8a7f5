/**
 * The dashboard on PostgreSQL, through the URL a user passes to --storage:
 * studies, a study, live events and a control, and a mistyped schema refused
 * rather than created. Skips with a notice when no server answers.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresStorage } from '../../src/tune/storage/postgres.js';
import type { StudyDetail, StudySummary } from '../../src/dashboard/api-types.js';
import { startDashboard } from '../../src/dashboard/server/server.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { makeStudy } from './fixtures.js';
import { testDashboard, until } from './helpers.js';
import { PG_URL, pgAvailable, sql } from '../helpers/postgres.js';

const BASE = PG_URL;
const schema = `caviar_dashboard_test_${process.pid}`;
const url = `${BASE}?schema=${schema}`;


const available = pgAvailable;
after(() => (available ? sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`) : undefined));

test('caviar dashboard --storage postgres://...: studies, a study, live changes and a control', async (t) => {
  if (!requireOrSkip(t, available, `no PostgreSQL server answers at ${BASE} (start it, or run .ci/run)`)) return;
  const storage = await PostgresStorage.open(url);
  const d = await testDashboard({ storage: url });
  try {
    await makeStudy(storage, { name: 'on-postgres', trials: 12, running: true });
    const [summary] = (await d.get<StudySummary[]>('/api/studies')).body;
    assert.equal(summary.name, 'on-postgres');
    assert.equal(summary.storage, storage.location);
    assert.doesNotMatch(summary.storage, /:[^@/]*@/, 'no password in what the page shows');
    // The dashboard may have read the study while the fixture was still writing it; answers can be one
    // refresh (200 ms) old, so wait for the whole study rather than take the first answer.
    const detail = await until('all 12 trials', async () => {
      const body = (await d.get<StudyDetail>(`/api/studies/${summary.key}`)).body;
      return body.trials.length === 12 ? body : undefined;
    });
    assert.equal(detail.trials.length, 12);
    const running = detail.trials.find((x) => x.state === 'running')!;
    const id = Number(running.key.split('-')[1]);
    // A change made by another process shows in the next poll.
    await storage.updateTrial(id, { intermediate: [[4, 0.5]] });
    await until('the change', async () => ((await d.get<StudyDetail>(`/api/studies/${summary.key}`)).body.trials.find((x) => x.key === running.key)!.steps.includes(4) ? true : undefined));
    const pause = await d.post<{ command: { kind: string; state: string } }>(`/api/trials/${running.key}/pause`);
    assert.equal(pause.status, 200);
    assert.deepEqual((await storage.listCommands(id)).map((c) => [c.kind, c.state]), [['pause', 'pending']]);
  } finally {
    await d.close();
    await storage.close();
  }
  await assert.rejects(startDashboard({ storage: `${BASE}?schema=${schema}_typo`, port: 0 }), /schema/);
});
