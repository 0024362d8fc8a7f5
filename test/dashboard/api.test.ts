/**
 * The dashboard's HTTP API without a browser: what each read returns, live
 * events, the controls (and their token), and every way a request can be
 * wrong: bad keys, bodies, methods, hosts and paths are 4xx answers with a
 * message, never a crash and never a file from outside.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import type { ImportanceAnswer, StudyDetail, StudySummary, TrialDetail, TrialsEvent } from '../../src/dashboard/api-types.js';
import { checkRead } from '../../src/dashboard/server/auth.js';
import { makeStudy } from './fixtures.js';
import { saveModel } from '../../src/io/model-file.js';
import { Sequential } from '../../src/nn/model.js';
import { dense } from '../../src/nn/config.js';
import { studyUid, trialModelMetadata } from '../../src/experiment/trial-model.js';
import { readTrialsEvents, testDashboard, until, type TestDashboard } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-dash-api-'));
const modelPath = join(dir, 'trial-0.safetensors');
let storage: SqliteStorage;
let d: TestDashboard;
let demo: string;
let xss: string;
const XSS = '<script>alert(1)</script>';

before(async () => {
  storage = await SqliteStorage.open(join(dir, 'study.db'));
  await makeStudy(storage, { name: 'demo', trials: 40, regions: true, modelPath });
  await makeStudy(storage, { name: XSS, trials: 8, running: true });
  d = await testDashboard({ storage: [storage] });
  const studies = (await d.get<StudySummary[]>('/api/studies')).body;
  demo = studies.find((s) => s.name === 'demo')!.key;
  xss = studies.find((s) => s.name === XSS)!.key;
});

after(async () => {
  await d.close();
  await storage.close();
});

async function trialKey(study: string, number: number): Promise<string> {
  return (await d.get<StudyDetail>(`/api/studies/${study}`)).body.trials[number].key;
}

test('studies: state, counts by state, best value and last activity', async () => {
  const { status, body } = await d.get<StudySummary[]>('/api/studies');
  assert.equal(status, 200);
  const s = body.find((x) => x.key === demo)!;
  assert.equal(s.state, 'idle');
  assert.deepEqual(s.counts, { waiting: 0, running: 0, complete: 32, pruned: 7, failed: 1 });
  assert.equal(typeof s.best, 'number');
  // The latest start or end of a trial (or the study's creation), as the storage recorded them.
  const record = (await storage.getStudy('demo'))!;
  const { trials } = await storage.trialsSince(record.id, 0);
  assert.equal(s.lastActivity, Math.max(record.createdAt, ...trials.map((t) => Math.max(t.completedAt ?? 0, t.startedAt ?? 0))));
  const x = body.find((y) => y.key === xss)!;
  assert.equal(x.name, XSS, 'names go out as data; the page escapes them');
  assert.equal(x.state, 'running');
});

test('a study: every trial with params and intermediate values, merged distributions, regions, a cursor', async () => {
  const { body } = await d.get<StudyDetail>(`/api/studies/${demo}`);
  assert.equal(body.trials.length, 40);
  assert.deepEqual(Object.keys(body.distributions).sort(), ['batchSize', 'beta', 'dropout', 'hiddenUnits', 'learningRate']);
  assert.equal(body.distributions.beta.type === 'float' && body.distributions.beta.scale, 'oneMinusBeta');
  const pruned = body.trials.find((t) => t.state === 'pruned')!;
  assert.equal(pruned.steps.length, 6, 'a pruned trial keeps the steps it reached');
  assert.equal(body.trials[0].steps.length, 12);
  assert.equal(body.regions.length, 3);
  assert.ok(body.cursor > 0);
});

test('importance: fANOVA finds the learning rate, which the fixture makes matter most', async () => {
  const { status, body } = await d.get<ImportanceAnswer>(`/api/studies/${demo}/importance`);
  assert.equal(status, 200);
  assert.equal(body.importance[0].name, 'learningRate');
  assert.equal(body.trials, 32);
});

test('a trial: curves, params, lineage through a fork and a retry, commands and checkpoints', async () => {
  const key = await trialKey(xss, 7);
  const running = (await d.get<TrialDetail>(`/api/trials/${key}`)).body;
  assert.equal(running.state, 'running');
  assert.ok(Array.isArray(running.userAttrs.curves));
  assert.ok(running.mutableParams.includes('learningRate') && running.mutableParams.includes('dropout') && !running.mutableParams.includes('hiddenUnits'));
  // A checkpoint, and a fork from it through the API.
  const trialId = Number(key.split('-')[1]);
  const cp = await storage.saveCheckpoint(trialId, { step: 3, data: new Uint8Array([1, 2, 3]), meta: { learningRate: 0.01 }, kind: 'manual' });
  const fork = await d.post<{ trial: { key: string; number: number } }>(`/api/trials/${key}/fork`, { checkpointId: cp.id, params: { dropout: 0.25 } });
  assert.equal(fork.status, 200, JSON.stringify(fork.body));
  const child = (await d.get<TrialDetail>(`/api/trials/${fork.body.trial.key}`)).body;
  assert.equal(child.state, 'waiting');
  assert.deepEqual({ ...child.origin }, { checkpointId: cp.id, trial: 7, trialKey: key, step: 3, reason: 'fork' });
  const parent = (await d.get<TrialDetail>(`/api/trials/${key}`)).body;
  assert.deepEqual(parent.children.map((c) => c.number), [child.number]);
  assert.deepEqual(parent.checkpoints.map((c) => [c.id, c.step, c.kind, c.size]), [[cp.id, 3, 'manual', 3]]);
  // A retry links both ways.
  const study = (await d.get<StudyDetail>(`/api/studies/${xss}`)).body;
  const studyId = Number(xss.split('-')[1]);
  const claimed = (await storage.claimTrial(studyId))!;
  await storage.updateTrial(claimed.id, { finish: { state: 'failed', reason: 'worker died', retryable: true } });
  const retry = (await storage.claimTrial(studyId, { maxRetries: 1 }))!;
  const retried = (await d.get<TrialDetail>(`/api/trials/${study.summary.key.split('-')[0]}-${retry.id}`)).body;
  assert.equal(retried.retryOf?.number, claimed.number);
  const original = (await d.get<TrialDetail>(`/api/trials/${retried.retryOf!.key}`)).body;
  assert.equal(original.retriedBy?.number, retry.number);
  await storage.updateTrial(retry.id, { finish: { state: 'complete', value: 0.5 } });
});

test('controls need the token: none is 401, a wrong one 403, nothing is sent', async () => {
  const key = await trialKey(xss, 7);
  const id = Number(key.split('-')[1]);
  const before = (await storage.listCommands(id)).length;
  const none = await d.post<{ error: string }>(`/api/trials/${key}/pause`, {}, null);
  assert.equal(none.status, 401);
  assert.match(none.body.error, /token/);
  const wrong = await d.post<{ error: string }>(`/api/trials/${key}/set`, { params: { learningRate: 0.1 } }, 'not-the-token');
  assert.equal(wrong.status, 403);
  const almost = await d.post(`/api/trials/${key}/stop`, {}, d.token.slice(0, -1));
  assert.equal(almost.status, 403);
  assert.equal((await storage.listCommands(id)).length, before);
});

test('controls with the token go through TrialController: pause, set, resume, checkpoint, stop are recorded as pending', async () => {
  const key = await trialKey(xss, 7);
  const id = Number(key.split('-')[1]);
  for (const [action, body] of [['pause', {}], ['set', { params: { learningRate: 0.003, epochs: 20 } }], ['resume', {}], ['checkpoint', {}]] as const) {
    const r = await d.post<{ command: { kind: string; state: string; args: unknown } }>(`/api/trials/${key}/${action}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.command.kind, action);
    assert.equal(r.body.command.state, 'pending');
  }
  const commands = await storage.listCommands(id);
  const set = commands.find((c) => c.kind === 'set')!;
  assert.deepEqual(set.args, { params: { learningRate: 0.003, epochs: 20 } });
  const detail = (await d.get<TrialDetail>(`/api/trials/${key}`)).body;
  assert.deepEqual(detail.commands.map((c) => c.kind), commands.map((c) => c.kind));
});

test('bad control requests are 4xx with a message', async () => {
  const key = await trialKey(xss, 7);
  const finished = await trialKey(xss, 0);
  const cases: [string, unknown, number, RegExp][] = [
    [`/api/trials/${key}/set`, { params: { hiddenUnits: 3 } }, 400, /cannot change while a trial runs/],
    [`/api/trials/${key}/set`, { params: { learningRate: 'fast' } }, 400, /finite number/],
    [`/api/trials/${key}/set`, { params: {} }, 400, /at least one/],
    [`/api/trials/${key}/set`, { params: [1] }, 400, /object/],
    [`/api/trials/${key}/rollback`, { checkpointId: 99999 }, 400, /no checkpoint/],
    [`/api/trials/${key}/rollback`, { checkpointId: -1 }, 400, /checkpointId/],
    [`/api/trials/${key}/fork`, { checkpointId: 'x' }, 400, /checkpointId/],
    [`/api/trials/${key}/explode`, {}, 404, /no such control/],
    [`/api/trials/${finished}/pause`, {}, 409, /not running|complete/],
    [`/api/trials/0-99999/pause`, {}, 404, /no trial/],
    [`/api/trials/nonsense/pause`, {}, 400, /bad trial key/],
  ];
  for (const [path, body, status, message] of cases) {
    const r = await d.post<{ error: string }>(path, body);
    assert.equal(r.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, message, path);
  }
  const base = `http://127.0.0.1:${d.port}/api/trials/${key}/pause`;
  const post = (body: string, type = 'application/json') => fetch(base, { method: 'POST', headers: { 'content-type': type, 'x-caviar-token': d.token }, body });
  assert.equal((await post('{not json')).status, 400);
  assert.equal((await post('[1,2]')).status, 400);
  assert.equal((await post('{}', 'text/plain')).status, 415);
  const big = await post(JSON.stringify({ pad: 'x'.repeat(100_000) }));
  assert.equal(big.status, 413);
  assert.match(((await big.json()) as { error: string }).error, /limit/);
});

test('bad reads are 4xx with a message, and the server keeps serving', async () => {
  const cases: [string, number][] = [
    ['/api/studies/abc', 400], ['/api/studies/0-99999', 404], ['/api/studies/7-1', 404], ['/api/studies/0-1/nothing', 404],
    ['/api/trials/0-99999', 404], ['/api/trials/0-1/model/extra', 404], ['/api/nothing', 404],
    [`/api/studies/${demo}/events?since=-4`, 400], [`/api/studies/${demo}/events?since=abc`, 400],
  ];
  for (const [path, status] of cases) {
    const r = await d.get<{ error: string }>(path);
    assert.equal(r.status, status, path);
    assert.equal(typeof r.body.error, 'string');
  }
  const del = await fetch(`http://127.0.0.1:${d.port}/api/studies`, { method: 'DELETE' });
  assert.equal(del.status, 405);
  assert.equal((await d.get('/api/studies')).status, 200);
});

test('path traversal, encoded or not, never reaches a file outside the bundle', async () => {
  for (const path of [
    '/../../etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/app.js/../../../../etc/passwd',
    '//etc/passwd', '/.%00./etc/passwd', '/..\\..\\etc\\passwd', '/api/../../etc/passwd', '/index.html%00.js', '/build.json', '/%2fetc%2fpasswd',
    '/api/trials/0-1/model/../../../etc/passwd',
  ]) {
    const r = await d.raw(path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.doesNotMatch(r.text, /root:/, path);
  }
  const page = await d.raw('/');
  assert.equal(page.status, 200);
  assert.match(page.text, /<script src="\/app\.js" defer><\/script>/);
});

test('answers carry a strict content security policy (no inline script, nothing from the network)', async () => {
  const res = await fetch(`http://127.0.0.1:${d.port}/`);
  const csp = res.headers.get('content-security-policy')!;
  // WebAssembly may be compiled (the predictions worker), JavaScript may not be evaluated.
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.doesNotMatch(csp, /'unsafe-eval'/);
  assert.match(csp, /default-src 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  // Cross-origin isolated: what any browser requires before it gives the wasm backend its shared memory.
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
});

test('another Host (DNS rebinding) is refused on loopback; off loopback every read needs the token', async () => {
  assert.equal((await d.raw('/api/studies', { host: 'evil.example:80' })).status, 403);
  assert.equal((await d.raw('/api/studies', { host: `localhost:${d.port}` })).status, 200);
  const req = (headers: Record<string, string>) => ({ headers } as unknown as IncomingMessage);
  const policy = { token: 'secret', loopback: false };
  assert.throws(() => checkRead(req({ host: '10.0.0.5:8321' }), policy, true), /token/);
  assert.throws(() => checkRead(req({ host: '10.0.0.5:8321', 'x-caviar-token': 'nope' }), policy, true), /wrong token/);
  assert.doesNotThrow(() => checkRead(req({ host: '10.0.0.5:8321', 'x-caviar-token': 'secret' }), policy, true));
  assert.doesNotThrow(() => checkRead(req({ host: '10.0.0.5:8321' }), policy, false), 'the page itself holds no data');
});

test("a trial's model downloads by trial key, and only the file its model attribute records", async () => {
  const key = await trialKey(demo, 0);
  const res = await fetch(`http://127.0.0.1:${d.port}/api/trials/${key}/model`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="trial-0.safetensors"');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(modelPath));
  assert.equal((await d.get(`/api/trials/${await trialKey(demo, 1)}/model`)).status, 404, 'no model recorded');
  // A model attribute that names some other file is not served.
  const other = (await storage.claimTrial(Number(demo.split('-')[1]), { heartbeat: false }))!;
  await storage.updateTrial(other.id, { userAttrs: { model: '/etc/passwd' }, finish: { state: 'complete', value: 0.1 } });
  const r = await d.raw(`/api/trials/${demo.split('-')[0]}-${other.id}/model`);
  assert.equal(r.status, 404);
  assert.doesNotMatch(r.text, /root:/);
});

test("a model file that records another study or trial is refused for download, predictions and examples, and the page says why", async () => {
  const key = await trialKey(demo, 0);
  const good = readFileSync(modelPath);
  const record = (await storage.getStudy('demo'))!;
  const params = (await d.get<TrialDetail>(`/api/trials/${key}`)).body.params;
  const model = new Sequential({ inputSize: 2, layers: [dense(3)] }, { seed: 2 });
  const expectRefused = async (problem: RegExp) => {
    const r = await d.raw(`/api/trials/${key}/model`);
    assert.equal(r.status, 409);
    const message = JSON.parse(r.text).error as string;
    assert.match(message, new RegExp(`^refused: ${modelPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not the model of trial 0 of study 'demo': `));
    assert.match(message, problem);
    const detail = (await d.get<TrialDetail>(`/api/trials/${key}`)).body;
    assert.equal(detail.hasModel, false, 'no download button, no predictions');
    assert.equal(`refused: ${detail.modelProblem}`, message);
    assert.equal((await d.raw(`/api/trials/${key}/examples`)).status, 409, 'no examples to predict with a wrong model');
  };
  try {
    // Another study of the same name in another storage (another uid), same trial number: the swap.
    saveModel(model, modelPath, trialModelMetadata({ name: 'demo', uid: 'ffff0000' }, 0, params));
    await expectRefused(new RegExp(`it records study 'demo' \\(uid ffff0000\\), trial 0; this study's uid is ${studyUid(record)}$`));
    // This study's file of another trial.
    saveModel(model, modelPath, trialModelMetadata({ name: 'demo', uid: studyUid(record) }, 7, params));
    await expectRefused(/it records trial 7 of this study$/);
    // A file of an earlier caviar (trial and params only): served when both match, refused when the params differ.
    saveModel(model, modelPath, { experiment: 'demo', trial: '0', params: JSON.stringify(params) });
    const legacy = await d.raw(`/api/trials/${key}/model`);
    assert.equal(legacy.status, 200);
    assert.equal((await d.get<TrialDetail>(`/api/trials/${key}`)).body.modelProblem, null);
    saveModel(model, modelPath, { experiment: 'demo', trial: '0', params: JSON.stringify({ ...params, learningRate: 0.5 }) });
    await expectRefused(new RegExp(`it records other parameters \\(learningRate 0\\.5; the trial has ${params.learningRate}\\)`));
    // Not a model at all.
    writeFileSync(modelPath, 'not really a model, but bytes to send back');
    await expectRefused(/: it is not a readable caviar model file$/);
  } finally {
    writeFileSync(modelPath, good);
  }
  assert.equal((await d.raw(`/api/trials/${key}/model`)).status, 200);
});

test('live: a watcher gets the trials that change (how soon is bench/dashboard.ts\'s figure)', async () => {
  const detail = (await d.get<StudyDetail>(`/api/studies/${xss}`)).body;
  const running = detail.trials.find((t) => t.state === 'running')!;
  const abort = new AbortController();
  const res = await fetch(`http://127.0.0.1:${d.port}/api/studies/${xss}/events?since=${detail.cursor}`, { signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/event-stream/);
  const events: TrialsEvent[] = [];
  const reading = readTrialsEvents(res, (e) => events.push(e));
  const id = Number(running.key.split('-')[1]);
  await storage.updateTrial(id, { intermediate: [[4, 0.77]] });
  const event = await until('an event with step 4', () => events.find((e) => e.trials.some((t) => t.key === running.key && t.steps.includes(4))), undefined, 10);
  assert.ok(event.cursor > detail.cursor);
  // Only what changed: the running trial, with its new value, and not the study's 7 others.
  assert.deepEqual(event.trials.map((t) => t.key), [running.key]);
  assert.equal(event.trials[0].values[event.trials[0].steps.indexOf(4)], 0.77);
  abort.abort();
  await reading;
});

test('caviar dashboard: prints an address with the token, serves, and stops', async () => {
  const { dashboardCommand } = await import('../../src/cli/dashboard.js');
  const lines: string[] = [];
  const out = { text: (l: string) => lines.push(l), event: (_t: string, _d: unknown, human: string) => lines.push(human) };
  const stop = new AbortController();
  const running = dashboardCommand(['--storage', join(dir, 'study.db'), '--port', '0'], out, stop.signal);
  const url = await until('the address', () => lines.join('\n').match(/http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}/)?.[0]);
  const res = await fetch(new URL('/api/studies', url));
  assert.equal(res.status, 200);
  assert.ok(((await res.json()) as StudySummary[]).some((s) => s.name === 'demo'));
  stop.abort();
  assert.equal(await running, 0);
  const { main } = await import('../../src/cli/main.js');
  assert.equal(await main(['dashboard', '--port', 'x'], () => {}, () => {}), 2);
  assert.equal(await main(['dashboard', '--storage', join(dir, 'missing.db')], () => {}, () => {}), 2);
  const help: string[] = [];
  assert.equal(await main(['dashboard', '--help'], (l) => help.push(l)), 0);
  assert.match(help.join('\n'), /--storage/);
});

test('without --storage: every caviar-out/<name>/study.db, and one that appears later', async () => {
  const root = join(dir, 'caviar-out');
  const make = async (name: string) => {
    mkdirSync(join(root, name), { recursive: true });
    const s = await SqliteStorage.open(join(root, name, 'study.db'));
    await makeStudy(s, { name, trials: 3 });
    await s.close();
  };
  await make('first');
  await make('second');
  const folder = await testDashboard({ folder: root });
  try {
    const names = async () => (await folder.get<StudySummary[]>('/api/studies')).body.map((s) => `${s.key.split('-')[0]}:${s.name}`).sort();
    assert.deepEqual(await names(), ['0:first', '1:second']);
    await make('third');
    assert.deepEqual(await until('the new study file', async () => ((await names()).length === 3 ? names() : undefined), undefined, 200), ['0:first', '1:second', '2:third']);
  } finally {
    await folder.close();
  }
});

test('the page is revalidated on each load and answered 304 when unchanged', async () => {
  const first = await fetch(`http://127.0.0.1:${d.port}/app.js`);
  const etag = first.headers.get('etag')!;
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  const again = await fetch(`http://127.0.0.1:${d.port}/app.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await again.arrayBuffer()).byteLength, 0);
});
