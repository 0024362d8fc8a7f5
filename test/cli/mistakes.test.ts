// A newcomer's mistakes, each answered in a line or two that name the
// mistake and, where a near name exists, suggest it; exit 2 every time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExperiment } from '../../src/experiment/spec.js';
import { runCaviar } from '../helpers/cli.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'caviar-mistakes-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const EXPERIMENT = 'name: tiny\ndata: { source: spirals, classes: 3, perClass: 40 }\ntrain: { epochs: 1 }\ntune:\n  trials: 1\n';

test('--trials -3 is a bad value for --trials, not an ambiguous argument', async () => {
  const exp = file('ok.yaml', EXPERIMENT);
  for (const [args, message] of [
    [['tune', exp, '--trials', '-3'], "caviar tune: --trials: expected a positive integer, got '-3'"],
    [['tune', exp, '--workers', '-1'], "caviar tune: --workers: expected a positive integer, got '-1'"],
    [['train', '--epochs', '-2'], 'caviar train: --epochs: expected an integer >= 1, got -2'],
    [['show', 'x', '--top', '-.5'], "caviar show: --top: expected a positive integer, got '-.5'"],
  ] as const) {
    const { code, err, out } = await runCaviar([...args]);
    assert.equal(code, 2, args.join(' '));
    assert.equal(err, message);
    assert.equal(out, '');
  }
});

test('an unknown option is named, with the nearest real one, in one line', async () => {
  const exp = file('ok2.yaml', EXPERIMENT);
  const cases = [
    [['tune', exp, '--trails', '3'], "caviar tune: unknown option '--trails' (did you mean '--trials'?); 'caviar tune --help' lists the options"],
    [['predict', 'm', 'd', '--clases'], "caviar predict: unknown option '--clases' (did you mean '--classes'?); 'caviar predict --help' lists the options"],
    [['info', '--bogus'], "caviar info: unknown option '--bogus'; 'caviar info --help' lists the options"],
    [['studies', '--storage'], "caviar studies: --storage needs a value; 'caviar studies --help' lists the options"],
    [['export', 'a', 'b', '--force=yes'], "caviar export: --force takes no value, got '--force=yes'; 'caviar export --help' lists the options"],
    [['predict', 'm', 'd', '--format', 'jsn'], "caviar predict: --format: expected one of csv, json, got 'jsn' (did you mean 'json'?)"],
    [['parity', 'f', '--dtype', 'float16'], "caviar parity: --dtype: expected one of float32, float64, got 'float16' (did you mean 'float32'?)"],
  ] as const;
  for (const [args, message] of cases) {
    const { code, err } = await runCaviar([...args]);
    assert.equal(code, 2, args.join(' '));
    assert.equal(err, message);
  }
});

test('a binary file given as the experiment is refused in a line, its bytes never printed', async () => {
  const bytes = new Uint8Array(20_000).map((_, i) => (i * 7919) % 256); // NUL bytes and invalid UTF-8, as in a model or an archive
  const binary = file('model.safetensors', bytes);
  const latin1 = file('notes.yaml', Uint8Array.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0xe8, 0x0a])); // 'name: éè' in Latin-1
  for (const args of [['tune', binary], ['train', binary], ['tune', latin1]]) {
    const { code, err } = await runCaviar(args);
    assert.equal(code, 2, args.join(' '));
    assert.equal(err, `caviar ${args[0]}: ${args[1]}: 1 problem:\n  not a text (YAML or JSON) file; an experiment file is YAML or JSON, like examples/quickstart.yaml`);
  }
  const folder = await runCaviar(['tune', dir]);
  assert.equal(folder.code, 2);
  assert.match(folder.err, /: 1 problem:\n {2}a folder, not an experiment file$/);
});

test('a mistyped space key, sampler or pruner gets the nearest name', () => {
  const problems = (tune: string) => {
    try {
      parseExperiment({ data: { source: 'spirals' }, tune: JSON.parse(tune) }, 'exp.yaml');
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(problems('{ "space": { "learningRat": { "type": "float", "low": 0.001, "high": 0.1, "scale": "log" } } }'),
    /tune\.space\.learningRat: not a setting caviar can tune \(did you mean 'learningRate'\?\); expected one of .*learningRate/);
  assert.match(problems('{ "sampler": "tpee" }'), /tune\.sampler: unknown sampler 'tpee' \(did you mean 'tpe'\?\)/);
  assert.match(problems('{ "pruner": "medain" }'), /tune\.pruner: unknown pruner 'medain' \(did you mean 'median'\?\)/);
  assert.match(problems('{ "space": { "zzzzzzzz": [1, 2] } }'), /tune\.space\.zzzzzzzz: not a setting caviar can tune; expected one of/);
});

test("the pruners the README lists are the pruners an experiment file takes, 'asha' included", () => {
  for (const pruner of ['median', 'percentile', 'asha', 'successive-halving', 'hyperband', 'none']) {
    const options = pruner === 'percentile' ? { type: pruner, percentile: 25 } : pruner;
    const exp = parseExperiment({ data: { source: 'spirals' }, tune: { pruner: options } }, 'exp.yaml');
    assert.equal(exp.tune!.pruner.name, pruner);
  }
});
