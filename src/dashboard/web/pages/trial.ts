/**
 * A trial: parameters, curves with interventions marked, state and timings,
 * retries and lineage, commands, checkpoints, the model download, the
 * model's predictions on the test set (computed in the page: predictions.ts),
 * and the panda controls while it runs. It follows its study's event stream and
 * reloads itself when the trial changes.
 */
import type { Distribution, TrialDetail, TrialLinkRow } from '../../api-types.js';
import { download, getJson, watchStudy } from '../api.js';
import { allDrawn } from '../charts/echarts.js';
import { describe, drawTrialCurves, prunedAt } from '../charts/trial-curves.js';
import { controlsPanel, WAITS_FOR_A_RUNNER, type ControlsPanel } from '../controls.js';
import { badge, el, facts, link, replace, section } from '../dom.js';
import { bytes, duration, json, num, param, time } from '../format.js';
import { predictionsPanel } from '../predictions.js';
import type { Page } from './page.js';

export function trialPage(root: HTMLElement, key: string, canControl: Promise<boolean>): Page {
  let stopped = false;
  let unwatch = () => {};
  let predictions: { dispose(): void } | undefined;
  let reloadTimer: number | undefined;
  replace(root, el('p', { class: 'muted' }, 'Loading the trial…'));
  const page: Page & { title: string } = {
    title: 'Trial',
    dispose() {
      stopped = true;
      unwatch();
      predictions?.dispose();
      clearTimeout(reloadTimer);
    },
  };
  const boxes = {
    head: el('div', { class: 'title-row' }),
    facts: el('div'),
    params: el('div'),
    lineage: el('div'),
    loss: el('div', { class: 'chart', id: 'chart-trial-loss' }),
    accuracy: el('div', { class: 'chart', id: 'chart-trial-accuracy' }),
    rate: el('div', { class: 'chart short', id: 'chart-trial-rate' }),
    commands: el('div', { class: 'scroll' }),
    checkpoints: el('div', { class: 'scroll' }),
    attrs: el('div', { class: 'scroll' }),
    predictions: el('div'),
    live: el('span', { class: 'live muted' }),
  };
  let controls: ControlsPanel | undefined;

  const render = (t: TrialDetail) => {
    document.title = `caviar · ${t.studyName} · trial ${t.number}`;
    page.title = `trial ${t.number}`;
    const state = shownState(t);
    const stop = prunedAt(t);
    replace(boxes.head, el('h1', {}, `Trial ${t.number} `, badge(state)), el('span', {}, 'of study ', link(`/study/${t.studyKey}`, el('span', { class: 'study-name' }, t.studyName))), boxes.live);
    replace(boxes.facts, facts([
      ['state', el('span', { id: 'trial-state' }, badge(state))],
      ['value', t.objectiveValues
        ? el('span', { id: 'objective-values' }, t.objectiveValues.map((v, i) => `${t.objectiveNames?.[i] ?? `objective ${i}`} ${num(v)}`).join(', '))
        : `${num(t.value)} ${t.metric} (${t.direction})`],
      ['constraints', t.constraints
        ? el('span', { id: 'trial-constraints' }, `${t.constraints.map((v) => num(v)).join(', ')}: ${t.constraints.every((v) => v <= 0) ? 'feasible (each <= 0)' : 'infeasible (a value > 0): never best, never on the front'}`)
        : null],
      ['pruned', stop ? el('span', { id: 'pruned-at' }, `at epoch ${num(stop.step)}, ${t.metric} ${num(stop.value)} (the pruner stopped it there)`) : null],
      // A fork or an enqueued trial trains only when a runner of its study claims it.
      ['runner', t.state === 'waiting' ? el('span', { id: 'waits-for-runner' }, `none yet: ${WAITS_FOR_A_RUNNER}`) : null],
      // Which machine, process and slot ran it (the timeline's lane), when its runner recorded that.
      ['worker', t.state !== 'waiting' ? el('span', { id: 'trial-worker' }, t.worker ?? 'not recorded') : null],
      ['started', time(t.startedAt)],
      ['completed', time(t.completedAt)],
      ['duration', t.startedAt ? duration((t.completedAt ?? Date.now()) - t.startedAt) : '–'],
      ['training time', typeof t.userAttrs.trainSeconds === 'number' ? duration(t.userAttrs.trainSeconds * 1000) : '–'],
      ['test accuracy', typeof t.userAttrs.testAccuracy === 'number' ? num(t.userAttrs.testAccuracy) : '–'],
      // The epoch whose weights the trial kept and whose dev metric is its value (tune.epoch: best).
      ['best epoch', typeof t.userAttrs.bestEpoch === 'number' ? el('span', { id: 'best-epoch' }, String(t.userAttrs.bestEpoch)) : null],
      ['stopped', typeof t.userAttrs.stopReason === 'string' ? t.userAttrs.stopReason : null],
      ['failure', typeof t.systemAttrs.failReason === 'string' ? t.systemAttrs.failReason : null],
      ['model', t.hasModel ? el('span', {},
        el('button', { class: 'control', id: 'download-model', onclick: () => void download(`/api/trials/${t.key}/model`, `trial-${t.number}.safetensors`) }, `download trial-${t.number}.safetensors`), ' ',
        el('button', { class: 'control', id: 'download-onnx', onclick: () => void download(`/api/trials/${t.key}/onnx`, `trial-${t.number}.onnx`) }, 'export to ONNX'))
        : t.modelProblem ? el('span', { class: 'error', id: 'model-refused' }, t.modelProblem) : 'none saved'],
    ].filter(([, v]) => v !== null) as [string, Node | string][]));
    replace(boxes.params, el('table', { class: 'grid wrap', id: 'params' },
      el('thead', {}, el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'value'), el('th', {}, 'distribution'))),
      el('tbody', {}, ...Object.entries(t.params).map(([n, v]) => el('tr', {}, el('td', {}, n), el('td', { class: 'num' }, param(v)), el('td', { class: 'muted' }, distText(t.distributions[n])))))));
    replace(boxes.lineage, lineage(t));
    drawTrialCurves(boxes, t);
    replace(boxes.commands, t.commands.length === 0 ? el('p', { class: 'muted' }, 'No command sent to this trial.') : el('table', { class: 'grid', id: 'commands' },
      el('thead', {}, el('tr', {}, ...['#', 'command', 'state', 'step', 'sent', 'settled', 'message'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...t.commands.map((c) => el('tr', { 'data-command': c.id, 'data-state': c.state },
        el('td', {}, String(c.id)), el('td', {}, describe(c.kind, c.args)), el('td', {}, badge(c.state)), el('td', { class: 'num' }, c.step === null ? '–' : num(c.step)),
        el('td', {}, time(c.createdAt)), el('td', {}, time(c.settledAt)), el('td', {}, c.message ?? ''))))));
    replace(boxes.checkpoints, t.checkpoints.length === 0 ? el('p', { class: 'muted' }, 'No checkpoint saved.') : el('table', { class: 'grid', id: 'checkpoints' },
      el('thead', {}, el('tr', {}, ...['#', 'step', 'kind', 'saved', 'size', 'details'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...t.checkpoints.map((c) => el('tr', {},
        el('td', {}, String(c.id)), el('td', { class: 'num' }, num(c.step)), el('td', {}, c.kind), el('td', {}, time(c.createdAt)), el('td', { class: 'num' }, bytes(c.size)), el('td', { class: 'muted' }, json(c.meta, 120)))))));
    const other = Object.entries(t.userAttrs).filter(([k]) => k !== 'curves' && k !== 'interventions');
    replace(boxes.attrs, other.length === 0 ? el('p', { class: 'muted' }, 'None.') : facts(other.map(([k, v]) => [k, json(v)])));
    // Once the trial has a model (a running trial saves it at the end).
    if (!predictions) {
      if (t.hasModel && t.hasExperiment) {
        const panel = predictionsPanel(t);
        predictions = panel;
        replace(boxes.predictions, panel.element);
      } else {
        // A file that records another study or trial is refused: say so, never predict with it.
        replace(boxes.predictions, t.modelProblem ? el('p', { class: 'error', id: 'predictions-refused' }, `No predictions: the model file is refused. ${t.modelProblem}`) : el('p', { class: 'muted' }, !t.hasModel
          ? 'No model saved for this trial (yet): nothing to predict with.'
          : 'Its study recorded no experiment (it was not made by caviar tune), so there is no test set to predict.'));
      }
    }
    controls?.update(t);
  };

  const load = async (first: boolean) => {
    try {
      const t = await getJson<TrialDetail>(`/api/trials/${key}`);
      if (stopped) return;
      if (first) {
        controls = controlsPanel(t, await canControl, () => void load(false));
        replace(root, boxes.head,
          el('div', { class: 'row' }, section('Trial', boxes.facts), section('Parameters', boxes.params), section('Lineage and retries', boxes.lineage)),
          section('Panda controls', controls.element),
          section('Curves', boxes.loss, boxes.accuracy, boxes.rate),
          section('Predictions', boxes.predictions),
          el('div', { class: 'row' }, section('Commands', boxes.commands), section('Checkpoints', boxes.checkpoints)),
          section('Other attributes', boxes.attrs));
        render(t);
        const whenDrawn = () => {
          if (stopped) return;
          if (allDrawn()) window.__caviar.ready.trial = performance.now();
          else requestAnimationFrame(whenDrawn);
        };
        requestAnimationFrame(whenDrawn);
        // A change of this trial, or a reset of its study: read the trial again, once for a burst of changes.
        const reloadSoon = () => {
          reloadTimer ??= window.setTimeout(() => { reloadTimer = undefined; void load(false); }, 150);
        };
        // From the cursor of what was just read: a trial of a 10,000-trial study need not receive them all first.
        unwatch = watchStudy(t.studyKey, t.studyCursor, {
          onTrials(e) {
            if (e.trials.some((r) => r.key === key)) reloadSoon();
          },
          onReset: reloadSoon,
          onStatus(live) {
            boxes.live.textContent = live ? '● live' : '○ reconnecting…';
            boxes.live.className = live ? 'live on' : 'live muted';
          },
        });
      } else {
        render(t);
      }
    } catch (e) {
      if (first) replace(root, el('p', { class: 'error' }, `Could not load trial ${key}: ${(e as Error).message}`), link('/', '← all studies'));
    }
  };
  void load(true);
  return page;
}

/**
 * The state to show: a running trial that applied a pause (and no resume or
 * stop since) is paused, though the storage still records it running.
 */
export function shownState(t: TrialDetail): string {
  if (t.state !== 'running') return t.state;
  let paused = false;
  for (const c of [...t.commands].sort((a, b) => a.id - b.id)) {
    if (c.state !== 'applied') continue;
    if (c.kind === 'pause') paused = true;
    else if (c.kind === 'resume' || c.kind === 'stop') paused = false;
  }
  return paused ? 'paused' : 'running';
}

function distText(d: Distribution | undefined): string {
  if (!d) return 'fixed';
  if (d.type === 'categorical') return `one of ${d.choices.map((c) => param(c)).join(', ')}`;
  const scale = d.scale === 'oneMinusBeta' ? '1 − β scale' : d.scale;
  return `${d.type} ${param(d.low)} … ${param(d.high)}, ${scale}`;
}

function trialLink(l: TrialLinkRow): Node {
  return link(`/trial/${l.key}`, `trial ${l.number}`);
}

function lineage(t: TrialDetail): Node {
  const rows: [string, Node | string][] = [];
  if (t.origin) {
    const parent = t.origin.trialKey ? link(`/trial/${t.origin.trialKey}`, `trial ${t.origin.trial}`) : `trial ${t.origin.trial}`;
    rows.push(['starts from', el('span', {}, `${t.origin.reason}: checkpoint #${t.origin.checkpointId} of `, parent, ` at step ${num(t.origin.step)}`)]);
  }
  const pbt = t.systemAttrs.pbt as { member?: number; generation?: number } | undefined;
  if (pbt && typeof pbt.member === 'number') rows.push(['population', `member ${pbt.member}, generation ${pbt.generation ?? '?'}`]);
  if (t.retryOf) rows.push(['retry of', trialLink(t.retryOf)]);
  if (t.retriedBy) rows.push(['retried by', trialLink(t.retriedBy)]);
  if (typeof t.systemAttrs.retryCount === 'number') rows.push(['retry count', String(t.systemAttrs.retryCount)]);
  if (t.children.length > 0) {
    const list = el('span', {});
    t.children.forEach((c, i) => list.append(...(i > 0 ? [', '] : []), trialLink(c), ` (${c.reason ?? 'fork'})`));
    rows.push(['forks from it', list]);
  }
  return rows.length === 0 ? el('p', { class: 'muted' }, 'Started from scratch; no retry, no fork.') : facts(rows);
}
