/**
 * The semantics every storage shares, written once: what a write to a trial
 * may do, which distributions conflict, what counts as JSON. A storage loads
 * the trial inside its transaction, calls `applyTrialUpdate`, and persists
 * what comes out, so memory, SQLite and PostgreSQL cannot drift apart.
 */
import { distributionProblems } from '../space/distributions.js';
import type { Distribution, FrozenTrial, ParamValue, TrialState } from '../types.js';
import { DistributionConflictError, InvalidWriteError, TrialFinishedError, TrialLostError } from './errors.js';
import type {
  CommandOutcome,
  IntermediateValue,
  NewCheckpoint,
  NewCommand,
  NewStudy,
  ParamWrite,
  SaveCheckpointOptions,
  TrialOutcome,
  TrialUpdate,
} from './storage.js';

/** The mutable state of one trial that `applyTrialUpdate` works on. */
export interface TrialRecord {
  number: number;
  state: TrialState;
  value: number | undefined;
  /** Objective values of a complete trial of a multi-objective study. */
  values: number[] | undefined;
  /**
   * Multi-objective studies: the vector reported at each step (keys are steps).
   * The first component also goes to the intermediate values, like a scalar.
   */
  intermediateVectors: Record<string, number[]> | undefined;
  params: Record<string, ParamValue>;
  distributions: Record<string, Distribution>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  completedAt: number | undefined;
  /** Last heartbeat (ms), `null` for a trial without heartbeats. */
  heartbeatAt: number | null;
}

/** What the storage must persist besides the record itself. */
export interface UpdateEffects {
  /** Params new to the trial, whose distribution the study must now remember (if it did not already). */
  readonly newParams: ParamWrite[];
  /**
   * Intermediate values to insert (a vector's first component); a step the
   * trial already has keeps its first value.
   */
  readonly intermediate: (readonly [number, number])[];
  /** Whether a reader would see a difference (so the trial needs a new version). */
  readonly visible: boolean;
}

/**
 * Applies `update` to `trial` in place, after checking all of it, so a bad
 * batch changes nothing.
 *
 * @example
 *   const effects = applyTrialUpdate(record, { intermediate: [[0, 1.5]] }, () => undefined, Date.now());
 */
export function applyTrialUpdate(
  trial: TrialRecord,
  update: TrialUpdate,
  studyDistribution: (name: string) => Distribution | undefined,
  now: number,
): UpdateEffects {
  if (trial.state !== 'running') throw new TrialFinishedError(trial.number, trial.state);
  const where = `trial ${trial.number}`;
  // 1. Check everything first.
  const newParams: ParamWrite[] = [];
  for (const p of update.params ?? []) {
    checkDistribution(`${where}, parameter "${p.name}"`, p.distribution);
    checkParamValue(`${where}, parameter "${p.name}"`, p.value, p.distribution);
    if (p.name in trial.params) {
      if (!sameValue(trial.params[p.name], p.value)) {
        throw new InvalidWriteError(
          `${where}: parameter "${p.name}" is already ${JSON.stringify(trial.params[p.name])}; cannot set it to ${JSON.stringify(p.value)}`,
        );
      }
      continue;
    }
    const known = studyDistribution(p.name) ?? newParams.find((q) => q.name === p.name)?.distribution;
    if (known) {
      const conflict = distributionConflict(known, p.distribution);
      if (conflict) {
        throw new DistributionConflictError(
          `${where}: parameter "${p.name}" was drawn from ${describe(known)} in earlier trials, now from ${describe(p.distribution)} (${conflict}); give each distinct distribution its own name`,
        );
      }
    }
    newParams.push(p);
  }
  for (const [step, value] of update.intermediate ?? []) {
    if (!Number.isInteger(step) || step < 0) {
      throw new InvalidWriteError(`${where}: step must be a non-negative integer, got ${step}`);
    }
    const vector = Array.isArray(value);
    if (vector ? value.length === 0 || !value.every((v) => typeof v === 'number') : typeof value !== 'number') {
      throw new InvalidWriteError(
        `${where}: intermediate value at step ${step} must be a number or a non-empty array of numbers, got ${JSON.stringify(value) ?? typeof value}`,
      );
    }
  }
  checkAttrs(`${where}, user attribute`, update.userAttrs);
  checkAttrs(`${where}, system attribute`, update.systemAttrs);
  if (update.systemAttrs && 'constraints' in update.systemAttrs) checkConstraintValues(where, update.systemAttrs.constraints);
  if (update.finish) checkOutcome(where, update.finish);

  // 2. Then apply.
  for (const p of newParams) {
    trial.params[p.name] = p.value;
    trial.distributions[p.name] = p.distribution;
  }
  if (update.userAttrs) Object.assign(trial.userAttrs, update.userAttrs);
  if (update.systemAttrs) Object.assign(trial.systemAttrs, update.systemAttrs);
  if (update.heartbeat && trial.heartbeatAt !== null) trial.heartbeatAt = now;
  if (update.finish) finish(trial, update.finish, now);
  const intermediate = (update.intermediate ?? []).map(([s, v]) => [s, firstOf(v)] as const);
  for (const [step, v] of update.intermediate ?? []) {
    if (typeof v === 'number') continue;
    // The first report of a step stands, as for scalars.
    const vectors = (trial.intermediateVectors ??= {});
    if (!(String(step) in vectors)) vectors[String(step)] = [...v];
  }
  const visible =
    newParams.length > 0 ||
    intermediate.length > 0 ||
    update.userAttrs !== undefined ||
    update.systemAttrs !== undefined ||
    update.finish !== undefined;
  return { newParams, intermediate, visible };
}

