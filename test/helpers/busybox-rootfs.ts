// A plain busybox rootfs directory for runtime tests, built from Debian's busybox-static.
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

const BUSYBOX = '/bin/busybox';

let template: Promise<string> | undefined;

/** Build the template once per test process; every test gets its own copy. */
async function buildTemplate(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-busybox-template-'));
  process.once('exit', () => {
    try {
      execFileSync('rm', ['-rf', dir]);
    } catch {
      // best effort at process exit
    }
  });
  for (const sub of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'root', 'home/app', 'proc', 'sys', 'dev', 'var/data']) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  await chmod(path.join(dir, 'tmp'), 0o1777);
  await copyFile(BUSYBOX, path.join(dir, 'bin/busybox'));
  await chmod(path.join(dir, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    const target = path.join(dir, applet);
    await mkdir(path.dirname(target), { recursive: true });
    await symlink('/bin/busybox', target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await writeFile(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(path.join(dir, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n');
  await writeFile(path.join(dir, 'var/data/seed.txt'), 'from-image\n');
  execFileSync('chown', ['-R', '1000:1000', path.join(dir, 'home/app'), path.join(dir, 'var/data')]);
  return dir;
}

/** A fresh busybox rootfs directory for one test, removed in its teardown. */
export async function busyboxRootfs(t: ExecutionContext): Promise<string> {
  template ??= buildTemplate();
  const source = await template;
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-rootfs-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const rootfs = path.join(dir, 'rootfs');
  await cp(source, rootfs, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  // cp does not keep ownership; the image content of /home/app and /var/data belongs to app.
  execFileSync('chown', ['-R', '1000:1000', path.join(rootfs, 'home/app'), path.join(rootfs, 'var/data')]);
  await chmod(path.join(rootfs, 'tmp'), 0o1777);
  // mkdtemp made the template 0700 and cp copied that mode: an image's / is 0755.
  await chmod(rootfs, 0o755);
  return rootfs;
}
