import { readFileSync } from 'node:fs';

/** A URL option that may carry credentials, and a way to show it without them. */
export class SecretUrlError extends Error {
  constructor(
    message: string,
    readonly option: string,
    /** A mistake on the command line (exit 2), not a fault of the environment (a file, a variable). */
    readonly usage = true,
  ) {
    super(`${option}: ${message}`);
    this.name = 'SecretUrlError';
  }
}

/**
 * Resolves `--smtp` / `--imap`: a URL as it is, `env` for the named environment variable
 * (so the password is not on the command line, where `ps` shows it), or `@FILE` for a file
 * whose first line is the URL.
 */
export function resolveUrl(value: string, option: string, envName: string, env: NodeJS.ProcessEnv, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): URL {
  let text = value;
  if (value === 'env') {
    const fromEnv = env[envName];
    if (!fromEnv) throw new SecretUrlError(`"env" given but ${envName} is not set`, option, false);
    text = fromEnv;
  } else if (value.startsWith('@')) {
    try {
      text = read(value.slice(1)).split('\n')[0]?.trim() ?? '';
    } catch (error) {
      throw new SecretUrlError(`cannot read ${value.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, option, false);
    }
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The text may hold a password: never echo it.
    throw new SecretUrlError('not a valid URL', option);
  }
  // `user:pass@host` without a scheme parses as the scheme "user:" with the password in its
  // path, which redactUrl cannot find: only the option's own schemes, with a host, pass.
  const schemes = SCHEMES[option];
  if (!url.hostname || (schemes && !schemes.includes(url.protocol))) throw new SecretUrlError(`not a valid URL (expected ${(schemes ?? ['scheme:']).map((s) => `${s}//HOST`).join(' or ')})`, option);
  return url;
}

const SCHEMES: Readonly<Record<string, readonly string[]>> = { '--smtp': ['smtp:', 'smtps:'], '--imap': ['imap:', 'imaps:'] };

/** The URL with its password replaced by `***`: the only form that reaches a log. */
export function redactUrl(url: URL): string {
  if (!url.password) return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/**
 * Removes the URL's password from any text, e.g. an error: as in the URL, percent-decoded, and
 * base64 alone and in the SASL PLAIN forms (`\0user\0pass`, RFC 4616) that a server answering
 * an AUTH may echo.
 */
export function redactor(...urls: (URL | null | undefined)[]): (text: string) => string {
  const secrets = urls
    .flatMap((u) => (u && u.password ? secretForms(u) : []))
    .filter((s) => s.length > 0)
    // Longest first: a form that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

function secretForms(url: URL): string[] {
  const pass = decode(url.password);
  const user = decode(url.username);
  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '');
  return [url.password, pass, base64(pass), base64(`\0${user}\0${pass}`), base64(`${user}\0${user}\0${pass}`)];
}

/** decodeURIComponent that keeps a malformed escape (`%zz`, which URL lets through) as it is. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
