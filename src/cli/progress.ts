/**
 * Progress a person can follow. On a terminal, one status line (a bar) sits
 * under the permanent lines and is redrawn in place with `\r` and "clear
 * line"; each permanent line (an epoch, a trial) is written above it. Piped
 * output never sees a control character: there, the commands print the
 * permanent lines only. `--quiet` keeps the final summary alone.
 *
 * @example
 *   const out = ttyOutput(process.stdout);
 *   out.progress?.(epochProgress({ epoch: 1, epochs: 10, batch: 5, batches: 20, loss: 0.7, samplesPerSecond: 9000 }));
 *   out.event('epoch', {}, 'epoch 1/10  loss 0.6931');   // printed above the bar, the bar drawn again under it
 */
import type { Output, Terminal } from './output.js';

/** Carriage return, then ANSI "erase the whole line": the bar's old text is gone, the cursor at column 0. */
export const CLEAR_LINE = '\r\x1b[2K';

export interface TtyOptions {
  /** Skip redraws closer together than this (default 80 ms): a terminal is slow next to a training step. */
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * An Output for a terminal: permanent lines go above the bar; a 'done'
 * event (the summary) removes the bar for good.
 */
export function ttyOutput(terminal: Terminal, options: TtyOptions = {}): Output {
  const minInterval = options.minIntervalMs ?? 80;
  const now = options.now ?? Date.now;
  let bar = ''; // the text now on screen under the permanent lines
  let drawnAt = -Infinity;
  const fit = (text: string) => {
    // A wrapped line cannot be redrawn with \r; columns is 0 when the terminal does not say.
    const width = Math.max(20, (terminal.columns || 80) - 1);
    return text.length > width ? text.slice(0, width - 1) + '…' : text;
  };
  const permanent = (line: string, keepBar: boolean) => {
    const clear = bar === '' ? '' : CLEAR_LINE;
    if (!keepBar) bar = '';
    terminal.write(`${clear}${line}\n${bar}`);
  };
  return {
    text: (line) => permanent(line, true),
    event: (type, _data, human) => {
      if (human !== '') permanent(human, type !== 'done');
      else if (type === 'done' && bar !== '') {
        terminal.write(CLEAR_LINE);
        bar = '';
      }
    },
    progress: (text) => {
      if (text === '') {
        if (bar !== '') terminal.write(CLEAR_LINE);
        bar = '';
        return;
      }
      const t = now();
      const skip = bar !== '' && t - drawnAt < minInterval;
      bar = fit(text); // drawn now, or under the next permanent line: the newest text is never lost
      if (skip) return;
      drawnAt = t;
      terminal.write(CLEAR_LINE + bar);
    },
  };
}

/** `--quiet`: only the final summary (the 'done' event) gets through. */
export function quietOutput(out: Output): Output {
  return {
    text: () => {},
    event: (type, data, human) => {
      if (type === 'done') out.event(type, data, human);
    },
  };
}

/** `[########------------]` for a fraction in 0..1. */
export function bar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The train bar: `epoch 3/10 [#####---] batch 12/40  loss 0.4521  8210 samples/s`. */
export function epochProgress(p: { epoch: number; epochs: number; batch: number; batches: number; loss: number; samplesPerSecond: number }): string {
  return `epoch ${p.epoch}/${p.epochs} ${bar(p.batch / p.batches)} batch ${p.batch}/${p.batches}  ` +
    `loss ${Number.isFinite(p.loss) ? p.loss.toFixed(4) : String(p.loss)}  ${Math.round(p.samplesPerSecond)} samples/s`;
}

/** The tune bar: `trial 5 of 12 [######------] best 0.9312 (trial 3)  42s elapsed, ~1m10s left`. */
export function trialProgress(p: { complete: number; trials: number; best?: { value: number; number: number }; elapsedS: number; remainingS?: number }): string {
  const k = Math.min(p.complete + 1, p.trials);
  const best = p.best ? `best ${p.best.value.toFixed(4)} (trial ${p.best.number})` : 'best -';
  const left = p.remainingS !== undefined && Number.isFinite(p.remainingS) ? `, ~${clock(p.remainingS)} left` : '';
  return `trial ${k} of ${p.trials} ${bar(p.complete / p.trials)} ${best}  ${clock(p.elapsedS)} elapsed${left}`;
}

/** 42s, 3m05s, 1h02m. */
export function clock(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
