// Short device syntax (`/dev/host[:/dev/container[:permissions]]`) to compose's long form.
import { ValueError } from '../../errors.js';
import type { DeviceMapping } from '../model.js';

/** As compose-go: the target defaults to the source, permissions to `rwm`; more than 3 parts is an error. */
export function parseDeviceSpec(spec: string): DeviceMapping {
  const parts = spec.split(':');
  if (parts.length > 3) {
    throw new ValueError(
      `invalid device "${spec}": too many colons`,
      'use the long syntax (source, target, permissions) for paths that contain ":"',
    );
  }
  const [source = '', target = '', permissions = 'rwm'] = parts;
  return { source, target: target === '' ? source : target, permissions };
}
