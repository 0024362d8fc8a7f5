/**
 * The panda controls of a trial page: pause, resume, stop, save a
 * checkpoint, change hyperparameters, roll back to a checkpoint, fork from
 * one. Each posts to the server with the token; the command then shows as
 * pending until the trial takes and settles it (the page refreshes the
 * trial when its stream says it changed).
 *
 * The panel is built once per trial page, so a value being typed is not
 * lost when the trial's curves update under it; `update` refreshes only the
 * buttons' state and the checkpoint lists.
 */
import type { CheckpointRow, CommandRow, TrialDetail, TrialLinkRow } from '../api-types.js';
import { postJson } from './api.js';
import { el, replace } from './dom.js';
import { num, param } from './format.js';
import { describe } from './charts/trial-curves.js';


/** What a waiting trial (a fork) needs: nothing trains it until a runner of its study claims it. */
export const WAITS_FOR_A_RUNNER =
  'it trains when a caviar tune or caviar worker of this study claims its next trial. If none is running, or the study has ' +
  'reached its budget, start one: caviar tune EXPERIMENT --trials N (more than the complete trials), or caviar worker --storage URL --study NAME.';

export interface ControlsPanel {
  readonly element: HTMLElement;
  update(t: TrialDetail): void;
}

/** `canControl`: whether the page holds the right token. */
export function controlsPanel(first: TrialDetail, canControl: boolean, onSent: () => void): ControlsPanel {
  const key = first.key;
  const status = el('p', { class: 'command-status', id: 'command-status', role: 'status' });
  let watched: CommandRow | undefined;

  const send = async (action: string, body: unknown = {}) => {
    status.textContent = `${action}: sending…`;
    status.className = 'command-status';
    try {
      const answer = await postJson<{ command?: CommandRow; trial?: TrialLinkRow }>(`/api/trials/${key}/${action}`, body);
      if (answer.trial) {
        // The status line now tells of the fork; later reloads must not put the previous command back.
        watched = undefined;
        status.replaceChildren(
          `fork: new trial ${answer.trial.number} enqueued; ${WAITS_FOR_A_RUNNER} `,
          el('a', { href: `#/trial/${answer.trial.key}` }, `open trial ${answer.trial.number}`),
        );
      } else if (answer.command) {
        watched = answer.command;
        showWatched();
      }
      onSent();
    } catch (e) {
      status.textContent = `${action}: refused: ${(e as Error).message}`;
      status.className = 'command-status error';
    }
  };
  const showWatched = () => {
    if (!watched) return;
    const c = watched;
    const where = c.step !== null ? ` at step ${num(c.step)}` : '';
    status.textContent = `${describe(c.kind, c.args)} (command ${c.id}): ${c.state}${where}${c.message ? ` — ${c.message}` : ''}`;
    status.className = `command-status cmd-${c.state}`;
  };

  const button = (label: string, action: string, cls = '') => el('button', { class: `control ${cls}`, 'data-action': action, onclick: () => void send(action) }, label);
  const buttons = el('div', { class: 'buttons' },
    button('pause', 'pause'), button('resume', 'resume'), button('stop', 'stop', 'danger'), button('save checkpoint', 'checkpoint'));

  // Each hyperparameter that can change mid-run, prefilled with the trial's value.
  const inputs = new Map<string, HTMLInputElement>();
  const setForm = el('form', { class: 'set-form', onsubmit: (e: Event) => {
    e.preventDefault();
    const params: Record<string, number> = {};
    for (const [name, input] of inputs) if (input.value.trim() !== '' && input.value !== input.defaultValue) params[name] = Number(input.value);
    if (Object.keys(params).length === 0) {
      status.textContent = 'set: change a value first';
      return;
    }
    void send('set', { params }).then(() => {
      for (const [name, input] of inputs) if (name in params) input.defaultValue = input.value;
    });
  } });
  for (const name of first.mutableParams) {
    const v = first.params[name];
    const input = el('input', { type: 'number', step: 'any', name, 'data-param': name, value: typeof v === 'number' ? String(v) : '', placeholder: typeof v === 'number' ? '' : 'as configured' });
    inputs.set(name, input);
    setForm.append(el('label', {}, name, input));
  }
  setForm.append(el('button', { type: 'submit', class: 'control', 'data-action': 'set' }, 'apply'));

  const rollbackSelect = el('select', { 'aria-label': 'checkpoint to roll back to', 'data-role': 'rollback-checkpoint' });
  const rollback = el('div', { class: 'inline' }, 'Roll back to ', rollbackSelect,
    el('button', { class: 'control', 'data-action': 'rollback', onclick: () => void send('rollback', { checkpointId: Number(rollbackSelect.value) }) }, 'roll back'));

  const forkSelect = el('select', { 'aria-label': 'checkpoint to fork from', 'data-role': 'fork-checkpoint' });
  const forkInputs = new Map<string, HTMLInputElement>();
  const forkForm = el('form', { class: 'set-form', onsubmit: (e: Event) => {
    e.preventDefault();
    const params: Record<string, unknown> = {};
    for (const [name, input] of forkInputs) {
      if (input.value === input.defaultValue) continue;
      const old = first.params[name];
      params[name] = typeof old === 'number' ? Number(input.value) : typeof old === 'boolean' ? input.value === 'true' : input.value;
    }
    void send('fork', { checkpointId: Number(forkSelect.value), params });
  } }, el('span', {}, 'Fork a new trial from ', forkSelect, ' with:'));
  for (const [name, v] of Object.entries(first.params)) {
    const input = el('input', { type: typeof v === 'number' ? 'number' : 'text', step: 'any', name, 'data-fork-param': name, value: param(v) === '–' ? '' : String(v) });
    forkInputs.set(name, input);
    forkForm.append(el('label', {}, name, input));
  }
  forkForm.append(el('button', { type: 'submit', class: 'control', 'data-action': 'fork' }, 'fork'));

  const runningOnly = el('div', {}, buttons, el('h3', {}, 'Change hyperparameters'), setForm, rollback);
  const note = el('p', { class: 'muted small', id: 'controls-note' });
  const forkSection = el('div', {}, el('h3', {}, 'Fork'), forkForm);
  const element = el('div', { class: 'controls', id: 'controls' }, note, status, runningOnly, forkSection);

  const fillSelect = (select: HTMLSelectElement, list: readonly CheckpointRow[]) => {
    const keep = select.value;
    replace(select, ...[...list].reverse().map((c) => el('option', { value: c.id }, `#${c.id} at step ${num(c.step)} (${c.kind})`)));
    if (list.some((c) => String(c.id) === keep)) select.value = keep;
  };

  const update = (t: TrialDetail) => {
    const live = t.state === 'running' || t.state === 'waiting';
    runningOnly.hidden = !live;
    // What the trial allows, with or without the token: a page without it still says what could be done.
    note.textContent = (!canControl ? 'Controls need the token: open the address caviar dashboard printed (…/#token=…). ' : '') + (t.state === 'waiting' ? `This trial waits: ${WAITS_FOR_A_RUNNER}`
      : live ? 'Each change is sent to the trial, which applies it at its next step and records that step.'
      : t.checkpoints.length > 0 ? `The trial is ${t.state}: it can only be forked from a checkpoint.`
      // No checkpoint: say what would have made one, rather than a panel with nothing to press.
      : `The trial is ${t.state} and saved no checkpoint, so nothing here can act on it: it cannot be forked. Trials save checkpoints ` +
        'while they run when the experiment sets tune.checkpointEvery, or when "save checkpoint" is pressed on a running trial.');
    for (const b of element.querySelectorAll('button')) b.disabled = !canControl;
    fillSelect(rollbackSelect, t.checkpoints);
    fillSelect(forkSelect, t.checkpoints);
    rollback.hidden = t.checkpoints.length === 0;
    forkSection.hidden = t.checkpoints.length === 0;
    if (watched) {
      watched = t.commands.find((c) => c.id === watched!.id) ?? watched;
      showWatched();
    }
  };
  update(first);
  return { element, update };
}
