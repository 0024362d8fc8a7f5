/**
 * The code a worker thread of the executor runs: load the objective module
 * once, then run one trial per 'run' message. The trial the objective sees
 * is a `RemoteTrial`: `suggest` and `shouldPrune` block on a synchronous
 * round trip to the main thread, where the study's sampler and pruner live;
 * reports and attributes are posted without waiting, on the same port, so
 * the main thread sees them in order, before the result.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { describeError, describeValue } from './describe.js';
import type { LinkReply, LinkRequest, WorkerInit, WorkerMessage, WorkerReply } from './executor.js';
import { trialOrigin } from './control.js';
import { checkJson } from './storage/rules.js';
import type { Checkpoint, CheckpointInfo, CommandRecord } from './storage/storage.js';
import { checkConstraintValues, checkReport, TrialBase, type TrialLink } from './trial.js';
import type { Distribution, ParamValue } from './types.js';

/** The trial an objective sees inside a worker thread. */
class RemoteTrial extends TrialBase {
  private readonly values: Record<string, ParamValue>;
  private readonly attrs: Record<string, unknown>;

  readonly live: TrialLink;

  /** Why this trial can no longer be trusted (a reply never came), once it is so. */
  lost: string | undefined;

  constructor(
    readonly number: number,
    params: Record<string, ParamValue>,
    userAttrs: Record<string, unknown>,
    systemAttrs: Record<string, unknown>,
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
    private readonly replyTimeoutMs: number,
    /** How many objectives the study has (see `checkReport`). */
    private readonly objectives: number,
  ) {
    super();
    this.values = { ...params };
    this.attrs = { ...userAttrs };
    this.live = remoteLink(systemAttrs);
  }

  get params(): Readonly<Record<string, ParamValue>> {
    return { ...this.values };
  }

  get userAttrs(): Readonly<Record<string, unknown>> {
    return { ...this.attrs };
  }

  suggest(name: string, distribution: Distribution): ParamValue {
    const value = this.call({ type: 'suggest', id: nextCall(), name, distribution }, `suggest '${name}'`) as ParamValue;
    this.values[name] = value;
    return value;
  }

  shouldPrune(): boolean {
    return this.call({ type: 'shouldPrune', id: nextCall() }, 'shouldPrune') as boolean;
  }

  report(value: number | readonly number[], step: number): void {
    this.checkTrusted();
    // The checks the main thread would make, here, so a mistake throws where it was made.
    checkReport(this.number, value, step, this.objectives);
    this.port.postMessage({ type: 'report', value: typeof value === 'number' ? value : [...value], step } satisfies WorkerMessage);
  }

  setConstraint(values: readonly number[]): void {
    this.checkTrusted();
    this.port.postMessage({ type: 'setConstraint', values: [...checkConstraintValues(this.number, values)] } satisfies WorkerMessage);
  }

  setUserAttr(key: string, value: unknown): void {
    this.checkTrusted();
    checkJson(`trial ${this.number}, user attribute "${key}"`, value);
    this.attrs[key] = value;
    this.port.postMessage({ type: 'setUserAttr', key, value } satisfies WorkerMessage);
  }

  /**
   * A synchronous request: post it, sleep until the main thread has stored
   * this request's number in the signal, then read replies off the port until
   * the one with that number.
   *
   * Why the number, and not just "wake up and read": the main thread posts a
   * reply, stores into the signal, then notifies. Preempted between the store
   * and the notify, its notify for request n lands while this thread already
   * waits for request n + 1, and wakes it before reply n + 1 exists: a bare
   * wake-up then read nothing, and the next request read the late reply, so
   * every later suggest of the thread got the previous question's answer
   * (seen under load: values recorded against other parameters). Waking is
   * therefore only a hint; the signal's value says which reply is on the port,
   * and the reply's own number is checked again as it is read.
   */
  private call(message: Extract<WorkerMessage, { id: number }>, what: string): unknown {
    this.checkTrusted();
    const { id } = message;
    this.port.postMessage(message);
    const deadline = performance.now() + this.replyTimeoutMs;
    for (let seen = Atomics.load(this.signal, 0); seen !== id; seen = Atomics.load(this.signal, 0)) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.lost = `trial ${this.number}: the main thread did not answer ${what} within ${this.replyTimeoutMs} ms; the trial cannot be trusted and its worker thread is replaced`;
        throw new Error(this.lost);
      }
      Atomics.wait(this.signal, 0, seen, left);
    }
    for (;;) {
      const reply = receiveMessageOnPort(this.port)?.message as WorkerReply | undefined;
      // The main thread posts before it stores the number, so the reply is there; a miss is a broken invariant.
      if (!reply) throw new Error(`trial ${this.number}: internal: reply ${id} to ${what} was announced but is not on the port`);
      // An older reply, answered after its request was given up on: never the answer to this one.
      if (reply.id !== id) continue;
      if (!reply.ok) {
        const e = new Error(reply.error.message);
        e.name = reply.error.name;
        throw e;
      }
      return reply.value;
    }
  }

  /** After a lost reply every call fails, so an objective that caught the first error cannot go on with a value it never got. */
  private checkTrusted(): void {
    if (this.lost !== undefined) throw new Error(this.lost);
  }
}

