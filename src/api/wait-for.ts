// What a caller may wait for per service (healthy, a log line, an open port, an HTTP status), checked and described.
import { UserError } from '../errors.js';

/** An HTTP request to the service's address; ready when the status matches. */
export interface HttpCheck {
  /** The port inside the container. */
  readonly port: number;
  /** Default `/`. */
  readonly path?: string;
  /** Default `GET`. */
  readonly method?: string;
  /** The status that means ready (default: any 2xx). */
  readonly status?: number | ((status: number) => boolean);
}

/** Each strategy may carry its own limit; the default is `up`'s `timeoutMs`. */
interface Limited {
  readonly timeoutMs?: number;
}

/**
 * One condition a service must meet before `up` resolves:
 * - `'healthy'` or `{ healthy: true }`: every container of the service reports healthy (needs a healthcheck);
 * - `{ log: /ready/, times? }`: the service printed a matching line (`times` lines in all, default 1);
 * - `{ port: 5432 }`: a TCP connection to the container's address on that port is accepted;
 * - `{ http: { port, path, status } }`: an HTTP request to the container answers with that status.
 */
export type WaitFor =
  | 'healthy'
  | (Limited & { readonly healthy: true })
  | (Limited & { readonly log: RegExp; readonly times?: number })
  | (Limited & { readonly port: number })
  | (Limited & { readonly http: HttpCheck });

/** What to wait for, by service name: one condition or several (met one after the other). */
export type WaitPlan = Readonly<Record<string, WaitFor | readonly WaitFor[]>>;

/** A condition in one shape: what the readiness loop works with. */
export type WaitCondition =
  | { readonly kind: 'healthy'; readonly timeoutMs: number | undefined }
  | { readonly kind: 'log'; readonly pattern: RegExp; readonly times: number; readonly timeoutMs: number | undefined }
  | { readonly kind: 'port'; readonly port: number; readonly timeoutMs: number | undefined }
  | {
      readonly kind: 'http';
      readonly port: number;
      readonly path: string;
      readonly method: string;
      readonly status: (status: number) => boolean;
      readonly statusText: string;
      readonly timeoutMs: number | undefined;
    };

function fail(keyPath: string, message: string, hint = 'docs/api.md lists the wait conditions and their options'): never {
  throw new UserError(message, { keyPath, hint });
}

function checkPort(value: unknown, keyPath: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    fail(keyPath, `expected a port number (1-65535), found ${JSON.stringify(value)}`);
  }
  return value;
}

function checkTimeout(value: unknown, keyPath: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(keyPath, `expected a positive number of milliseconds, found ${JSON.stringify(value)}`);
  return value;
}

const KINDS = ['healthy', 'log', 'port', 'http'] as const;

/** One condition, checked: a UserError naming `wait.<service>[i]` for anything that is not one of the shapes. */
export function toWaitCondition(value: unknown, keyPath: string): WaitCondition {
  if (value === 'healthy') return { kind: 'healthy', timeoutMs: undefined };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(keyPath, `expected 'healthy' or an object with one of ${KINDS.join(', ')}, found ${JSON.stringify(value)}`);
  }
  const object = value as Record<string, unknown>;
  const kinds = KINDS.filter((kind) => kind in object);
  const unknown = Object.keys(object).filter((key) => !(KINDS as readonly string[]).includes(key) && key !== 'timeoutMs' && key !== 'times');
  if (unknown.length > 0) fail(`${keyPath}.${unknown[0]}`, `unknown wait option ${JSON.stringify(unknown[0])}`, `use one of ${KINDS.join(', ')} (with timeoutMs)`);
  if (kinds.length !== 1) fail(keyPath, `expected exactly one of ${KINDS.join(', ')}, found ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`, 'list several conditions in an array');
  const timeoutMs = checkTimeout(object['timeoutMs'], `${keyPath}.timeoutMs`);
  if ('times' in object && kinds[0] !== 'log') fail(`${keyPath}.times`, 'times goes with log only');
  switch (kinds[0]) {
    case 'healthy':
      if (object['healthy'] !== true) fail(`${keyPath}.healthy`, 'expected true');
      return { kind: 'healthy', timeoutMs };
    case 'log': {
      const pattern = object['log'];
      if (!(pattern instanceof RegExp)) fail(`${keyPath}.log`, 'expected a regular expression, e.g. /ready to accept connections/');
      const times = object['times'] ?? 1;
      if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) fail(`${keyPath}.times`, `expected a whole number of lines from 1, found ${JSON.stringify(times)}`);
      // A global or sticky pattern keeps lastIndex between tests: a copy without those flags matches each line afresh.
      return { kind: 'log', pattern: new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')), times, timeoutMs };
    }
    case 'port':
      return { kind: 'port', port: checkPort(object['port'], `${keyPath}.port`), timeoutMs };
    default:
      return { ...httpCondition(object['http'], `${keyPath}.http`), timeoutMs };
  }
}

function httpCondition(value: unknown, keyPath: string): Omit<Extract<WaitCondition, { kind: 'http' }>, 'timeoutMs'> {
  if (typeof value !== 'object' || value === null) fail(keyPath, 'expected { port, path?, method?, status? }');
  const check = value as Record<string, unknown>;
  const port = checkPort(check['port'], `${keyPath}.port`);
  const requestPath = check['path'] ?? '/';
  if (typeof requestPath !== 'string' || !requestPath.startsWith('/')) fail(`${keyPath}.path`, `expected a path starting with /, found ${JSON.stringify(requestPath)}`);
  const method = check['method'] ?? 'GET';
  if (typeof method !== 'string' || !/^[A-Z]+$/.test(method)) fail(`${keyPath}.method`, `expected an HTTP method such as GET, found ${JSON.stringify(method)}`);
  const status = check['status'];
  if (status === undefined) return { kind: 'http', port, path: requestPath, method, status: (code) => code >= 200 && code < 300, statusText: 'a 2xx status' };
  if (typeof status === 'function') return { kind: 'http', port, path: requestPath, method, status: status as (code: number) => boolean, statusText: 'the expected status' };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) fail(`${keyPath}.status`, `expected an HTTP status (100-599), found ${JSON.stringify(status)}`);
  return { kind: 'http', port, path: requestPath, method, status: (code) => code === status, statusText: `status ${status}` };
}

/** The plan with every condition checked, by service; services the project does not have are a UserError. */
export function toWaitConditions(plan: WaitPlan | undefined, services: readonly string[]): Map<string, WaitCondition[]> {
  const conditions = new Map<string, WaitCondition[]>();
  for (const [service, wanted] of Object.entries(plan ?? {})) {
    if (!services.includes(service)) fail(`wait.${service}`, `no such service: ${service}`, `the services are: ${services.join(', ') || '(none)'}`);
    const list: readonly unknown[] = Array.isArray(wanted) ? wanted : [wanted];
    conditions.set(
      service,
      list.map((one, index) => toWaitCondition(one, Array.isArray(wanted) ? `wait.${service}[${index}]` : `wait.${service}`)),
    );
  }
  return conditions;
}

/** What the condition waits for, in words: `port 5432 to accept connections`. */
export function describeCondition(condition: WaitCondition): string {
  switch (condition.kind) {
    case 'healthy':
      return 'healthy';
    case 'log':
      return `${condition.times === 1 ? 'a log line' : `${condition.times} log lines`} matching ${String(condition.pattern)}`;
    case 'port':
      return `port ${condition.port} to accept connections`;
    case 'http':
      return `${condition.method} :${condition.port}${condition.path} to answer ${condition.statusText}`;
  }
}
