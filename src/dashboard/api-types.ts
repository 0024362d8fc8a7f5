/**
 * The shapes of the dashboard's HTTP API, shared by the server (which builds
 * them) and the page (which reads them). Plain JSON: no Maps, no Dates.
 *
 * Studies and trials are named by keys `"<store>-<id>"`: the dashboard may
 * show several storages at once (every `caviar-out/<experiment>/study.db`),
 * and ids are unique only within one storage.
 */
import type { Direction, Distribution, ParamValue, TrialState } from '../tune/types.js';

export type { Direction, Distribution, ParamValue, TrialState };

/** One row of the studies page. */
export interface StudySummary {
  readonly key: string;
  readonly name: string;
  /** Where it is stored (`sqlite:/path/study.db`, a PostgreSQL location without its password). */
  readonly storage: string;
  readonly direction: Direction;
  /** `running` while some trial runs, `waiting` when trials wait and none runs, `idle` when neither, `empty` with no trial at all. */
  readonly state: 'running' | 'waiting' | 'idle' | 'empty';
  readonly counts: Readonly<Record<TrialState, number>>;
  /**
   * What a trial's value and intermediate values measure: the experiment's
   * `tune.metric` (devAccuracy, devLoss), else the study's user attribute
   * `metric` (a script names its own objective so), else `objective value`.
   */
  readonly metric: string;
  readonly best: number | null;
  readonly bestTrial: number | null;
  /** Milliseconds since the epoch: the latest start or end of a trial, or the study's creation. */
  readonly lastActivity: number;
}

/** Where a trial starts from (system attribute `origin`): a fork, a population member copying another, a continuation. */
export interface OriginRow {
  readonly checkpointId: number;
  /** The parent trial's number and key (the key is null when the parent is not found). */
  readonly trial: number;
  readonly trialKey: string | null;
  readonly step: number;
  readonly reason: string;
}

/**
 * A trial as the study page needs it: enough for every chart and the table,
 * without the per-epoch curves and other attributes (those come with the trial page).
 */
export interface TrialRow {
  readonly key: string;
  readonly number: number;
  readonly state: TrialState;
  readonly value: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Intermediate values, by step, as two arrays of one length (non-finite values are null). */
  readonly steps: readonly number[];
  readonly values: readonly (number | null)[];
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly origin: OriginRow | null;
  readonly pbt: { readonly member: number; readonly generation: number } | null;
  readonly retryOf: number | null;
  readonly failReason: string | null;
  readonly testAccuracy: number | null;
  /** Who ran it, when its runner recorded that (system attribute `worker`: a string, or `{ host, pid, slot }`); else null. */
  readonly worker: string | null;
}

/** A round of a coarse-to-fine search: the region sampled from `startTrial` on. */
export interface RegionRow {
  readonly round: number;
  readonly startTrial: number;
  readonly fromTrials: number;
  readonly topTrials: number;
  readonly params: Readonly<
    Record<string, { readonly type: 'numeric'; readonly low: number; readonly high: number } | { readonly type: 'categorical'; readonly choices: readonly ParamValue[] }>
  >;
}

/** `GET /api/studies/:key`: the study with all its trials, and the cursor to follow live changes from. */
export interface StudyDetail {
  readonly summary: StudySummary;
  readonly userAttrs: Readonly<Record<string, unknown>>;
  /** Each parameter's distribution, merged over the trials (numeric ranges widened to cover them all). */
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly regions: readonly RegionRow[];
  readonly trials: readonly TrialRow[];
  /** Pass as `since` to the events stream. */
  readonly cursor: number;
}

/**
 * `GET /api/studies/:key/trials`: the study of `GET /api/studies/:key` with
 * its trials as columns, binary (`application/octet-stream`), little-endian:
 *
 *   u32                 header length in bytes, h
 *   h bytes             the header: `TrialColumnsHeader` as JSON, UTF-8
 *   zero bytes          padding, so that every column starts at a multiple of 8
 *   the columns         each at `columns[name].offset` bytes from the start, `length` values of its `type`
 *
 * Columns, one value per trial (a row, in trial-number order) unless said:
 * `id`, `number`, `startedAt`, `completedAt`, `value`, `testAccuracy` (f64,
 * NaN for null); `state` (u8, an index into `states`); `worker` (i32, an
 * index into `workers`, -1 for null); `param.K` for the K-th of `params`
 * (f64: the value, or with `choices` the index of one, NaN when the trial
 * lacks it); the intermediate values as `curveStart` (u32, count + 1 values:
 * row r's are `curveStart[r]` up to `curveStart[r + 1]`), `step` (u32 when
 * every step is a whole number that fits, else f64) and `curveValue` (f64,
 * NaN for a non-finite value). The rest, which few trials
 * have, is in `extras`. Values are those of the JSON rows (seven significant
 * digits): a 100,000-trial study is 23 MB here against 48 MB of JSON, and the
 * page reads it without parsing.
 */