// Request numbers, per thread: never 0 (the signal's first value), wrapping within int32.
let lastCall = 0;
function nextCall(): number {
  lastCall = lastCall === 0x7fffffff ? 1 : lastCall + 1;
  return lastCall;
}

const init = workerData as WorkerInit;
const post = (m: WorkerMessage): void => init.port.postMessage(m);

// Link requests wait here for their replies, by id. The port is unref'd so it never keeps the worker alive by itself.
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextRequest = 1;
init.linkPort.on('message', (r: LinkReply) => {
  const w = waiting.get(r.id);
  if (!w) return;
  waiting.delete(r.id);
  if (r.ok) w.resolve(r.value);
  else {
    const e = new Error(r.error.message);
    e.name = r.error.name;
    w.reject(e);
  }
});
init.linkPort.unref();

/** A link request before it gets its id (Omit distributed over the union). */
type LinkBody = LinkRequest extends infer R ? (R extends LinkRequest ? Omit<R, 'id'> : never) : never;

/** A trial link whose storage lives in the main thread: every call is an asynchronous request there. */
function remoteLink(systemAttrs: Record<string, unknown>): TrialLink {
  const request = <T>(body: LinkBody): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextRequest++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      init.linkPort.postMessage({ ...body, id } as LinkRequest);
    });
  return {
    origin: trialOrigin({ systemAttrs }),
    systemAttrs,
    takeCommands: () => request<CommandRecord[]>({ op: 'takeCommands' }),
    settleCommand: async (commandId, outcome) => {
      await request({ op: 'settleCommand', commandId, outcome });
    },
    // The bytes are copied, not transferred: the caller may keep using its buffer.
    saveCheckpoint: (checkpoint, options) =>
      request<CheckpointInfo>({ op: 'saveCheckpoint', checkpoint, ...(options ? { options } : {}) }),
    loadCheckpoint: (checkpointId) => request<Checkpoint>({ op: 'loadCheckpoint', checkpointId }),
  };
}

let objective: (trial: RemoteTrial, args: unknown) => unknown;
try {
  const mod = (await import(pathToFileURL(init.module).href)) as Record<string, unknown>;
  const fn = mod[init.exportName] ?? (init.exportName === 'objective' ? mod.default : undefined);
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).join(', ') || 'nothing';
    throw new Error(`it exports no function "${init.exportName}" (it exports: ${exported})`);
  }
  objective = fn as typeof objective;
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'loadError', error: describeError(e) });
}

interface RunMessage {
  type: 'run';
  number: number;
  objectives: number;
  params: Record<string, ParamValue>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

parentPort!.on('message', async (m: RunMessage) => {
  if (m.type !== 'run') return;
  const trial = new RemoteTrial(m.number, m.params, m.userAttrs, m.systemAttrs, init.port, init.signal, init.replyTimeoutMs, m.objectives);
  try {
    const value = await objective(trial, init.args);
    if (trial.lost !== undefined) post({ type: 'lost', reason: trial.lost });
    else post({ type: 'done', value: isResult(value) ? value : undefined, described: describeValue(value) });
  } catch (e) {
    if (trial.lost !== undefined) {
      post({ type: 'lost', reason: trial.lost });
      return;
    }
    const err = e as { name?: unknown; message?: unknown; stack?: unknown };
    post({
      type: 'threw',
      error: {
        name: typeof err?.name === 'string' ? err.name : 'Error',
        message: typeof err?.message === 'string' ? err.message : describeError(e),
        ...(typeof err?.stack === 'string' ? { stack: err.stack } : {}),
      },
    });
  }
});

/** What can cross back as a result: a number, or an array of numbers (a multi-objective study's values). */
function isResult(value: unknown): value is number | number[] {
  return typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'number'));
}
