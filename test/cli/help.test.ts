// Every command's help has one shape (usage, what it does, options, exit
// codes, an example), `caviar help COMMAND` prints the same text, every
// option a help lists is one the parser takes, and the shell completion
// scripts offer exactly the commands and options of the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands.js';
import { helpFlags } from '../../src/cli/command.js';
import { runCaviar } from '../helpers/cli.js';


test('the command list names every command, and caviar help lists them', async () => {
  const { code, out } = await runCaviar(['--help']);
  assert.equal(code, 0);
  assert.equal((await runCaviar(['help'])).out, out);
  for (const c of COMMANDS) assert.match(out, new RegExp(`^  ${c.name} +${c.summary.replace(/[()|.*+?[\]]/g, '\\$&')}$`, 'm'));
  assert.deepEqual(COMMANDS.map((c) => c.name).slice(0, 2), ['train', 'tune']);
});

test('caviar --version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v', '-V']) {
    const { code, out } = await runCaviar([flag]);
    assert.equal(code, 0);
    assert.equal(out, `caviar ${pkg.version}`);
  }
});

for (const c of COMMANDS) {
  test(`caviar ${c.name}: its help has the usual shape and lists only options the parser takes`, async () => {
    const viaFlag = await runCaviar([c.name, '--help']);
    assert.equal(viaFlag.code, 0, viaFlag.err);
    assert.equal(viaFlag.out, c.help);
    assert.equal((await runCaviar(['help', c.name])).out, c.help);
    assert.equal((await runCaviar([c.name, '-h'])).out, c.help);

    const help = c.help;
    assert.match(help, new RegExp(`^Usage: caviar ${c.name}( |$)`));
    assert.match(help, /^Usage: .*\n\n\S/, 'a blank line, then what the command does');
    assert.match(help, /\nOptions:\n {2}/);
    assert.match(help, /\nExit codes: 0 /);
    // Only the exit codes of the README's table.
    const exits = help.slice(help.indexOf('\nExit codes: ')).split('\n\n')[0];
    for (const m of exits.matchAll(/(?:codes: |; )(\d+) /g)) assert.ok(['0', '1', '2', '130'].includes(m[1]), `exit code ${m[1]} in ${c.name}`);
    const examples = /\nExamples?:\n((?: {2}.*\n?)+)$/.exec(help);
    assert.ok(examples, `caviar ${c.name} --help ends with an example`);
    for (const line of examples[1].trim().split('\n')) assert.match(line.trim(), new RegExp(`^caviar ${c.name}( |$)`));

    const flags = helpFlags(help);
    assert.deepEqual(flags.slice(-2).map((f) => f.long), ['--json', '--help']);
    assert.deepEqual(flags.map((f) => f.long).sort(), c.flags.map((f) => f.long).sort(), 'completion offers what the help lists');
    // Each listed option is accepted: the command gets past its options and stops at the five arguments no command takes.
    for (const f of flags.filter((f) => f.long !== '--help')) {
      const { code, err } = await runCaviar([c.name, f.long, ...(f.value ? ['1'] : []), 'p1', 'p2', 'p3', 'p4', 'p5']);
      assert.equal(code, 2, `${c.name} ${f.long}`);
      assert.doesNotMatch(err, /unknown option|needs a value|takes no value/, `${c.name} ${f.long}: ${err}`);
    }
  });

  test(`caviar ${c.name}: a mistake in a flag is one line, prefixed once`, async () => {
    const { code, err, out } = await runCaviar([c.name, '--bogus-flag']);
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.equal(err, `caviar ${c.name}: unknown option '--bogus-flag'; 'caviar ${c.name} --help' lists the options`);
    const wrong = await runCaviar([c.name, 'p1', 'p2', 'p3', 'p4', 'p5']);
    assert.equal(wrong.code, 2);
    assert.doesNotMatch(wrong.err, new RegExp(`caviar ${c.name}: caviar ${c.name}`));
    assert.equal(wrong.err.split('\n').length, 1, wrong.err);
    assert.match(wrong.err, new RegExp(`^caviar ${c.name}: `));
  });
}

test('a near-miss command or option gets a suggestion', async () => {
  assert.equal((await runCaviar(['tuen'])).err, "caviar: unknown command 'tuen' (did you mean 'tune'?); 'caviar --help' lists the commands");
  const help = await runCaviar(['help', 'predcit']);
  assert.equal(help.code, 2);
  assert.match(help.err, /^caviar help: unknown command 'predcit' \(did you mean 'predict'\?\)/);
  assert.equal((await runCaviar(['show', 'x', '--tpo', '3'])).err,
    "caviar show: unknown option '--tpo' (did you mean '--top'?); 'caviar show --help' lists the options");
  assert.equal((await runCaviar(['-x'])).err, "caviar: unknown option '-x' before the command; 'caviar --help' lists the commands");
});

