// runc leaves the shared parent of its containers' cgroups (`berth/`, under this process's cgroup in
// each v1 hierarchy). Removed only when nothing else can be creating containers (the end of a bench or
// of the suite): while tests run in parallel, removing it between another test's two mkdirs breaks
// that test's `runc create`.
import { readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';

export async function removeEmptyCgroupParent(name: string): Promise<void> {
  const lines = (await readFile('/proc/self/cgroup', 'utf8')).split('\n').filter(Boolean);
  for (const line of lines) {
    const [, controllers = '', cgroupPath = '/'] = line.split(':');
    const mountName = controllers === '' ? 'unified' : controllers.replace(/^name=/, '');
    await rmdir(path.join('/sys/fs/cgroup', mountName, cgroupPath, name)).catch(() => undefined);
  }
}