/** Moves a running trial to its final state. */
export function finish(trial: TrialRecord, outcome: TrialOutcome, now: number): void {
  trial.state = outcome.state;
  trial.completedAt = now;
  if (outcome.state === 'failed') {
    trial.value = undefined;
    trial.systemAttrs.failReason = outcome.reason;
    if (outcome.retryable) trial.systemAttrs.retryable = true;
  } else if (outcome.state === 'complete' && 'values' in outcome) {
    trial.value = undefined;
    trial.values = [...outcome.values];
  } else {
    // A pruned trial's value is its last intermediate value, which may be NaN; keep only finite ones.
    trial.value = outcome.value !== undefined && Number.isFinite(outcome.value) ? outcome.value : undefined;
  }
}

/** The outcome for a trial whose heartbeat stopped `ageMs` ago. */
export function staleOutcome(ageMs: number, graceMs: number): TrialOutcome {
  return {
    state: 'failed',
    reason: `no heartbeat for ${Math.round(ageMs)} ms (grace period ${graceMs} ms): the process running it stopped`,
    retryable: true,
  };
}

/**
 * Why two distributions for one parameter name cannot share a study, or
 * `undefined` when they can. Ranges may differ (a study may narrow them);
 * type, scale and categorical choices may not, because samplers model each
 * name in one transformed space.
 *
 * @example
 *   distributionConflict({ type: 'int', low: 1, high: 9, step: 1, scale: 'linear' },
 *                        { type: 'int', low: 1, high: 5, step: 1, scale: 'linear' }); // undefined
 */
export function distributionConflict(a: Distribution, b: Distribution): string | undefined {
  if (a.type !== b.type) return `type ${a.type} vs ${b.type}`;
  if (a.type === 'categorical' && b.type === 'categorical') {
    if (a.choices.length !== b.choices.length || a.choices.some((c, i) => !sameValue(c, b.choices[i]))) {
      return 'different choices';
    }
    return undefined;
  }
  if (a.type !== 'categorical' && b.type !== 'categorical' && a.scale !== b.scale) {
    return `scale ${a.scale} vs ${b.scale}`;
  }
  return undefined;
}

/**
 * Throws `InvalidWriteError` unless `d` is a well-formed distribution (the
 * space module's rules, so storage and `suggest` agree on what is valid).
 *
 * @example
 *   checkDistribution('lr', { type: 'float', low: 0, high: 1, scale: 'log' }); // throws: low must be > 0 for a log scale
 */
export function checkDistribution(where: string, d: Distribution): void {
  const problems = distributionProblems(d);
  if (problems.length > 0) {
    throw new InvalidWriteError(`${where}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

/** Throws unless `value` can have come from `d`. Ranges are not enforced: enqueued values may lie outside. */
export function checkParamValue(where: string, value: ParamValue, d: Distribution): void {
  if (d.type === 'categorical') {
    if (!d.choices.some((c) => sameValue(c, value))) {
      throw new InvalidWriteError(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(d.choices)}`);
    }
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidWriteError(`${where}: a ${d.type} parameter needs a finite number, got ${JSON.stringify(value)}`);
  } else if (d.type === 'int' && !Number.isInteger(value)) {
    throw new InvalidWriteError(`${where}: an int parameter needs an integer, got ${value}`);
  }
}

