// Scenario "config load": a generated 500-service project with an override file and ${} everywhere,
// loaded in-process (load → interpolate → merge → validate → normalise) and as a whole `berth config -q`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../src/spec/load-project.js';
import { type BenchResult, summarize } from './stats.js';

export function generateProject(dir: string, services: number): void {
  const base: string[] = [
    'name: ${PROJECT:-bench}',
    'x-common: &common',
    '  restart: ${RESTART:-unless-stopped}',
    '  init: true',
    '  healthcheck: {test: ["CMD-SHELL", "true"], interval: "${INTERVAL:-5s}", retries: 3}',
    'services:',
  ];
  const override: string[] = ['services:'];
  for (let i = 0; i < services; i++) {
    const deps = i > 0 ? `\n    depends_on: {s${i - 1}: {condition: service_started}}` : '';
    base.push(
      `  s${i}:`,
      '    <<: *common',
      `    image: \${REGISTRY:-docker.io}/library/busybox:\${TAG_${i % 10}:-1.36}`,
      `    command: ["sh", "-c", "echo \${GREETING:-hi} ${i}; sleep 3600"]`,
      `    environment: {INDEX: "${i}", MODE: "\${MODE:-dev}", HOST: "s${i}.\${DOMAIN:-local}"}`,
      `    ports: ["127.0.0.1:\${BASE_PORT:-2000}${i % 10}:80/tcp"]`,
      `    volumes: ["data${i % 20}:/data", "./conf/s${i}:/etc/conf:ro"]`,
      `    labels: ["tier=\${TIER:-backend}", "index=${i}"]${deps}`,
      `    networks: [front, back]`,
    );
    override.push(`  s${i}:`, `    environment: {EXTRA: "\${EXTRA:-1}"}`, '    mem_limit: ${MEM:-64m}');
  }
  base.push('networks: {front: {}, back: {internal: true}}', 'volumes:');
  for (let v = 0; v < 20; v++) base.push(`  data${v}: {}`);
  writeFileSync(join(dir, 'compose.yaml'), `${base.join('\n')}\n`);
  writeFileSync(join(dir, 'compose.override.yaml'), `${override.join('\n')}\n`);
  writeFileSync(join(dir, '.env'), 'TAG_3=1.35\nDOMAIN=example.test\n');
}

export async function benchConfigLoad(runs: number): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-config-'));
  mkdirSync(join(dir, 'app'));
  const app = join(dir, 'app');
  try {
    generateProject(app, 500);
    const env = { PATH: process.env.PATH ?? '' };
    await loadProject({ cwd: app, env }); // warm up: JIT, module loading
    const inProcess: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const loaded = await loadProject({ cwd: app, env });
      inProcess.push(performance.now() - started);
      if (Object.keys(loaded.project.services).length !== 500)
        throw new Error('bench project did not load fully');
    }
    const wall: number[] = [];
    const bin = new URL('../bin/berth.js', import.meta.url).pathname;
    for (let i = 0; i < Math.max(5, Math.floor(runs / 2)); i++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [bin, 'config', '-q'], { cwd: app, env, encoding: 'utf8' });
      wall.push(performance.now() - started);
      if (result.status !== 0) throw new Error(`berth config -q failed: ${result.stderr}`);
    }
    return [
      summarize('config load, 500 services, in-process', 'ms', inProcess, { target: 100 }),
      summarize('berth config -q, 500 services, whole process', 'ms', wall, { target: 300 }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
