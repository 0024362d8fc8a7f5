/**
 * Live updates by server-sent events. While at least one page watches a
 * study, its mirror reads the storage's changes every `pollMs` (`trialsSince`
 * returns only what changed, so an idle poll is one cheap query); each change
 * goes to every watcher as one `trials` event, serialized once. A page that
 * connects with `since` (the cursor of the data it loaded) first gets what it
 * missed in between.
 *
 * After a reset (the storage lost commits a page may have seen: a database
 * crash) a page must replace what it holds, not merge: it gets an `event:
 * reset` with only the new cursor, and loads the study's columns again
 * (`GET /api/studies/KEY/trials`). At 100,000 trials that is 23 MB of typed
 * columns read without parsing, where the whole study in the event was one
 * 46 MB JSON message, serialized on the server's event loop.
 *
 * The page reads the stream with fetch rather than EventSource, because
 * EventSource cannot send the token header that a non-loopback dashboard
 * requires for reads.
 */
import type { ServerResponse } from 'node:http';
import type { ResetEvent, TrialsEvent } from '../api-types.js';
import type { FrozenTrial } from '../../tune/types.js';
import { redactSecrets } from '../../util/redact.js';
import { SECURITY_HEADERS } from './http.js';
import type { MirrorChange, StudyMirror } from './mirror.js';

export interface FeedOptions {
  /** How often a watched study's storage is read (default 300 ms: the page is a second or less behind). */
  readonly pollMs?: number;
  /** A comment line this often keeps proxies and the page's stall detection content (default 15 s). */
  readonly keepAliveMs?: number;
}

/** Everything that watches one study. */
export class StudyFeed {
  private readonly watchers = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private polling = false;

  constructor(
    readonly mirror: StudyMirror,
    private readonly location: string,
    private readonly options: FeedOptions = {},
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Starts an event stream on `res`; it ends when the page goes away or `close` is called. */
  watch(res: ServerResponse, since: number): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 1000\n\n`);
    // A page from before a reset (a database crash rolled back what it saw) must replace what it holds, not merge.
    const reset = since > 0 && (since > this.mirror.cursor || since < this.mirror.resetAt);
    if (reset) res.write(this.resetEvent());
    else {
      const missed = this.mirror.trialsAfter(since);
      res.write(missed.length > 0 ? this.event(missed) : `event: ready\ndata: {"cursor":${this.mirror.cursor}}\n\n`);
    }
    this.watchers.add(res);
    res.on('close', () => this.unwatch(res));
    if (this.watchers.size === 1) this.start();
  }

  private unwatch(res: ServerResponse): void {
    this.watchers.delete(res);
    if (this.watchers.size === 0) this.stop();
  }

  private start(): void {
    this.unlisten = this.mirror.onChange((change) => this.broadcast(change));
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 300);
    this.keepAlive = setInterval(() => {
      for (const res of this.watchers) res.write(': keep-alive\n\n');
    }, this.options.keepAliveMs ?? 15_000);
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.keepAlive);
    this.unlisten?.();
    this.unlisten = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.mirror.refresh(0);
    } catch (e) {
      // A storage hiccup (a file being replaced, a database restarting): say so and try again next tick.
      const text = `event: problem\ndata: ${JSON.stringify({ error: redactSecrets((e as Error).message) })}\n\n`;
      for (const res of this.watchers) res.write(text);
    } finally {
      this.polling = false;
    }
  }

  private broadcast(change: MirrorChange): void {
    if (this.watchers.size === 0) return;
    const text = change.reset ? this.resetEvent() : this.event(change.trials);
    for (const res of this.watchers) res.write(text);
  }

  private event(trials: readonly FrozenTrial[]): string {
    const m = this.mirror;
    const body: TrialsEvent = {
      trials: trials.map((t) => m.row(t)),
      distributions: m.distributions(this.location),
      summary: m.summary(this.location),
      regions: m.regions(),
      cursor: m.cursor,
    };
    return `id: ${m.cursor}\nevent: trials\ndata: ${JSON.stringify(body)}\n\n`;
  }

  /** The study was reset: only the cursor; the page loads the whole study again (see the top of this file). */
  private resetEvent(): string {
    const body: ResetEvent = { cursor: this.mirror.cursor };
    return `id: ${body.cursor}\nevent: reset\ndata: ${JSON.stringify(body)}\n\n`;
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    for (const res of this.watchers) res.end();
    this.watchers.clear();
    this.stop();
  }
}
