/** The studies page: every study with its state, trial counts, best value and last activity; refreshed every two seconds. */
import type { StudySummary } from '../../api-types.js';
import { getJson } from '../api.js';
import { badge, el, replace } from '../dom.js';
import { ago, num, time } from '../format.js';
import type { Page } from './page.js';

export function studiesPage(root: HTMLElement): Page {
  const body = el('div', {}, el('p', { class: 'muted' }, 'Loading studies…'));
  replace(root, el('h1', {}, 'Studies'), body);
  let stopped = false;
  let timer: number | undefined;
  const load = async () => {
    try {
      const studies = await getJson<StudySummary[]>('/api/studies');
      if (stopped) return;
      replace(body, studies.length === 0 ? el('p', { class: 'muted' }, 'No studies yet: caviar tune EXPERIMENT creates one (in caviar-out/ unless --storage says otherwise).') : table(studies));
      window.__caviar.ready.studies ??= performance.now();
    } catch (e) {
      if (!stopped) replace(body, el('p', { class: 'error' }, `Could not load the studies: ${(e as Error).message}`));
    }
    if (!stopped) timer = window.setTimeout(load, 2000);
  };
  void load();
  return {
    title: 'Studies',
    dispose() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function table(studies: StudySummary[]): HTMLTableElement {
  return el('table', { class: 'grid', id: 'studies' },
    el('thead', {}, el('tr', {}, ...['study', 'state', 'direction', 'complete', 'pruned', 'running', 'waiting', 'failed', 'best', 'last activity', 'storage'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...studies.map((s) => el('tr', {},
      el('td', {}, el('a', { href: `#/study/${s.key}`, class: 'study-name' }, s.name)),
      el('td', {}, badge(s.state)),
      el('td', {}, s.direction),
      ...(['complete', 'pruned', 'running', 'waiting', 'failed'] as const).map((k) => el('td', { class: 'num' }, String(s.counts[k]))),
      el('td', { class: 'num best' }, s.best === null ? '–' : `${s.metric} ${num(s.best)} (trial ${s.bestTrial})`),
      el('td', { title: time(s.lastActivity) }, ago(s.lastActivity)),
      el('td', { class: 'muted small' }, s.storage)))));
}
