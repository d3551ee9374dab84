/**
 * GitHub's published REST description (@octokit/openapi, api.github.com) as a request
 * validator for the fake GitHub: routes, path and query parameters, JSON bodies (ajv on the
 * operation's schemas) and the Accept media types an operation documents.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: object;
}
interface Operation {
  readonly operationId: string;
  readonly description?: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Record<string, { schema: object }> };
}
export interface Route {
  readonly method: string;
  readonly template: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly literals: number;
  readonly operation: Operation;
}

/** Every operation of the api.github.com description, as matchable routes. */
function loadRoutes(): Route[] {
  const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.deref.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const names: string[] = [];
    const segments = template.split('/');
    const regex = new RegExp(
      '^' + segments.map((s) => (/^\{\w+\}$/.test(s) ? (names.push(s.slice(1, -1)), '([^/]+)') : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/') + '$',
    );
    const literals = segments.filter((s) => s !== '' && !s.startsWith('{')).length;
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      routes.push({ method: method.toUpperCase(), template, regex, names, literals, operation });
    }
  }
  return routes;
}

const JSON_MEDIA = ['application/json', 'application/vnd.github+json', 'application/vnd.github.v3+json', '*/*'];

/**
 * Media types GitHub serves that an operation's OpenAPI description leaves out. The one entry:
 * pulls/get lists only `.diff`, while GitHub's media-type documentation says "commits, commit
 * comparison, and pull requests" support both diff and patch
 * (https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#media-types).
 */
const UNDOCUMENTED_MEDIA: Readonly<Record<string, readonly string[]>> = { 'pulls/get': ['application/vnd.github.patch'] };

/** The custom media types an operation's description lists, e.g. `application/vnd.github.diff`. */
function documentedMedia(operation: Operation): string[] {
  const listed = [...(operation.description ?? '').matchAll(/\*\*`(application\/vnd\.github[^`]*)`\*\*/g)].map((m) => m[1]!);
  return [...listed, ...(UNDOCUMENTED_MEDIA[operation.operationId] ?? [])];
}

export interface RouteMatch {
  readonly route: Route;
  readonly values: string[];
}

let shared: OpenApiValidator | null = null;

export class OpenApiValidator {
  private readonly validators = new Map<object, ValidateFunction>();
  private readonly ajv: Ajv;

  private constructor(private readonly routes: readonly Route[]) {
    this.ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false });
    addFormats(this.ajv);
  }

  /** Parsing the 70 MB description takes seconds: once per test process. */
  static load(): OpenApiValidator {
    shared ??= new OpenApiValidator(loadRoutes());
    return shared;
  }

  match(method: string, path: string): RouteMatch | null {
    let best: RouteMatch | null = null;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (m && (!best || route.literals > best.route.literals)) best = { route, values: m.slice(1).map(decodeURIComponent) };
    }
    return best;
  }

  /** Checks parameters, body and media type; returns the parameters or what is wrong. */
  validate(found: RouteMatch, url: URL, raw: string, accept: string): Record<string, string> | string {
    const { route, values } = found;
    const op = route.operation;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = values[i]!));
    const declared = op.parameters ?? [];
    for (const name of url.searchParams.keys()) {
      if (!declared.some((p) => p.in === 'query' && p.name === name)) return `query parameter "${name}" is not in ${op.operationId}`;
    }
    for (const p of declared) {
      if (p.in !== 'path' && p.in !== 'query') continue;
      const value = p.in === 'path' ? params[p.name] : url.searchParams.get(p.name);
      if (value === undefined || value === null) {
        if (p.required) return `missing ${p.in} parameter "${p.name}" of ${op.operationId}`;
        continue;
      }
      params[p.name] = value;
      if (p.schema && !this.validator(p.schema)(coerce(value, p.schema))) return `${p.in} parameter "${p.name}"="${value}" does not match ${op.operationId}: ${this.ajv.errorsText(this.validator(p.schema).errors)}`;
    }
    const schema = op.requestBody?.content['application/json']?.schema;
    if (raw !== '') {
      if (!schema) return `${op.operationId} takes no request body`;
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return 'request body is not JSON';
      }
      const check = this.validator(schema);
      if (!check(body)) return `request body does not match ${op.operationId}: ${this.ajv.errorsText(check.errors)}`;
    } else if (op.requestBody?.required) return `${op.operationId} requires a request body`;
    const media = accept.split(',').map((m) => m.trim().split(';')[0]!);
    const allowed = [...JSON_MEDIA, ...documentedMedia(op), ...documentedMedia(op).map((m) => m.replace('application/vnd.github.', 'application/vnd.github.v3.'))];
    if (!media.some((m) => allowed.includes(m))) return `Accept "${accept}" is not a media type of ${op.operationId} (${allowed.join(', ')})`;
    return params;
  }

  private validator(schema: object): ValidateFunction {
    let v = this.validators.get(schema);
    if (!v) {
      v = this.ajv.compile(schema);
      this.validators.set(schema, v);
    }
    return v;
  }
}

function coerce(value: string, schema: object): unknown {
  const type = (schema as { type?: string }).type;
  return type === 'integer' || type === 'number' ? (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value) : type === 'boolean' ? value === 'true' ? true : value === 'false' ? false : value : value;
}
