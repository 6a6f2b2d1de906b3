// Measure the runtime's figures (not a test): create+start p50, 50 concurrent starts, conmon memory, stop of 50.
// Run: node --import tsx test/integration/runtime/runtime-figures.ts
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import type { ServiceConfig } from '../../../src/spec/model.js';

async function makeRootfs(dir: string): Promise<void> {
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) await mkdir(path.join(dir, sub), { recursive: true });
  await copyFile('/bin/busybox', path.join(dir, 'bin/busybox'));
  await chmod(path.join(dir, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'sleep']) await symlink('busybox', path.join(dir, 'bin', applet));
  await writeFile(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(path.join(dir, 'etc/group'), 'root:x:0:\n');
  await chmod(dir, 0o755);
}

async function memoryOf(pid: number): Promise<{ rss: number; pss: number }> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rss: field('Rss'), pss: field('Pss') };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const base = await mkdtemp(path.join(tmpdir(), 'berth-figures-'));
const runtime = new ContainerRuntime({ root: path.join(base, 'root'), run: path.join(base, 'run') });
const ids: string[] = [];
try {
  const template = path.join(base, 'template');
  await makeRootfs(template);
  const rootfsFor = async (id: string): Promise<string> => {
    const dir = path.join(base, 'rootfs', id);
    await cp(template, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  };
  const service: ServiceConfig = { init: true, command: ['sleep', '3000'], ...(process.env['SECCOMP'] === 'off' ? { security_opt: ['seccomp:unconfined'] } : {}) };
  const createStart = async (): Promise<string> => {
    const id = randomBytes(32).toString('hex');
    ids.push(id);
    const rootfs = await rootfsFor(id);
    const started = performance.now();
    await runtime.create({ id, name: id.slice(0, 12), service, image: { reference: 'busybox', config: {} }, rootfs });
    await runtime.start(id);
    return `${id} ${performance.now() - started}`;
  };
  await runtime.setup();
  await createStart(); // warm-up
  const singles: number[] = [];
  const singleCount = Number(process.env['SINGLES'] ?? 20);
  for (let index = 0; index < singleCount; index += 1) singles.push(Number((await createStart()).split(' ')[1]));
  console.log(`create+start one at a time: p50 ${median(singles).toFixed(1)} ms (min ${Math.min(...singles).toFixed(1)}, max ${Math.max(...singles).toFixed(1)})`);
  const singlesIds = [...ids];
  await Promise.all(singlesIds.map((id) => runtime.stop(id, { timeoutMs: 5000 })));
  await Promise.all(singlesIds.map((id) => runtime.delete(id)));
  ids.length = 0;

  // 50 at once (rootfs copies made first: the image store's overlay mounts are not measured here).
  const count = Number(process.env['COUNT'] ?? 50);
  const batch = await Promise.all(Array.from({ length: count }, async () => {
    const id = randomBytes(32).toString('hex');
    ids.push(id);
    return { id, rootfs: await rootfsFor(id) };
  }));
  const startedAll = performance.now();
  const nodeCpu = process.cpuUsage();
  const limit = Number(process.env['PARALLEL'] ?? 8);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < batch.length) {
      const item = batch[next++];
      if (!item) break;
      await runtime.create({ id: item.id, name: item.id.slice(0, 12), service, image: { reference: 'busybox', config: {} }, rootfs: item.rootfs });
      await runtime.start(item.id);
    }
  }));
  const used = process.cpuUsage(nodeCpu);
  console.log(`${count} containers created+started (parallelism ${limit}): ${(performance.now() - startedAll).toFixed(0)} ms, this Node process used ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
  const memory = await Promise.all(ids.map(async (id) => {
    const pid = Number((await readFile(runtime.files(id).conmonPidFile, 'utf8')).trim());
    return memoryOf(pid);
  }));
  console.log(`conmon per container: RSS ${median(memory.map((m) => m.rss))} kB, PSS ${median(memory.map((m) => m.pss))} kB (median of 50)`);
  const stopStarted = performance.now();
  const exits = await Promise.all(ids.map((id) => runtime.stop(id, { timeoutMs: 5000 })));
  console.log(`stop of 50: ${(performance.now() - stopStarted).toFixed(0)} ms (exit codes ${[...new Set(exits.map((e) => e?.exitCode))].join(',')})`);
  const deleteStarted = performance.now();
  await Promise.all(ids.map((id) => runtime.delete(id)));
  console.log(`delete of 50: ${(performance.now() - deleteStarted).toFixed(0)} ms`);
  ids.length = 0;
} finally {
  for (const id of ids) await runtime.delete(id, { force: true }).catch(() => undefined);
  runtime.close();
  execFileSync('rm', ['-rf', base]);
}
