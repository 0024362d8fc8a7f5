// The one place that decides what of a storage URL a person sees: every
// shape a password takes in a URL, a URL inside a longer message, and what is
// left alone (file paths, user-only URLs, help texts' placeholders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets, redactUrl, withoutPassword, withoutPasswordsIn } from '../../src/util/redact.js';

test('redactUrl hides the password however it is written, and only it', () => {
  const cases: Array<[string, string]> = [
    ['postgres://me:s3cret@db.example/runs', 'postgres://me:***@db.example/runs'],
    ['postgresql://me:s3cret@db.example:6543/runs?schema=a', 'postgresql://me:***@db.example:6543/runs?schema=a'],
    // '@', ':' and '/' typed inside the password: the userinfo runs to the last '@'.
    ['postgres://me:p@ss:w/rd@db/runs', 'postgres://me:***@db/runs'],
    ['postgres://me:a?b#c@db:5432/runs', 'postgres://me:***@db:5432/runs'],
    ['postgres://me:p%40ss%3Aw@db/runs', 'postgres://me:***@db/runs'],
    ['postgres://:s3cret@db/runs', 'postgres://:***@db/runs'],
    ['POSTGRES://me:s3cret@db/runs', 'POSTGRES://me:***@db/runs'],
    // As a query parameter (pg reads ?password= too), also libpq's sslpassword.
    ['postgres://me@db/runs?password=s3cret', 'postgres://me@db/runs?password=***'],
    ['postgres://me@db/runs?schema=a&sslpassword=s3cret&durability=fast', 'postgres://me@db/runs?schema=a&sslpassword=***&durability=fast'],
    ['postgres://me:x@db/runs?PASSWORD=y', 'postgres://me:***@db/runs?PASSWORD=***'],
    // Nothing secret: unchanged.
    ['postgres://me@db/runs?schema=a', 'postgres://me@db/runs?schema=a'],
    ['postgres://db/runs', 'postgres://db/runs'],
    ['postgres://db/runs?passfile=/home/me/.pgpass', 'postgres://db/runs?passfile=/home/me/.pgpass'],
    ['caviar-out/quickstart/study.db', 'caviar-out/quickstart/study.db'],
    ['sqlite:/tmp/a:b@c.db', 'sqlite:/tmp/a:b@c.db'],
    [':memory:', ':memory:'],
    // Any scheme: a mistyped one is echoed back in its error.
    ['mysql://me:s3cret@db/runs', 'mysql://me:***@db/runs'],
  ];
  for (const [url, shown] of cases) assert.equal(redactUrl(url), shown, url);
  // Redacting twice changes nothing more.
  for (const [url] of cases) assert.equal(redactUrl(redactUrl(url)), redactUrl(url), url);
});

test('redactUrl hides more rather than less when an @ sits in a query value', () => {
  // Which '@' ends the userinfo cannot be known here: the host goes too, the port never shows as a secret.
  assert.equal(redactUrl('postgres://me:pw@db/runs?application_name=a@b'), 'postgres://me:***@b');
  assert.equal(redactUrl('postgres://me@db/runs?application_name=a@b'), 'postgres://me@db/runs?application_name=a@b');
});

test('withoutPassword leaves a URL that still connects (password from PGPASSWORD or ~/.pgpass), with no secret in it', () => {
  assert.equal(withoutPassword('postgres://me:s3cret@db/runs?schema=a'), 'postgres://me@db/runs?schema=a');
  assert.equal(withoutPassword('postgres://me:p%40ss@db/runs?password=x&schema=a'), 'postgres://me@db/runs?schema=a');
  assert.equal(withoutPassword('postgres://me@db/runs?schema=a&password=x'), 'postgres://me@db/runs?schema=a');
  assert.equal(withoutPassword('postgres://me:p@ss/w@db/runs'), 'postgres://me@db/runs');
  // The driver reads the '@' of a query value as part of it: so does withoutPassword (the URL must keep working).
  assert.equal(withoutPassword('postgres://db:5432/runs?application_name=a@b'), 'postgres://db:5432/runs?application_name=a@b');
  // Nothing to remove: the string exactly as written (URL would add a '/').
  assert.equal(withoutPassword('https://example.com'), 'https://example.com');
  assert.equal(withoutPassword('caviar-out/q/study.db'), 'caviar-out/q/study.db');
});

test('withoutPasswordsIn cleans every URL in a recorded experiment and keeps the rest as it is', () => {
  const raw = { name: 'q', data: { source: 'csv', path: 'a.csv' }, tune: { trials: 3, storage: 'postgres://me:s3cret@db/runs', list: ['postgres://u:v@h/d', 1, null, true] } };
  assert.deepEqual(withoutPasswordsIn(raw), {
    name: 'q', data: { source: 'csv', path: 'a.csv' }, tune: { trials: 3, storage: 'postgres://me@db/runs', list: ['postgres://u@h/d', 1, null, true] },
  });
  assert.equal(raw.tune.storage, 'postgres://me:s3cret@db/runs', 'the input is not changed');
});

test('redactSecrets finds URLs inside longer messages, quoted or not, and password settings', () => {
  assert.equal(
    redactSecrets('storage "postgres://me:pass word@db/runs": durability must be full or fast'),
    'storage "postgres://me:***@db/runs": durability must be full or fast',
  );
  assert.equal(
    redactSecrets("no study named 'x' in postgres://me:s3cret@db/runs?schema=a; 'caviar studies' lists them"),
    "no study named 'x' in postgres://me:***@db/runs?schema=a; 'caviar studies' lists them",
  );
  assert.equal(redactSecrets('a postgres://u:1@h/d and b mysql://v:2@k/e\nnext line postgres://w@m/f'),
    'a postgres://u:***@h/d and b mysql://v:***@k/e\nnext line postgres://w@m/f');
  assert.equal(redactSecrets('host=db user=me password=s3cret dbname=runs'), 'host=db user=me password=*** dbname=runs');
  assert.equal(redactSecrets("connect(password='two words')"), 'connect(password=***)');
  // The dashboard's address carries its token on purpose: a fragment, not a password.
  assert.equal(redactSecrets('open http://127.0.0.1:8321/#token=abc'), 'open http://127.0.0.1:8321/#token=abc');
  assert.equal(redactSecrets('nothing to see'), 'nothing to see');
});

test('every command help passes through redactSecrets unchanged (user[:password]@ is a placeholder)', async () => {
  // Every command's help comes from its table (cli/commands.ts), and so does the command list.
  const { COMMANDS, usage } = await import('../../src/cli/commands.js');
  for (const command of COMMANDS) assert.equal(redactSecrets(command.help), command.help, `caviar ${command.name} --help`);
  assert.equal(redactSecrets(usage()), usage());
  assert.ok(COMMANDS.length >= 12, `found ${COMMANDS.length} commands`);
  assert.ok(COMMANDS.some((c) => c.help.includes('user[:password]@') || c.help.includes('postgres://user@')), 'a help shows a placeholder URL, so the check can fail');
});