export interface TrialColumnsHeader extends Omit<StudyDetail, 'trials'> {
  /** Trials (rows). */
  readonly count: number;
  /** A trial's key is this followed by its id. */
  readonly keyPrefix: string;
  readonly states: readonly TrialState[];
  readonly params: readonly { readonly name: string; readonly choices: readonly ParamValue[] | null }[];
  readonly workers: readonly string[];
  readonly extras: readonly TrialExtras[];
  readonly columns: Readonly<Record<string, ColumnRef>>;
}

export interface ColumnRef {
  readonly type: 'f64' | 'u32' | 'i32' | 'u8';
  readonly offset: number;
  readonly length: number;
}

/** What a trial (row `row`) has that most do not: its lineage, population, retry, failure. */
export interface TrialExtras {
  readonly row: number;
  readonly origin?: OriginRow;
  readonly pbt?: { readonly member: number; readonly generation: number };
  readonly retryOf?: number;
  readonly failReason?: string;
}

/** One batch of the live stream (`event: trials`): trials that changed, and the study's new summary. */
export interface TrialsEvent {
  readonly trials: readonly TrialRow[];
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly summary: StudySummary;
  readonly regions: readonly RegionRow[];
  readonly cursor: number;
}

/**
 * `event: reset` on the live stream: the storage lost commits the page may
 * have seen (a database crash). The page drops what it holds and loads the
 * study again; later `trials` events follow from `cursor`.
 */
export interface ResetEvent {
  readonly cursor: number;
}

/** `GET /api/studies/:key/importance`. */
export interface ImportanceAnswer {
  readonly importance: readonly { readonly name: string; readonly importance: number }[];
  /** How many complete trials it was computed from (at most `limit`, the most recent). */
  readonly trials: number;
  /** Why there is none, when `importance` is empty. */
  readonly message: string | null;
}

export type CommandKind = 'pause' | 'resume' | 'stop' | 'set' | 'checkpoint' | 'rollback';

/** A command sent to a trial, as stored (see `CommandRecord` in the storage). */
export interface CommandRow {
  readonly id: number;
  readonly kind: CommandKind;
  readonly args: Readonly<Record<string, unknown>>;
  readonly state: 'pending' | 'taken' | 'applied' | 'refused';
  readonly createdAt: number;
  readonly settledAt: number | null;
  readonly step: number | null;
  readonly message: string | null;
}

export interface CheckpointRow {
  readonly id: number;
  readonly step: number;
  readonly kind: 'auto' | 'manual';
  readonly meta: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly size: number;
}

/** A link to another trial of the same study. */
export interface TrialLinkRow {
  readonly key: string;
  readonly number: number;
  readonly reason?: string;
}

