// Every `npx caviar ...` command that README.md shows in a ```sh block is run
// here, through main() in-process, in a temporary copy of examples/: the
// README cannot drift from what the command line really does. And the README
// (with the docs/ pages it links) is complete: every experiment field, every
// command and every option a --help lists is named there, and every ```yaml
// block is a valid experiment (or a valid part of one).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { COMMANDS } from '../src/cli/commands.js';
import { main } from '../src/cli/main.js';
import { fashionMnistAvailable } from '../src/data/fashion-mnist.js';
import { TUNABLE_NAMES } from '../src/experiment/params.js';
import { DATA_SOURCES, METRICS, parseExperiment } from '../src/experiment/spec.js';
import { PRUNER_CHOICES } from '../src/tune/pruners/index.js';
import { SAMPLER_NAMES } from '../src/tune/samplers/index.js';
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

/** README.md and every docs/*.md page it links: what a reader can find from the README. */
function documentation(): { name: string; text: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const linked = [...new Set([...readme.matchAll(/\bdocs\/[\w-]+\.md\b/g)].map((m) => m[0]))];
  return [{ name: 'README.md', text: readme }, ...linked.map((name) => ({ name, text: readFileSync(join(ROOT, name), 'utf8') }))];
}

/**
 * The text of a page's code: inline `code` and fenced blocks, where names of
 * fields, commands and options are written.
 *
 * @example codeText('a `b` c\n```yaml\nd: 1\n```\n') // 'b\nd: 1\n'
 */
function codeText(markdown: string): string {
  const fenced = [...markdown.matchAll(/^```\w*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const inline = [...markdown.replace(/^```\w*\n[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return [...inline, ...fenced].join('\n');
}

/** Whether `word` stands as a whole name in `text` (not part of a longer name). */
function names(text: string, word: string): boolean {
  return new RegExp(`(^|[^\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w-])`, 'm').test(text);
}

/**
 * The fields an experiment file takes at `path`, as the file checker lists
 * them: it is given an unknown field there and names the known ones.
 */
function fieldsAt(experiment: Record<string, unknown>, path: string): string[] {
  try {
    parseExperiment(experiment, 'probe.yaml');
  } catch (err) {
    const problems = (err as { problems?: string[] }).problems ?? [];
    const line = problems.find((p) => p.startsWith(`${path ? `${path}.` : ''}zzzProbe:`));
    const known = line && /expected one of (.*)$/.exec(line);
    if (known) return known[1].split(', ');
  }
  throw new Error(`no unknown-field message at '${path}' for ${JSON.stringify(experiment)}`);
}

/** Every name an experiment file can hold: section fields, data fields of each source, space fields and the names of choices. */
function experimentNames(): string[] {
  const data = { source: 'spirals' };
  const probe = { zzzProbe: 1 };
  const space = (param: object) => ({ data, tune: { space: { learningRate: { ...param, ...probe } } } });
  return [...new Set([
    ...fieldsAt({ data, ...probe }, ''),
    ...DATA_SOURCES.flatMap((source) => fieldsAt({ data: { source, ...probe } }, 'data')),
    ...fieldsAt({ data, model: probe }, 'model'),
    ...fieldsAt({ data, train: probe }, 'train'),
    ...fieldsAt({ data, tune: probe }, 'tune'),
    ...fieldsAt({ data, tune: { pbt: probe } }, 'tune.pbt'),
    ...fieldsAt(space({ type: 'float', low: 0.1, high: 1 }), 'tune.space.learningRate'),
    ...fieldsAt(space({ type: 'int', low: 1, high: 2 }), 'tune.space.learningRate'),
    ...fieldsAt(space({ type: 'categorical', choices: [1, 2] }), 'tune.space.learningRate'),
    ...DATA_SOURCES, ...METRICS, ...SAMPLER_NAMES, ...PRUNER_CHOICES, ...TUNABLE_NAMES,
  ])];
}

test('every experiment field, source, sampler, pruner and tunable setting is named in the README or a page it links', () => {
  const pages = documentation();
  assert.ok(pages.some((p) => p.name === 'docs/EXPERIMENTS.md'), 'README links docs/EXPERIMENTS.md, the reference of every field');
  const code = pages.map((p) => codeText(p.text)).join('\n');
  const all = experimentNames();
  assert.ok(all.includes('testPath') && all.includes('images') && all.includes('resampleProbability') && all.includes('asha'), 'the probe finds the fields');
  const missing = all.filter((name) => !names(code, name));
  assert.deepEqual(missing, [], `not named in ${pages.map((p) => p.name).join(', ')}`);
});

test('every command, and every option its --help lists, is in the README or a page it links', () => {
  const pages = documentation();
  const lines = pages.flatMap((p) => p.text.split('\n'));
  const code = pages.map((p) => codeText(p.text)).join('\n');
  for (const flag of ['--json', '--help', '--version']) assert.ok(names(code, flag), `${flag} is documented`);
  assert.ok(names(code, 'caviar completion bash'), 'shell completion is documented');
  for (const c of COMMANDS) {
    // The lines that show the command (a row of the command table, an example) name its options.
    const about = lines.filter((l) => new RegExp(`caviar ${c.name}(\\s|\`|$)`).test(l));
    assert.ok(about.length > 0, `caviar ${c.name} is not in the README or a page it links`);
    const shown = new Set(about.flatMap((l) => [...l.matchAll(/--[\w-]+/g)].map((m) => m[0])));
    const missing = c.flags.map((f) => f.long).filter((f) => f !== '--json' && f !== '--help' && !shown.has(f));
    assert.deepEqual(missing, [], `caviar ${c.name}: options of its --help that no line showing the command names`);
  }
});

test('every yaml block of the README is valid: a whole experiment, or a part of one', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  assert.ok(blocks.length >= 2);
  let whole: Record<string, unknown> | undefined;
  for (const block of blocks) {
    const doc = YAML.parseDocument(block, { uniqueKeys: true });
    assert.deepEqual(doc.errors.map((e) => e.message), [], block);
    const value = doc.toJS() as Record<string, unknown>;
    // A part is checked inside the first whole experiment: at the top level, or as its tune section's fields.
    const experiment = 'data' in value ? value : whole === undefined ? undefined
      : 'tune' in value || 'model' in value || 'train' in value ? { ...whole, ...value }
      : { ...whole, tune: { ...(whole.tune as object), ...value } };
    assert.ok(experiment, `a part of an experiment before any whole one:\n${block}`);
    assert.doesNotThrow(() => parseExperiment(experiment, 'README.md'), block);
    whole ??= value;
  }
});