test('caviar completion: a script per shell, with every command and option of the table', async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const { code, out } = await runCaviar(['completion', shell]);
    assert.equal(code, 0);
    for (const c of COMMANDS) {
      assert.ok(out.includes(c.name), `${shell}: ${c.name}`);
      for (const f of c.flags) assert.ok(out.includes(shell === 'fish' ? `-l ${f.long.slice(2)}` : f.long), `${shell}: ${c.name} ${f.long}`);
    }
    assert.ok(out.includes('csv json'), `${shell}: the values of predict --format`);
  }
  const wrong = await runCaviar(['completion', 'bsh']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /^caviar completion: expected one shell, bash, zsh, fish; got 'bsh' \(did you mean 'bash'\?\)$/);
});

/** Whether `shell` runs here. */
function has(shell: string): boolean {
  try {
    execFileSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the bash script is valid bash and completes commands, options and option values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-completion-'));
  try {
    const file = join(dir, 'caviar.bash');
    writeFileSync(file, (await runCaviar(['completion', 'bash'])).out + '\n');
    execFileSync('bash', ['-n', file]);
    // What bash would offer for the words typed so far (the last one being completed).
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _caviar; echo "\${COMPREPLY[*]}"`, file], { encoding: 'utf8' }).trim();
    assert.equal(complete('caviar', 'tu'), 'tune');
    assert.equal(complete('caviar', 'tune', '--tr'), '--trials');
    assert.equal(complete('caviar', 'predict', '--format', ''), 'csv json');
    assert.equal(complete('caviar', 'completion', 'z'), 'zsh');
    assert.equal(complete('caviar', 'help', 'pre'), 'predict');
    assert.equal(complete('caviar', 'show', '--'), '--storage --top --json --help');
    assert.equal(complete('caviar', 'tune', 'examples/'), '', 'file names are left to bash (complete -o default)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the zsh and fish scripts are valid (checked by the shells where installed, else by their structure)', async (t) => {
  const zsh = (await runCaviar(['completion', 'zsh'])).out;
  const fish = (await runCaviar(['completion', 'fish'])).out;
  const dir = mkdtempSync(join(tmpdir(), 'caviar-completion-'));
  try {
    for (const [shell, script, check] of [['zsh', zsh, ['-n']], ['fish', fish, ['--no-execute']]] as const) {
      if (!has(shell)) {
        t.diagnostic(`${shell} is not installed: its script is checked by structure only`);
        continue;
      }
      const file = join(dir, `caviar.${shell}`);
      writeFileSync(file, script + '\n');
      execFileSync(shell, [...check, file]);
      if (shell === 'zsh') {
        // Loaded after compinit, it registers itself for caviar.
        const registered = execFileSync('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -D; source ${file}; print -r -- $_comps[caviar]`], { encoding: 'utf8' });
        assert.equal(registered.trim(), '_caviar');
      } else {
        // What fish offers for a command line, as its `complete -C` reports it.
        const offers = (line: string) => execFileSync('fish', ['-c', `source ${file}; complete -C '${line}'`], { encoding: 'utf8' })
          .trim().split('\n').map((l) => l.split('\t')[0]);
        assert.deepEqual(offers('caviar tu'), ['tune']);
        assert.deepEqual(offers('caviar tune --tr'), ['--trials']);
        assert.deepEqual(offers('caviar predict --format '), ['csv', 'json']);
        assert.deepEqual(offers('caviar completion '), ['bash', 'fish', 'zsh']);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Structure: zsh's quotes, braces and parentheses balance, and it registers itself; every fish line is a complete command.
  assert.match(zsh, /^#compdef caviar\n/);
  assert.match(zsh, /\ncompdef _caviar caviar$/);
  for (const line of zsh.split('\n')) assert.equal((line.match(/'/g) ?? []).length % 2, 0, `unbalanced quote: ${line}`);
  const count = (s: string, ch: string) => s.split(ch).length - 1;
  const unquoted = zsh.replace(/'[^']*'/g, "''");
  assert.equal(count(unquoted, '{'), count(unquoted, '}'));
  const body = unquoted.split('\n').filter((l) => !/^\s+[\w-]+\)$/.test(l)).join('\n'); // without the case labels `tune)`
  assert.equal(count(body, '('), count(body, ')'));
  for (const line of fish.split('\n')) {
    assert.match(line, /^(#|complete -c caviar )/, line);
    assert.equal((line.match(/'/g) ?? []).length % 2, 0, `unbalanced quote: ${line}`);
  }
});