/** `GET /api/trials/:key`: everything about one trial. */
export interface TrialDetail {
  readonly key: string;
  readonly studyKey: string;
  readonly studyName: string;
  readonly direction: Direction;
  /** What its value measures (`StudySummary.metric`). */
  readonly metric: string;
  readonly number: number;
  readonly state: TrialState;
  readonly value: number | null;
  /** A multi-objective study's trial: one value per objective, named by `objectiveNames` (absent otherwise). */
  readonly objectiveValues?: readonly number[];
  readonly objectiveNames?: readonly string[];
  /** Constraint values, when the trial has them; feasible when each is <= 0. */
  readonly constraints?: readonly number[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly steps: readonly number[];
  readonly values: readonly (number | null)[];
  readonly userAttrs: Readonly<Record<string, unknown>>;
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  /** Who ran it (`TrialRow.worker`): host, process and slot, when its runner recorded them; else null. */
  readonly worker: string | null;
  readonly origin: OriginRow | null;
  readonly retryOf: TrialLinkRow | null;
  readonly retriedBy: TrialLinkRow | null;
  /** Trials forked (or copied by population-based training) from this one's checkpoints. */
  readonly children: readonly TrialLinkRow[];
  readonly commands: readonly CommandRow[];
  readonly checkpoints: readonly CheckpointRow[];
  /** Whether `GET /api/trials/:key/model` has a file to send (one that records this study and trial). */
  readonly hasModel: boolean;
  /** Why the trial's model file is refused (it records another study or trial), or null. */
  readonly modelProblem: string | null;
  /** Whether its study recorded the experiment it ran (`caviar tune` does), so `GET /api/trials/:key/examples` can find the test set. */
  readonly hasExperiment: boolean;
  /** The parameters a `set` command may change on this trial. */
  readonly mutableParams: readonly string[];
  /** The study's cursor when this was read: where the page's event stream starts. */
  readonly studyCursor: number;
}

/** Every error answer: `{ error: "what is wrong" }` with a 4xx (or 500) status. */
export interface ErrorAnswer {
  readonly error: string;
}

/** The header that carries the control token. */
export const TOKEN_HEADER = 'x-caviar-token';


/**
 * `GET /api/trials/:key/examples[?offset=N&limit=N]`: test examples of the
 * trial's study, as binary (`application/octet-stream`), all little-endian:
 *
 *   u32                 header length in bytes, h
 *   h bytes             the header: `ExamplesHeader` as JSON, UTF-8
 *   0-3 zero bytes      padding to a multiple of 4
 *   i32 × count         the labels (class indices)
 *   count × features    the inputs, row-major: u8 (`values: 'uint8'`, e.g. image pixels) or f32
 *
 * Without a query it is the whole test set.
 */
export interface ExamplesHeader {
  /** Index in the test set of the first example sent. */
  readonly offset: number;
  /** Examples sent. */
  readonly count: number;
  /** Examples in the whole test set. */
  readonly total: number;
  readonly features: number;
  readonly classes: number;
  readonly classNames: readonly string[] | null;
  readonly featureNames: readonly string[] | null;
  /** Set when each example is an image (Fashion-MNIST, IDX images): drawn `width` × `height`, row by row. */
  readonly image: { readonly width: number; readonly height: number } | null;
  /** How the inputs are stored: raw 0..255 integers as bytes when every value is one, else float32. */
  readonly values: 'uint8' | 'float32';
  /** For people: "Fashion-MNIST", "CSV file data/iris.csv". */
  readonly description: string;
}

/**
 * Messages between the trial page and its predictions worker
 * (`src/dashboard/worker/predictions.ts`, served as /predictions.js): the page
 * sends the model's and caviar.wasm's bytes once, then inputs; the worker
 * answers each message with the same `id`.
 */
export type PredictionsRequest =
  | { readonly type: 'load'; readonly id: number; readonly model: ArrayBuffer; readonly wasm: ArrayBuffer; readonly source: string }
  /** `x`: [count][inputSize] raw inputs, row-major (the model normalizes them itself). */
  | { readonly type: 'predict'; readonly id: number; readonly x: Float32Array };

export type PredictionsReply =
  | { readonly type: 'loaded'; readonly id: number; readonly backend: string; readonly inputSize: number; readonly classes: number; readonly layers: readonly string[]; readonly metadata: Readonly<Record<string, string>> }
  /** `probabilities`: [count][classes], row-major; `ms`: the time the worker spent in the model. */
  | { readonly type: 'predicted'; readonly id: number; readonly probabilities: Float32Array; readonly ms: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** What the trial page's predictions computed, as `window.__caviar.predictions` (for the browser tests). */
export interface PredictionsReport {
  backend: string;
  /** The grid's examples: index in the test set, true label, predicted class, every class's probability. */
  examples: { index: number; label: number; predicted: number; probabilities: number[] }[];
  /** [true][predicted] counts over the whole test set, once computed. */
  confusion?: number[][];
  accuracy?: number;
  total?: number;
  /** Wall-clock ms to compute the whole test set's predictions in the page, and the worker's share of it spent in the model. */
  ms?: number;
  modelMs?: number;
  /** For two-feature data: the decision-regions grid, its cells' predicted classes (column by column from the left, each bottom to top) and [x0, x1, y0, y1]. */
  regions?: { cells: number; predicted: number[]; range: number[] };
}
