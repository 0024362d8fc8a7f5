// Every `npx caviar ...` command that README.md shows in a ```sh block is run
// here, through main() in-process, in a temporary copy of examples/: the
// README cannot drift from what the command line really does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { fashionMnistAvailable } from '../src/data/fashion-mnist.js';
import { requireOrSkip } from './helpers/requirements.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The caviar commands of the README's sh blocks, as argument lists: comments
 * dropped, `npm install && ` and other non-caviar steps of a line skipped.
 *
 * @example readmeCommands('```sh\nnpm install && npx caviar tune a.yaml   # hi\n```') // [['tune', 'a.yaml']]
 */
function readmeCommands(markdown: string): string[][] {
  const commands: string[][] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    for (const line of block[1].split('\n')) {
      const code = line.replace(/(^|\s)#.*$/, '');
      for (const step of code.split('&&').map((s) => s.trim())) {
        const words = step.split(/\s+/).filter(Boolean);
        if (words[0] === 'npx' && words[1] === 'caviar') commands.push(words.slice(2));
      }
    }
  }
  return commands;
}

const commands = readmeCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
let work = '';
const home = process.cwd();

before(() => {
  work = mkdtempSync(join(tmpdir(), 'caviar-readme-'));
  cpSync(join(ROOT, 'examples'), join(work, 'examples'), { recursive: true });
  process.chdir(work); // caviar-out/ and anything else a command writes lands here, not in the repository
});

after(() => {
  process.chdir(home);
  rmSync(work, { recursive: true, force: true });
});

test('the README shows caviar commands, the quickstart first', () => {
  assert.ok(commands.length >= 1, 'README.md has no npx caviar command in a sh block');
  assert.deepEqual(commands[0], ['tune', 'examples/quickstart.yaml']);
  assert.deepEqual(readmeCommands('```sh\nnpm install && npx caviar tune a.yaml   # x && npx caviar no\nnpm test\n```\n'), [['tune', 'a.yaml']]);
});

for (const args of commands) {
  test(`README: npx caviar ${args.join(' ')}`, { timeout: 600_000 }, async (t) => {
    if (args.join(' ').includes('fashion-mnist') || args.some((a) => a.includes('fashion-mnist.yaml'))) {
      if (!requireOrSkip(t, fashionMnistAvailable() !== null, 'Fashion-MNIST not found (apt-get install dataset-fashion-mnist)')) return;
    }
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, (l) => out.push(l), (l) => err.push(l));
    assert.equal(code, 0, `npx caviar ${args.join(' ')} exited ${code}:\n${err.join('\n')}\n${out.slice(-20).join('\n')}`);
  });
}
