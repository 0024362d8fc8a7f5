/**
 * The study page's card for a multi-objective study: the front in objective
 * space and its hypervolume over trials, read from `/api/studies/KEY/front`
 * and read again when the study changes. Hidden for a single-objective study.
 * Reading the front and drawing it are apart: the study page draws the card
 * when it comes into view (lazy.ts), and `onRead` tells it a new front came.
 */
import type { FrontAnswer } from '../front-types.js';
import { getJson } from './api.js';
import { el, section } from './dom.js';
import { drawFront } from './charts/front.js';
import { drawHypervolume } from './charts/hypervolume.js';
import type { OpenTrial } from './charts/echarts.js';

export class FrontPanel {
  readonly element: HTMLElement;
  private readonly front = el('div', { class: 'chart', id: 'chart-front' });
  private readonly frontNote = el('p', { class: 'muted small', id: 'front-note' });
  private readonly hypervolume = el('div', { class: 'chart', id: 'chart-hypervolume' });
  private readonly hypervolumeNote = el('p', { class: 'muted small', id: 'hypervolume-note' });
  private asked = -1;
  private answer: FrontAnswer | undefined;

  constructor(private readonly studyKey: string, private readonly open: OpenTrial, private readonly onRead: () => void = () => {}) {
    this.element = el('div', { class: 'row', id: 'front-panel' },
      section('Pareto front', this.frontNote, this.front),
      section('Hypervolume over trials', this.hypervolume, this.hypervolumeNote));
    this.element.hidden = true;
  }

  /** Reads the front again when the study moved past `cursor` and shows or hides the card; `onRead` then asks for a draw. */
  async refresh(cursor: number): Promise<void> {
    if (cursor === this.asked) return;
    this.asked = cursor;
    const answer = await getJson<FrontAnswer>(`/api/studies/${this.studyKey}/front`);
    this.element.hidden = answer.directions.length < 2;
    // What the card last read (the browser tests wait for it).
    this.element.dataset.objectives = String(answer.directions.length);
    this.answer = this.element.hidden ? undefined : answer;
    if (this.answer) this.onRead();
  }

  /** Draws the front last read (nothing for a single-objective study). */
  draw(): void {
    if (!this.answer) return;
    this.frontNote.textContent = drawFront(this.front, this.answer, this.open);
    this.hypervolumeNote.textContent = drawHypervolume(this.hypervolume, this.answer);
  }
}
