/**
 * Who ran a trial: the machine, the process and the executor's slot in it
 * (one slot per concurrent trial; with a module objective, slot k is worker
 * thread k). The executor records it on each trial it claims, as the system
 * attribute `worker`, so the dashboard's timeline can put each trial on the
 * lane of the runner that ran it, across processes and machines that share
 * one study.
 */
import { hostname } from 'node:os';

/** The system attribute that holds a `WorkerIdentity`. */
export const WORKER_ATTR = 'worker';

export interface WorkerIdentity {
  readonly host: string;
  readonly pid: number;
  readonly slot: number;
}

/**
 * This process's identity for executor slot `slot`.
 *
 * @example workerIdentity(1) // { host: 'gpu-box-3', pid: 41235, slot: 1 }
 */
export function workerIdentity(slot: number): WorkerIdentity {
  return { host: hostname(), pid: process.pid, slot };
}
