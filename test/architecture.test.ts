/**
 * The arrows of docs/ARCHITECTURE.md that imports can break, checked on the
 * source: a new import against them fails here, naming the file and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every import and export-from of a folder's TypeScript files (nested ones too), as [file:line, target folder/file]. */
function importsOf(folder: string): Array<{ where: string; from: string; target: string }> {
  const out: Array<{ where: string; from: string; target: string }> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        // A statement may span lines (import {\n a,\n b\n} from './x.js'): match from its keyword to its quoted path.
        for (const m of text.matchAll(/^(?:import|export)\b[^;'"]*?(?:from\s+)?'(\.[^']+)'/gm)) {
          const line = text.slice(0, m.index).split('\n').length;
          const from = relative(SRC, path).replace(/\\/g, '/');
          out.push({ where: `${from}:${line}`, from, target: relative(SRC, join(dir, m[1])).replace(/\\/g, '/') });
        }
      }
    }
  };
  walk(join(SRC, folder));
  return out;
}

/** The models users build, which run train's loops as their methods (Keras's Model.fit): the one part of nn above train. */
const MODELS = ['nn/model.ts', 'nn/ensemble.ts'];

test("nn's layers and Network know only the backend (and util); only the models users build reach train", () => {
  const imports = importsOf('nn');
  assert.ok(imports.some((i) => i.from === 'nn/network.ts'), 'the check reads nn/network.ts');
  const wrong = imports.filter((i) => !MODELS.includes(i.from) && !/^(nn|backend|util)\//.test(i.target));
  assert.deepEqual(wrong.map((i) => `${i.where} imports ${i.target}`), []);
});

test('train works on a Network, never on the models above it (no cycle between nn and train)', () => {
  const imports = importsOf('train');
  assert.ok(imports.some((i) => i.target === 'nn/network.js'), 'the check sees train import nn/network');
  const wrong = imports.filter((i) => MODELS.some((m) => i.target === m.replace(/\.ts$/, '.js')));
  assert.deepEqual(wrong.map((i) => `${i.where} imports ${i.target}`), []);
});

test('tune knows nothing of networks, training or the command line', () => {
  const wrong = importsOf('tune').filter((i) => /^(nn|train|optim|backend|experiment|cli|dashboard)\//.test(i.target));
  assert.deepEqual(wrong.map((i) => `${i.where} imports ${i.target}`), []);
});
