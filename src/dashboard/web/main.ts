/**
 * The dashboard page: a hash router over three pages.
 *
 *   #/                 studies
 *   #/study/KEY        one study
 *   #/trial/KEY        one trial (with the panda controls)
 *
 * Opened as `…/#token=…`, it first moves the token into sessionStorage.
 */
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
let session: Session = { loopback: true, token: 'missing' };

function route(): void {
  current?.dispose();
  disposeCharts();
  window.__caviar.ready = {};
  const root = document.getElementById('app')!;
  const hash = location.hash.replace(/^#/, '') || '/';
  const study = /^\/study\/(\d+-\d+)$/.exec(hash);
  const trial = /^\/trial\/(\d+-\d+)$/.exec(hash);
  document.title = 'caviar dashboard';
  if (study) current = studyPage(root, study[1]);
  else if (trial) current = trialPage(root, trial[1], session.token === 'valid');
  else if (hash === '/') current = studiesPage(root);
  else {
    current = { title: 'not found', dispose() {} };
    replace(root, el('p', { class: 'error' }, 'No such page. '), el('a', { href: '#/' }, 'All studies'));
  }
  window.scrollTo(0, 0);
}

async function start(): Promise<void> {
  adoptToken();
  try {
    session = await getJson<Session>('/api/session');
  } catch {
    // Off loopback without a token: every read is refused; the pages say so.
  }
  const badge = document.getElementById('session')!;
  badge.textContent = session.token === 'valid' ? 'controls enabled' : session.token === 'wrong' ? 'wrong token: controls disabled' : 'read-only (no token)';
  badge.className = `session ${session.token}`;
  window.addEventListener('hashchange', route);
  route();
}

void start();
