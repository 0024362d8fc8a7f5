/**
 * Talking to the dashboard's server: JSON reads and control posts, both with
 * the token header when the page has one, and the live stream.
 */
import { TOKEN_HEADER, type ResetEvent, type TrialsEvent } from '../api-types.js';
import { saveFile } from './dom.js';

const TOKEN_KEY = 'caviar.token';

/**
 * Takes the token from the address fragment (`#token=...`, as
 * `caviar dashboard` prints it) into sessionStorage, and removes it from the
 * address bar and history. The token never goes in a cookie or a URL the
 * page requests.
 */
export function adoptToken(): void {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, m[1]);
  history.replaceState(null, '', `${location.pathname}#/`);
}

function headers(json: boolean): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return { ...(token ? { [TOKEN_HEADER]: token } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
}

/** The server's error message for a failed request. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }))) as T & { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(path, { headers: headers(false), signal }));
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return answer<T>(await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) }));
}

/** A binary answer (a model file, test examples) with the token; an error answer throws its message. */
export async function getBytes(path: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const res = await fetch(path, { headers: headers(false), signal });
  if (!res.ok) await answer(res);
  return res.arrayBuffer();
}

/** Fetches a file (the model) with the token and hands it to the browser as a download. */
export async function download(path: string, name: string): Promise<void> {
  const res = await fetch(path, { headers: headers(false) });
  if (!res.ok) await answer(res);
  saveFile(name, await res.blob());
}

export interface StreamHandlers {
  onTrials(event: TrialsEvent): void;
  /**
   * The storage lost commits this page may have seen (a database crash):
   * drop what it holds and load the study again. The `trials` events that
   * follow are changes after `cursor`.
   */
  onReset(event: ResetEvent): void;
  /** The stream is up (true) or down and retrying (false). */
  onStatus?(live: boolean): void;
}

/**
 * Follows a study's live changes from `since`. A server-sent-events stream
 * read with fetch (EventSource cannot send the token header); reconnects
 * after a second when it drops, from the last cursor seen. Call the returned
 * function to stop.
 */
export function watchStudy(studyKey: string, since: number, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  let cursor = since;
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`/api/studies/${studyKey}/events?since=${cursor}`, { headers: headers(false), signal: abort.signal });
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        handlers.onStatus?.(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            if (event === 'trials') {
              const parsed = JSON.parse(data) as TrialsEvent;
              cursor = parsed.cursor;
              handlers.onTrials(parsed);
            } else if (event === 'reset') {
              const parsed = JSON.parse(data) as ResetEvent;
              cursor = parsed.cursor;
              handlers.onReset(parsed);
            }
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      handlers.onStatus?.(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void run();
  return () => abort.abort();
}
