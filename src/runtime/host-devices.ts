// Look up the host device nodes a service's `devices` names (type, major, minor), or a clear error.
import { stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { DeviceMapping } from '../spec/model.js';
import type { LinuxDevice } from './oci-spec.js';

/** Linux's encoding of a dev_t: 12 bits of major and 20 of minor, split across the word. */
export function splitDeviceNumber(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

export async function resolveHostDevices(mappings: readonly DeviceMapping[]): Promise<LinuxDevice[]> {
  const devices: LinuxDevice[] = [];
  for (const [index, mapping] of mappings.entries()) {
    const keyPath = `devices[${index}]`;
    let info;
    try {
      info = await stat(mapping.source);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(`device ${mapping.source} does not exist on this host (${code ?? 'error'})`, {
        keyPath,
        hint: 'name an existing device node under /dev',
      });
    }
    const type = info.isCharacterDevice() ? 'c' : info.isBlockDevice() ? 'b' : undefined;
    if (!type) {
      throw new UserError(`${mapping.source} is not a device node`, { keyPath, hint: 'devices takes character or block devices' });
    }
    if (mapping.permissions !== undefined && !/^[rwm]+$/.test(mapping.permissions)) {
      throw new UserError(`invalid device permissions "${mapping.permissions}"`, { keyPath, hint: 'use a combination of r, w, m' });
    }
    devices.push({
      path: mapping.target ?? mapping.source,
      type,
      ...splitDeviceNumber(info.rdev),
      fileMode: info.mode & 0o7777,
      uid: 0,
      gid: 0,
    });
  }
  return devices;
}