/** Throws unless `attrs` is a plain object whose every value is JSON at every depth (what every storage can keep). */
export function checkAttrs(where: string, attrs: Readonly<Record<string, unknown>> | undefined): void {
  if (attrs === undefined) return;
  const proto: unknown = attrs === null || typeof attrs !== 'object' ? undefined : Object.getPrototypeOf(attrs);
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidWriteError(`${where}s must be a plain object of names to JSON values, got ${attrs === null ? 'null' : Array.isArray(attrs) ? 'an array' : typeof attrs}`);
  }
  for (const [key, value] of Object.entries(attrs)) checkJson(`${where} "${key}"`, value);
}

/**
 * Throws `InvalidWriteError` unless `value` is JSON all the way down, naming
 * the first offending place: NaN and the infinities, undefined, functions,
 * symbols, bigints, empty array slots, objects other than plain objects and
 * arrays (Map, Set, Date, class instances, typed arrays) and cycles, at any
 * depth. `JSON.stringify` would drop or rewrite each of them silently (NaN
 * becomes null, a Map `{}`, an undefined key vanishes), so a stored value
 * would differ from the one written without anyone knowing.
 *
 * @example
 *   checkJson('user attribute "curves"', [{ loss: 1 }, { loss: NaN }]);
 *   // InvalidWriteError: user attribute "curves"[1].loss: NaN is not JSON
 */
export function checkJson(where: string, value: unknown): void {
  let problem: string | undefined;
  try {
    problem = jsonProblem(value, '', []);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    problem = ': nested too deeply to be JSON';
  }
  if (problem !== undefined) throw new InvalidWriteError(`${where}${problem}`);
}

/** `path: what is not JSON` for the first non-JSON part of `value`, or undefined. `open` holds the objects being walked (cycles). */
function jsonProblem(value: unknown, path: string, open: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: ${value} is not JSON`;
    case 'undefined':
      return `${path}: undefined is not JSON`;
    case 'function':
      return `${path}: a function is not JSON`;
    case 'symbol':
      return `${path}: a symbol is not JSON`;
    case 'bigint':
      return `${path}: a bigint (${value}n) is not JSON`;
  }
  if (value === null) return undefined;
  const object = value as object;
  if (open.includes(object)) return `${path}: a cycle (a reference back to ${describeOpen(open, object, path)}) is not JSON`;
  let problem: string | undefined;
  open.push(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length && problem === undefined; i++) {
      problem = i in object ? jsonProblem(object[i], `${path}[${i}]`, open) : `${path}[${i}]: an empty array slot is not JSON`;
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
      problem = `${path}: ${typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a prototype'} is not JSON (only plain objects and arrays are)`;
    } else if (Object.getOwnPropertySymbols(object).some((k) => Object.prototype.propertyIsEnumerable.call(object, k))) {
      problem = `${path}: a symbol key is not JSON`;
    } else {
      for (const [key, v] of Object.entries(object)) {
        problem = jsonProblem(v, `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`, open);
        if (problem !== undefined) break;
      }
    }
  }
  open.pop();
  return problem;
}

/** Where a cycle points back to, for its message: the top (`the value itself`) or how deep. */
function describeOpen(open: object[], target: object, path: string): string {
  const depth = open.indexOf(target);
  return depth === 0 ? 'the value itself' : `the object ${open.length - depth} level${open.length - depth === 1 ? '' : 's'} up from ${path || 'here'}`;
}

/**
 * Throws `TrialLostError` when the writer's claim key (`claimKey`, when it
 * gives one) is not the one the trial holds (`held`).
 *
 * @example
 *   checkClaim(12, 'memory', 'a1b2', 'ffee'); // TrialLostError: trial id 12 in memory is no longer the trial ...
 */
export function checkClaim(trialId: number, location: string, held: string | null | undefined, claimKey: string | undefined): void {
  if (claimKey !== undefined && held !== claimKey) throw new TrialLostError(trialId, location);
}

/** Throws unless a writer's request key is a non-empty string of at most 200 characters. */
export function checkKey(where: string, key: unknown): void {
  if (key === undefined) return;
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new InvalidWriteError(`${where}: key must be a string of 1 to 200 characters, got ${typeof key === 'string' ? `${key.length} characters` : typeof key}`);
  }
}

/**
 * Whether a command already stored under a key is the one being sent again
 * (same trial, kind and args); a key reused for another command is an error.
 */
