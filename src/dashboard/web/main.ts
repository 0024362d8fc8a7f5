/**
 * The dashboard page: a hash router over three pages.
 *
 *   #/                 studies
 *   #/study/KEY        one study (?compare=3,7,12: those trials side by side)
 *   #/trial/KEY        one trial (with the panda controls)
 *
 * Opened as `…/#token=…`, it first moves the token into sessionStorage.
 */
// First: it starts loading the study in the address while the rest of the script is set up.
import './prefetch.js';
import './style.css';
import { adoptToken, getJson } from './api.js';
import { disposeCharts } from './charts/echarts.js';
import { el, replace } from './dom.js';
import type { Page } from './pages/page.js';
import { studiesPage } from './pages/studies.js';
import { studyPage } from './pages/study.js';
import { trialPage } from './pages/trial.js';

interface Session {
  loopback: boolean;
  token: 'valid' | 'wrong' | 'missing';
}

let current: Page | undefined;
/** Asked once at start, alongside the first page's own requests (not before them). */
let session: Promise<Session>;

function route(): void {
  current?.dispose();
  disposeCharts();
  window.__caviar.ready = {};
  window.__caviar.rendered = {};
  const root = document.getElementById('app')!;
  const hash = location.hash.replace(/^#/, '') || '/';
  const study = /^\/study\/(\d+-\d+)(?:\?(.*))?$/.exec(hash);
  const trial = /^\/trial\/(\d+-\d+)$/.exec(hash);
  document.title = 'caviar dashboard';
  if (study) current = studyPage(root, study[1], new URLSearchParams(study[2] ?? ''));
  else if (trial) current = trialPage(root, trial[1], session.then((s) => s.token === 'valid'));
  else if (hash === '/') current = studiesPage(root);
  else {
    current = { title: 'not found', dispose() {} };
    replace(root, el('p', { class: 'error' }, 'No such page. '), el('a', { href: '#/' }, 'All studies'));
  }
  window.scrollTo(0, 0);
}

async function start(): Promise<void> {
  adoptToken();
  // Off loopback without a token every read is refused: the pages say so.
  session = getJson<Session>('/api/session').catch((): Session => ({ loopback: false, token: 'missing' }));
  window.addEventListener('hashchange', route);
  route();
  const s = await session;
  const badge = document.getElementById('session')!;
  badge.textContent = s.token === 'valid' ? 'controls enabled' : s.token === 'wrong' ? 'wrong token: controls disabled' : 'read-only (no token)';
  badge.className = `session ${s.token}`;
}

void start();
