/**
 * The worker thread behind `importance-thread.ts`: fANOVA on the trials each
 * message carries, answered with the same id. A forest fitted to a thousand
 * trials takes about half a second; here it takes it off the server's event
 * loop, which keeps answering pages and streaming events meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { parameterImportance } from '../../tune/importance/importance.js';
import type { ImportanceReply, ImportanceRequest } from './importance-thread.js';

parentPort!.on('message', (m: ImportanceRequest) => {
  let reply: ImportanceReply;
  try {
    reply = { id: m.id, importance: parameterImportance(m.trials) };
  } catch (e) {
    reply = { id: m.id, error: (e as Error)?.message ?? String(e) };
  }
  parentPort!.postMessage(reply);
});