export function checkSameCommand(stored: { trialId: number; kind: string; args: string; id: number }, trialId: number, command: NewCommand): void {
  if (stored.trialId !== trialId || stored.kind !== command.kind || stored.args !== JSON.stringify(command.args ?? {})) {
    throw new InvalidWriteError(
      `command key "${command.key}" was already used for command ${stored.id} (${stored.kind} for trial id ${stored.trialId}); a key names one command`,
    );
  }
}

/** Refuses a checkpoint key already used for another trial's checkpoint (the same trial's is the same save, retried). */
export function checkSameCheckpoint(stored: { trialId: number; id: number }, trialId: number, key: string): void {
  if (stored.trialId !== trialId) {
    throw new InvalidWriteError(`checkpoint key "${key}" was already used for checkpoint ${stored.id} of trial id ${stored.trialId}; a key names one checkpoint`);
  }
}

/** Whether a failed trial should be re-created now (see `ClaimOptions.maxRetries`). */
export function isDueRetry(
  t: { state: string; systemAttrs: Readonly<Record<string, unknown>> },
  maxRetries: number,
): boolean {
  return (
    t.state === 'failed' &&
    t.systemAttrs.retryable === true &&
    t.systemAttrs.retriedBy === undefined &&
    retryCount(t) < maxRetries
  );
}

export function retryCount(t: { systemAttrs: Readonly<Record<string, unknown>> }): number {
  const n = t.systemAttrs.retryCount;
  return typeof n === 'number' ? n : 0;
}

/** Checks the parts of a new study every storage checks the same way. */
export function checkStudyInput(study: NewStudy): void {
  if (typeof study.name !== 'string' || study.name.length === 0) throw new TypeError('a study needs a non-empty name');
  if (study.direction !== 'minimize' && study.direction !== 'maximize') {
    throw new TypeError(`study "${study.name}": direction must be "minimize" or "maximize", got ${JSON.stringify(study.direction)}`);
  }
  if (study.directions !== undefined) {
    const d: unknown = study.directions;
    if (!Array.isArray(d) || d.length < 2 || !d.every((x) => x === 'minimize' || x === 'maximize') || d[0] !== study.direction) {
      throw new TypeError(
        `study "${study.name}": directions must list two or more of "minimize" and "maximize", the first equal to direction, got ${JSON.stringify(d)}`,
      );
    }
  }
  checkAttrs(`study "${study.name}" user attribute`, study.userAttrs);
  checkAttrs(`study "${study.name}" system attribute`, study.systemAttrs);
  if (study.data !== undefined) checkJson(`study "${study.name}" data`, study.data);
}

function checkOutcome(where: string, outcome: TrialOutcome): void {
  if (outcome.state === 'complete' && 'values' in outcome) {
    const v: unknown = outcome.values;
    if (!isFiniteVector(v)) {
      throw new InvalidWriteError(`${where}: a complete trial needs finite values, one per objective, got ${JSON.stringify(v)}`);
    }
  } else if (outcome.state === 'complete') {
    if (typeof outcome.value !== 'number' || !Number.isFinite(outcome.value)) {
      throw new InvalidWriteError(`${where}: a complete trial needs a finite value, got ${String(outcome.value)}`);
    }
  } else if (outcome.state === 'failed') {
    if (typeof outcome.reason !== 'string') throw new InvalidWriteError(`${where}: a failed trial needs a reason`);
  } else if (outcome.state === 'pruned') {
    if (outcome.value !== undefined && typeof outcome.value !== 'number') {
      throw new InvalidWriteError(`${where}: a pruned trial's value must be a number`);
    }
  } else {
    throw new InvalidWriteError(`${where}: cannot finish in state "${(outcome as { state: string }).state}"`);
  }
}

/** What goes to the intermediate values for a report: the number, or a vector's first component. */
function firstOf(v: IntermediateValue): number {
  return typeof v === 'number' ? v : v[0];
}

/**
 * Whether `c` is a non-empty array of finite numbers: what a multi-objective
 * trial's values and any trial's constraint values must be (one rule for
 * `trial.setConstraint`, `tell` and every storage).
 */
