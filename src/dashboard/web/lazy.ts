/**
 * Parts of a page (a chart, a card of charts, the table) drawn when they
 * come near the view, and drawn again after a change only when they are
 * near it. At 100,000 trials each chart below the first screen costs a few
 * hundred milliseconds; drawing them all on load made the page wait 3-5 s
 * for charts nobody was looking at yet, and every live change paid that
 * again. A part out of view is only marked stale, and drawn when a person
 * scrolls to it; the parts within about a screen of the view are drawn
 * ahead the first time, so that a scroll finds them ready. A part that
 * already shows older data is drawn again only once it is in view: a live
 * study changes every few hundred milliseconds, and redrawing the charts
 * below the window each time (half a second each at 100,000 trials) held
 * back the ones a person watches. Parts drawn again are drawn one per task,
 * so the page answers a click between two of them; a first screen is drawn
 * in one task, to paint as one.
 *
 * Visibility is read from the layout (`getBoundingClientRect`) when a draw
 * is chosen; the IntersectionObserver only says when to look again. So
 * `settled()` is right at once after a scroll, before the observer reports.
 *
 * @example
 *   const lazy = new LazyParts((name, draw) => timed(name, draw));
 *   lazy.add('parallel', parallelBox, () => drawParallel(parallelBox, m));
 *   lazy.invalidate(); // after a change of the data: near parts drawn again, the others when seen
 */
import { drawnWithin } from './charts/echarts.js';

/** How far outside the window a part is drawn ahead of a scroll, in pixels (about one screen). */
export const AHEAD_PX = 900;

interface Part {
  readonly name: string;
  readonly element: HTMLElement;
  readonly draw: () => void;
  stale: boolean;
  /** Drawn at least once: it shows older data while stale, and is drawn again when in view (not ahead). */
  shown: boolean;
}

/** How far from the window a stale part is drawn: ahead for its first draw, in view for the next ones. */
function reach(p: Part): number {
  return p.shown ? 0 : AHEAD_PX;
}

export class LazyParts {
  private readonly parts: Part[] = [];
  private readonly observer: IntersectionObserver;
  /** Says when a part enters the window itself (one drawn before is drawn again then). */
  private readonly inView: IntersectionObserver;
  private scheduled = false;
  private stopped = false;
  /** Milliseconds spent drawing parts since `takeBusy()` was last called. */
  private busy = 0;
  private drew = false;
  /** How many times each part was drawn (read by the browser test: a part out of view is not drawn again). */
  readonly draws: Record<string, number> = {};

  /**
   * `run(name, draw)` draws one part (the page times it and keeps one
   * failing chart from stopping the others); `onIdle` is called when every
   * part near the view is drawn (after drawing some).
   */
  constructor(
    private readonly run: (name: string, draw: () => void) => void,
    private readonly onIdle: () => void = () => {},
  ) {
    this.observer = new IntersectionObserver(() => this.schedule(), { rootMargin: `${AHEAD_PX}px 0px` });
    this.inView = new IntersectionObserver(() => this.schedule());
  }

  /** A part drawn by `draw` into `element` (stale until first drawn). */
  add(name: string, element: HTMLElement, draw: () => void): void {
    this.parts.push({ name, element, draw, stale: true, shown: false });
    this.observer.observe(element);
    this.inView.observe(element);
    this.schedule();
  }

  /**
   * The data changed: every part (or those named) is out of date; those in view are drawn again, the others when
   * seen (one never drawn yet, when near).
   */
  invalidate(names?: string | readonly string[]): void {
    const only = typeof names === 'string' ? [names] : names;
    for (const p of this.parts) if (only === undefined || only.includes(p.name)) p.stale = true;
    this.schedule();
  }

  /**
   * Whether every part within `ahead` pixels of the view is drawn and its charts have finished rendering (a part
   * drawn before that is stale counts only in view: out of it, it shows its older data until seen).
   */
  settled(ahead = AHEAD_PX): boolean {
    for (const p of this.parts) {
      const d = distance(p.element);
      if (d > ahead) continue;
      if (p.stale && d <= reach(p)) {
        this.schedule();
        return false;
      }
      if (!drawnWithin(p.element)) return false;
    }
    return true;
  }

  /** The drawing time since the last call (ms), for the page's throttle of live redraws. */
  takeBusy(): number {
    const b = this.busy;
    this.busy = 0;
    return b;
  }

  dispose(): void {
    this.stopped = true;
    this.observer.disconnect();
    this.inView.disconnect();
  }

  /** One part per task, so the page paints and answers input between two charts. */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setTimeout(() => this.step(), 0);
  }

  private step(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const stale = this.parts.filter((p) => p.stale).map((p) => ({ p, d: distance(p.element) })).filter((x) => x.d <= reach(x.p));
    if (stale.length === 0) {
      // Only after drawing: the observer also wakes this on scrolls that bring nothing stale.
      if (this.drew) this.onIdle();
      this.drew = false;
      return;
    }
    // Every part in view drawn for the first time in one task, as one screen; parts in view drawn again, one per task;
    // then what is within a screen of it, one per task, and only once what is in view has finished rendering (a chart
    // renders in a later frame, which drawing ahead would delay).
    const inView = stale.filter((x) => x.d === 0);
    const first = inView.filter((x) => !x.p.shown);
    if (inView.length === 0 && this.parts.some((p) => !p.stale && distance(p.element) === 0 && !drawnWithin(p.element))) {
      this.scheduled = true;
      requestAnimationFrame(() => {
        this.scheduled = false;
        this.schedule();
      });
      return;
    }
    const now = first.length > 0 ? first : inView.length > 0 ? [inView[0]] : [stale.reduce((a, b) => (b.d < a.d ? b : a))];
    this.drew = true;
    const t0 = performance.now();
    for (const { p } of now) {
      p.stale = false;
      p.shown = true;
      this.draws[p.name] = (this.draws[p.name] ?? 0) + 1;
      this.run(p.name, p.draw);
    }
    this.busy += performance.now() - t0;
    this.schedule();
  }
}

/** Pixels between an element and the window (0: at least partly in view; Infinity: not laid out, e.g. hidden). */
function distance(element: HTMLElement): number {
  const r = element.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return Infinity;
  if (r.bottom < 0) return -r.bottom;
  if (r.top > window.innerHeight) return r.top - window.innerHeight;
  return 0;
}
