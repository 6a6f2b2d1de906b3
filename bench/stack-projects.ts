// The benchmark stacks as compose files: sleep N, web N, chain N (interval 1s, or start_interval 100ms).

export type StackKind = 'sleep' | 'web' | 'chain' | 'chain-fast';

/** Which compose dialect a file is written for: docker-compose 1.29 with Docker 20.10 lacks `start_interval`. */
export type ComposeDialect = 'berth' | 'docker';

export interface StackTargets {
  /** Cold `up -d` (or `up --wait` for health-gated stacks), ms. */
  up?: number;
  /** No-op re-`up -d`, ms. */
  noop?: number;
  /** `down -t 0`, ms. */
  down?: number;
}

export interface StackSpec {
  kind: StackKind;
  /** The compose project name (`bench-…`). */
  project: string;
  /** N as the scenario names it (services, clients, or chain length). */
  n: number;
  /** How many containers the stack runs. */
  containers: number;
  /** Every service must be healthy before the cold up counts as done (`up --wait`). */
  waitHealthy: boolean;
  /** The service whose health ends a docker-compose `up -d` of a health-gated stack (the chain's last link). */
  lastService: string;
  /** The compose file for each tool. */
  compose: Record<ComposeDialect, string>;
  targets: StackTargets;
  /** One line for the README and the JSON: what the stack is. */
  description: string;
}

const network = (subnet: string): string[] => ['networks:', '  default:', '    ipam:', `      config: [{ subnet: ${subnet} }]`];

/** N independent services, each `sleep 3600` under an init. */
export function sleepCompose(n: number, subnet: string): string {
  const lines = ['services:'];
  for (let i = 0; i < n; i++) lines.push(`  s${i}:`, '    image: busybox', '    init: true', '    command: ["sleep", "3600"]');
  return [...lines, ...network(subnet), ''].join('\n');
}

/** One busybox httpd and N clients that resolve it by name, fetch its page (retrying until it answers), print `fetched` and idle. */
export function webCompose(n: number, subnet: string): string {
  const lines = [
    'services:',
    '  web:',
    '    image: busybox',
    '    init: true',
    '    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]',
  ];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  c${i}:`,
      '    image: busybox',
      '    init: true',
      `    command: ["sh", "-c", "until wget -q -O /dev/null http://web:8080/index.html; do sleep 0.1; done; echo fetched; exec sleep 3600"]`,
      '    depends_on: [web]',
    );
  }
  return [...lines, ...network(subnet), ''].join('\n');
}

export interface ChainOptions {
  /** `start_period: 5s` with `start_interval: 100ms` (berth); docker-compose 1.29 has no start_interval, so docker gets `interval: 100ms`. */
  fast: boolean;
  dialect: ComposeDialect;
}

/** N services, each `service_healthy`-dependent on the one before; the probe is `true`, so each is healthy at its first probe. */
export function chainCompose(n: number, subnet: string, options: ChainOptions): string {
  const health = options.fast
    ? options.dialect === 'berth'
      ? ['      interval: 1s', '      start_period: 5s', '      start_interval: 100ms']
      : ['      interval: 100ms']
    : ['      interval: 1s'];
  const lines = ['services:'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  c${i}:`,
      '    image: busybox',
      '    init: true',
      '    command: ["sleep", "3600"]',
      '    healthcheck:',
      '      test: ["CMD", "true"]',
      ...health,
      '      retries: 3',
    );
    if (i > 0) lines.push('    depends_on:', `      c${i - 1}:`, '        condition: service_healthy');
  }
  return [...lines, ...network(subnet), ''].join('\n');
}

/**
 * Subnets of the stacks: the benchmark owns 10.240.120.0/24–10.240.139.0/24. `base` picks the first third
 * octet (offsets 0–4: sleep, web, chain, chain-fast, memory); docker's stacks use base + 10, so a stack one
 * tool failed to remove never collides with the other's.
 */
export function stackSubnet(base: number, offset: number): string {
  const octet = base + offset;
  if (octet < 120 || octet > 139) throw new Error(`bench subnet 10.240.${octet}.0/24 is outside 10.240.120–139`);
  return `10.240.${octet}.0/24`;
}

export interface StackSizes {
  sleep: number;
  web: number;
  chain: number;
}

export const FULL_SIZES: StackSizes = { sleep: 50, web: 20, chain: 10 };
export const QUICK_SIZES: StackSizes = { sleep: 5, web: 3, chain: 3 };

/** The stack of `kind` at `sizes`; targets only where the issue sets them and only at full size. */
export function stackSpec(kind: StackKind, sizes: StackSizes, subnetBase: number, prefix = 'bench'): StackSpec {
  const full = sizes === FULL_SIZES;
  switch (kind) {
    case 'sleep': {
      return {
        kind, project: `${prefix}-sleep`, n: sizes.sleep, containers: sizes.sleep, waitHealthy: false, lastService: `s${sizes.sleep - 1}`,
        compose: { berth: sleepCompose(sizes.sleep, stackSubnet(subnetBase, 0)), docker: sleepCompose(sizes.sleep, stackSubnet(subnetBase, 10)) },
        targets: full ? { up: 1000, noop: 150, down: 500 } : {},
        description: `${sizes.sleep} independent busybox services, sleep 3600, init: true`,
      };
    }
    case 'web': {
      return {
        kind, project: `${prefix}-web`, n: sizes.web, containers: sizes.web + 1, waitHealthy: false, lastService: `c${sizes.web - 1}`,
        compose: { berth: webCompose(sizes.web, stackSubnet(subnetBase, 1)), docker: webCompose(sizes.web, stackSubnet(subnetBase, 11)) },
        targets: {},
        description: `busybox httpd and ${sizes.web} clients that resolve it by name and fetch its page`,
      };
    }
    case 'chain':
    case 'chain-fast': {
      const fast = kind === 'chain-fast';
      const offset = fast ? 3 : 2;
      const n = sizes.chain;
      return {
        kind, project: `${prefix}-${kind}`, n, containers: n, waitHealthy: true, lastService: `c${n - 1}`,
        compose: {
          berth: chainCompose(n, stackSubnet(subnetBase, offset), { fast, dialect: 'berth' }),
          docker: chainCompose(n, stackSubnet(subnetBase, offset + 10), { fast, dialect: 'docker' }),
        },
        // The physical floor of the slow chain is n × interval: each link's first probe comes 1 s after it starts.
        targets: full ? { up: fast ? 1500 : n * 1000 + 300 } : {},
        description: fast
          ? `${n} services, each healthy before the next; start_period 5s, start_interval 100ms (docker: interval 100ms)`
          : `${n} services, each healthy before the next; healthcheck interval 1s`,
      };
    }
  }
}
