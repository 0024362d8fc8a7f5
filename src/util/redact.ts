/**
 * A storage or URL as shown to a person: never with its password. Every
 * place that prints, logs, serves or records a storage goes through here,
 * so there is one idea of where a secret sits in a URL:
 *
 * - the userinfo's password: `postgres://me:***@host/db` (a user-only URL
 *   is left as it is);
 * - a password given as a query parameter (`?password=`, `sslpassword=`);
 * - a URL inside a longer message (a driver's error), quoted or not.
 *
 * Passwords are often typed without percent-escapes, so `@`, `:`, `/`, `?`
 * or `#` may sit inside one. The userinfo therefore runs to the *last* `@`
 * of the URL, not the first, and a URL that does not parse is redacted all
 * the same. When unsure, more is hidden (a host after an `@` in a query
 * value), never less.
 */

/** `scheme://`: where a URL with an authority starts (the first at the start of a spec, the second anywhere in a text). */
const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;
const URL_ANYWHERE = /[a-z][a-z0-9+.-]*:\/\//gi;

/** The name of a setting that holds a password: password, sslpassword, passwd (not passfile: a path). */
const SECRET_NAME = '[\\w.-]*pass(?:word|wd)?';
const SECRET_KEY = new RegExp(`^${SECRET_NAME}$`, 'i');
/** In a URL's query (or after ';' in libpq-style strings). */
const SECRET_PARAM = new RegExp(`([?&;])(${SECRET_NAME})=[^&#;]*`, 'gi');
/** In free text: `password=s3cret`, `password='two words'`. */
const SECRET_SETTING = new RegExp(`(^|[\\s?&;,(])(${SECRET_NAME})=("[^"]*"|'[^']*'|[^\\s&#;,)"']*)`, 'gi');

/** The userinfo help texts write: `user[:password]`. */
const PLACEHOLDER = /^\w*\[:\w+\]$/;

/** What stands in for a password. */
const HIDDEN = '***';

/**
 * A storage spec or URL (the whole string is one) as shown to a person:
 * its password replaced by `***`. A file path comes back unchanged.
 *
 * @example
 *   redactUrl('postgres://me:s3cret@db.example/runs');        // 'postgres://me:***@db.example/runs'
 *   redactUrl('postgresql://me:p@ss/w:rd@db/runs?schema=a');  // 'postgresql://me:***@db/runs?schema=a'
 *   redactUrl('postgres://me@db/runs?password=s3cret');       // 'postgres://me@db/runs?password=***'
 *   redactUrl('caviar-out/quickstart/study.db');              // unchanged
 */
export function redactUrl(spec: string): string {
  return rewriteUrl(spec, (user) => `${user}:${HIDDEN}@`, (name) => `${name}=${HIDDEN}`);
}

/**
 * A storage URL as written into a file or a study (a child experiment, a
 * recorded experiment): no password at all, so the URL still works where
 * the password comes from `PGPASSWORD` or `~/.pgpass`, and nothing on disk
 * holds it.
 *
 * @example
 *   withoutPassword('postgres://me:s3cret@db/runs?password=x&schema=a'); // 'postgres://me@db/runs?schema=a'
 */
export function withoutPassword(spec: string): string {
  if (!URL_START.test(spec)) return spec;
  // A URL that connected parses (caviar's PostgreSQL storage parses it so): read it the way the driver
  // did, so an '@' in a query value is not taken for the end of a password and the URL keeps working.
  let url: URL | undefined;
  try {
    url = new URL(spec);
  } catch {
    url = undefined;
  }
  if (url && !url.pathname.includes('@')) {
    const secret = [...url.searchParams.keys()].filter((k) => SECRET_KEY.test(k));
    // Nothing to take out: the string as written (URL would add a '/' to https://host).
    if (url.password === '' && secret.length === 0) return spec;
    url.password = '';
    for (const k of secret) url.searchParams.delete(k);
    return url.toString();
  }
  return rewriteUrl(spec, (user) => (user === '' ? '' : `${user}@`), () => '')
    .replace(/([?&])&+/g, '$1')
    .replace(/[?&]$/, '');
}

/**
 * A JSON-like value (an experiment as recorded in a study) with every
 * string in it that is a URL passed through `withoutPassword`: a
 * `tune.storage` written with its password is recorded without it.
 *
 * @example
 *   withoutPasswordsIn({ tune: { storage: 'postgres://me:s3cret@db/runs' } }); // { tune: { storage: 'postgres://me@db/runs' } }
 */
export function withoutPasswordsIn<T>(value: T): T {
  if (typeof value === 'string') return withoutPassword(value) as T;
  if (Array.isArray(value)) return value.map((v) => withoutPasswordsIn(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutPasswordsIn(v)])) as T;
  }
  return value;
}

/**
 * Any text (an error message, a log line) with the password of every URL in
 * it hidden, and every `password=...` setting too. A URL in quotes runs to
 * the closing quote (a password may hold a space); otherwise to the next
 * white space.
 *
 * @example
 *   redactSecrets('cannot open "postgres://me:s3cret@db/runs": refused');
 *   // 'cannot open "postgres://me:***@db/runs": refused'
 */
export function redactSecrets(text: string): string {
  let out = '';
  let from = 0;
  for (const m of text.matchAll(URL_ANYWHERE)) {
    const start = m.index!;
    if (start < from) continue; // inside a URL already rewritten
    const quote = start > 0 ? text[start - 1] : '';
    let end: number;
    if (quote === '"' || quote === "'" || quote === '`') {
      end = text.indexOf(quote, start);
      const line = text.indexOf('\n', start);
      if (end < 0 || (line >= 0 && line < end)) end = line >= 0 ? line : text.length;
    } else {
      const rest = /\s/.exec(text.slice(start));
      end = rest ? start + rest.index : text.length;
    }
    out += text.slice(from, start) + redactUrl(text.slice(start, end));
    from = end;
  }
  out += text.slice(from);
  return out.replace(SECRET_SETTING, (_all, before: string, name: string, value: string) =>
    value === HIDDEN ? _all : `${before}${name}=${HIDDEN}`);
}

/**
 * Rewrites a URL's userinfo (when it has a password) and its password
 * settings; anything that is not `scheme://...` comes back unchanged.
 */
function rewriteUrl(spec: string, userinfo: (user: string) => string, setting: (name: string) => string): string {
  const scheme = URL_START.exec(spec);
  if (!scheme) return spec;
  let rest = spec.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const info = rest.slice(0, at);
    const colon = info.indexOf(':');
    // A user-only URL keeps its user; `me:...@` loses everything after the first colon. Help texts'
    // `user[:password]@` is a placeholder, not a password.
    if (colon >= 0 && !PLACEHOLDER.test(info)) rest = userinfo(info.slice(0, colon)) + rest.slice(at + 1);
  }
  // Settings live in the query (and, for libpq-style strings, after ';'); the first '?' starts it.
  const query = rest.indexOf('?');
  if (query >= 0) {
    rest = rest.slice(0, query) + rest.slice(query).replace(SECRET_PARAM, (_all, sep: string, name: string) => {
      const kept = setting(name);
      return kept === '' ? sep : `${sep}${kept}`;
    });
  }
  return scheme[0] + rest;
}
