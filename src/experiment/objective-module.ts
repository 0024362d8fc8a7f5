/**
 * Where the experiment objective lives as a file: worker threads import it
 * by path (`{ module, exportName: 'objective', args }`), so `caviar tune
 * --workers N` and `caviar worker` name it, and they name it here, once.
 */
import { fileURLToPath } from 'node:url';

/**
 * The path of `objective.ts` beside this file in src/ (run by tsx), or of
 * `objective.js` in dist/.
 *
 * @example
 *   study.optimize({ module: objectiveModule(), exportName: 'objective', args }, { concurrency: 4 });
 */
export function objectiveModule(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./objective${ext}`, import.meta.url));
}
