import { readFileSync } from 'node:fs';

/** A URL option that may carry credentials, and a way to show it without them. */
export class SecretUrlError extends Error {
  constructor(
    message: string,
    readonly option: string,
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
    if (!fromEnv) throw new SecretUrlError(`"env" given but ${envName} is not set`, option);
    text = fromEnv;
  } else if (value.startsWith('@')) {
    try {
      text = read(value.slice(1)).split('\n')[0]?.trim() ?? '';
    } catch (error) {
      throw new SecretUrlError(`cannot read ${value.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, option);
    }
  }
  try {
    return new URL(text);
  } catch {
    // The text may hold a password: never echo it.
    throw new SecretUrlError('not a valid URL', option);
  }
}

/** The URL with its password replaced by `***`: the only form that reaches a log. */
export function redactUrl(url: URL): string {
  if (!url.password) return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/** Removes the URL's password (raw and percent-decoded) from any text, e.g. an error. */
export function redactor(...urls: (URL | null | undefined)[]): (text: string) => string {
  const secrets = urls.flatMap((u) => (u && u.password ? [u.password, decodeURIComponent(u.password)] : [])).filter((s) => s.length > 0);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}