export function isFiniteVector(c: unknown): c is number[] {
  return Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** The system attribute `constraints` (<= 0 feasible), refused unless `isFiniteVector`. */
function checkConstraintValues(where: string, c: unknown): void {
  if (!isFiniteVector(c)) {
    throw new InvalidWriteError(`${where}: constraints must be a non-empty array of finite numbers (<= 0 is feasible), got ${JSON.stringify(c)}`);
  }
}

/**
 * The result fields of a frozen trial, from its record: `value` or `values`,
 * `constraints` (lifted from the system attribute), `intermediateVectors`.
 * One function, so that every storage hands out the same shape.
 */
export function resultFields(t: {
  readonly value: number | undefined;
  readonly values: readonly number[] | undefined;
  readonly intermediateVectors: Readonly<Record<string, readonly number[]>> | undefined;
  readonly systemAttrs: Readonly<Record<string, unknown>>;
}): Pick<FrozenTrial, 'value' | 'values' | 'constraints' | 'intermediateVectors'> {
  const c = t.systemAttrs.constraints;
  const vectors = t.intermediateVectors;
  return {
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(t.values !== undefined ? { values: [...t.values] } : {}),
    ...(Array.isArray(c) ? { constraints: [...(c as number[])] } : {}),
    ...(vectors !== undefined
      ? { intermediateVectors: new Map(Object.entries(vectors).map(([step, v]) => [Number(step), v.map(nanFromJson)] as const).sort((a, b) => a[0] - b[0])) }
      : {}),
  };
}

/** JSON has no NaN: a NaN component of a reported vector is stored as null and read back as NaN. */
function nanFromJson(x: number | null): number {
  return x ?? NaN;
}

function sameValue(a: ParamValue | undefined, b: ParamValue | undefined): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function describe(d: Distribution): string {
  if (d.type === 'categorical') return `categorical ${JSON.stringify(d.choices)}`;
  return `${d.type} ${d.low}..${d.high} (${d.scale}${d.step !== undefined ? `, step ${d.step}` : ''})`;
}

const COMMAND_KINDS: ReadonlySet<string> = new Set(['pause', 'resume', 'stop', 'set', 'checkpoint', 'rollback']);

/** Refuses a command no trial could understand, before any storage writes it. */
export function checkNewCommand(trialId: number, command: NewCommand): void {
  const where = `command for trial id ${trialId}`;
  if (!command || typeof command !== 'object') throw new InvalidWriteError(`${where}: expected { kind, args }, got ${String(command)}`);
  if (!COMMAND_KINDS.has(command.kind)) {
    throw new InvalidWriteError(`${where}: unknown kind "${String(command.kind)}" (known: ${[...COMMAND_KINDS].join(', ')})`);
  }
  if (command.args !== undefined && (typeof command.args !== 'object' || command.args === null || Array.isArray(command.args))) {
    throw new InvalidWriteError(`${where}: args must be a JSON object`);
  }
  checkAttrs(`${where}, args`, command.args);
  checkKey(where, command.key);
}

/** Refuses an outcome that is not applied/refused with a finite step. */
export function checkCommandOutcome(commandId: number, outcome: CommandOutcome): void {
  const where = `outcome of command ${commandId}`;
  if (outcome.state !== 'applied' && outcome.state !== 'refused') {
    throw new InvalidWriteError(`${where}: state must be "applied" or "refused", got "${String(outcome.state)}"`);
  }
  if (outcome.step !== undefined && !(Number.isFinite(outcome.step) && outcome.step >= 0)) {
    throw new InvalidWriteError(`${where}: step must be a number >= 0, got ${outcome.step}`);
  }
  if (outcome.message !== undefined && typeof outcome.message !== 'string') {
    throw new InvalidWriteError(`${where}: message must be a string`);
  }
}

/** Refuses a checkpoint without bytes, with a bad step or kind, or with non-JSON meta. */
export function checkNewCheckpoint(trialId: number, cp: NewCheckpoint, options: SaveCheckpointOptions = {}): void {
  const where = `checkpoint of trial id ${trialId}`;
  if (!(cp.data instanceof Uint8Array)) throw new InvalidWriteError(`${where}: data must be a Uint8Array`);
  if (!(Number.isFinite(cp.step) && cp.step >= 0)) throw new InvalidWriteError(`${where}: step must be a number >= 0, got ${cp.step}`);
  if (cp.kind !== 'auto' && cp.kind !== 'manual') throw new InvalidWriteError(`${where}: kind must be "auto" or "manual", got "${String(cp.kind)}"`);
  if (cp.meta !== undefined && (typeof cp.meta !== 'object' || cp.meta === null || Array.isArray(cp.meta))) {
    throw new InvalidWriteError(`${where}: meta must be a JSON object`);
  }
  checkAttrs(`${where}, meta`, cp.meta);
  checkKey(where, cp.key);
  const keep = options.keepAuto;
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1)) {
    throw new InvalidWriteError(`${where}: keepAuto must be an integer >= 1, got ${keep}`);
  }
}
