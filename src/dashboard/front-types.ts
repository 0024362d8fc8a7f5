/**
 * The answer of `GET /api/studies/KEY/front`, shared by the server and the
 * page: a multi-objective study's trials as points (one value per
 * objective), which of them are on the Pareto front, and the front's
 * hypervolume as trials finished. A single-objective study answers with one
 * direction and no points.
 */
export interface FrontAnswer {
  readonly directions: readonly ('minimize' | 'maximize')[];
  /** One name per objective (the study's metric names, else `objective 0`, ...). */
  readonly names: readonly string[];
  /** Complete trials with one finite value per objective, in number order. */
  readonly points: readonly FrontPoint[];
  /** The hypervolume's reference point (multi/reference.ts), null without a feasible point. */
  readonly reference: readonly number[] | null;
  /** `[feasible complete trials so far, hypervolume of their front]`, at most 200 points, in the order trials finished. */
  readonly hypervolume: readonly (readonly [number, number])[];
}

export interface FrontPoint {
  readonly number: number;
  /** The trial's key, for its page. */
  readonly key: string;
  readonly values: readonly number[];
  readonly feasible: boolean;
  readonly onFront: boolean;
}
