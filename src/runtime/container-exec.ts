// `exec`: run a process in a running container with its env, user and workdir (runc exec, one call).
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ContainerRuntime } from './container-runtime.js';
import { resolveContainerUser } from './container-user.js';
import type { RuntimeProcess, RuntimeSpec } from './oci-spec.js';

export interface ExecOptions {
  args: string[];
  /** `NAME=value` items added to (and overriding) the container's environment. */
  env?: string[] | undefined;
  /** `user[:group]` as in the service's `user`; default the container's user. */
  user?: string | undefined;
  workdir?: string | undefined;
  tty?: boolean | undefined;
  /** 'capture' (default) collects stdout/stderr; 'inherit' passes this process's stdio (the CLI). */
  stdio?: 'capture' | 'inherit' | undefined;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function envName(item: string): string {
  const eq = item.indexOf('=');
  return eq < 0 ? item : item.slice(0, eq);
}

/** The exec's process.json: the container's process with the exec's argv, env, user, cwd and tty. */
export function execProcess(base: RuntimeProcess, options: ExecOptions, passwd: string, group: string): RuntimeProcess {
  const env = new Map(base.env.map((item) => [envName(item), item]));
  for (const item of options.env ?? []) env.set(envName(item), item);
  let user = base.user;
  if (options.user !== undefined) {
    const resolved = resolveContainerUser(options.user, undefined, passwd, group);
    user = { uid: resolved.uid, gid: resolved.gid, ...(resolved.additionalGids.length ? { additionalGids: resolved.additionalGids } : {}) };
  }
  if (options.tty && !env.has('TERM')) env.set('TERM', 'TERM=xterm');
  return {
    ...base,
    terminal: options.tty === true,
    args: options.args,
    env: [...env.values()],
    user,
    cwd: options.workdir ?? base.cwd,
  };
}

/** runc exits 255 when it cannot start the command; Docker reports 127 (not found) or 126 (not runnable). */
export function execExitCode(runcExitCode: number, stderr: string): number {
  if (runcExitCode !== 255) return runcExitCode;
  if (/exec: .*(executable file not found|no such file or directory)/.test(stderr)) return 127;
  if (/exec: .*(permission denied|exec format error)/.test(stderr)) return 126;
  return runcExitCode;
}

/** Run the command; its exit code is returned, not thrown. A stopped or missing container is a UserError. */
export async function execInContainer(runtime: ContainerRuntime, id: string, options: ExecOptions): Promise<ExecResult> {
  if (options.args.length === 0) throw new UserError('exec needs a command', { hint: 'give the command to run' });
  const status = await runtime.inspect(id);
  if (!status) throw new UserError(`no such container: ${id}`, { hint: 'list containers with `berth ps -a`' });
  if (status.state !== 'running') {
    throw new UserError(`container ${status.record.name} is not running (${status.state})`, { hint: 'start it before exec' });
  }
  const files = runtime.files(id);
  const spec = JSON.parse(await readFile(files.configJson, 'utf8')) as RuntimeSpec;
  const [passwd, group] = await Promise.all(
    ['etc/passwd', 'etc/group'].map((file) => readFile(path.join(status.record.rootfs, file), 'utf8').catch(() => '')),
  ) as [string, string];
  const processSpec = execProcess(spec.process, options, passwd, group);
  const scratch = await mkdtemp(path.join(tmpdir(), 'berth-exec-'));
  try {
    const processFile = path.join(scratch, 'process.json');
    await writeFile(processFile, JSON.stringify(processSpec));
    if (options.stdio === 'inherit') {
      const { exitCode } = await runtime.runc.exec(id, processFile, ['inherit', 'inherit', 'inherit'], options.tty === true);
      return { exitCode, stdout: '', stderr: '' };
    }
    // Files, not pipes: a process the command leaves behind cannot keep our reads open.
    const out = await open(path.join(scratch, 'stdout'), 'w+');
    const err = await open(path.join(scratch, 'stderr'), 'w+');
    try {
      const { exitCode } = await runtime.runc.exec(id, processFile, ['ignore', out.fd, err.fd], false);
      const [stdout, stderr] = await Promise.all([
        readFile(path.join(scratch, 'stdout'), 'utf8'),
        readFile(path.join(scratch, 'stderr'), 'utf8'),
      ]);
      return { exitCode: execExitCode(exitCode, stderr), stdout, stderr };
    } finally {
      await out.close();
      await err.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
