// A service's `logging.options` (max-size, max-file) as the container record holds them.
import { UserError, ValueError } from '../errors.js';
import type { ServiceConfig } from '../spec/model.js';
import { parseByteSize } from '../spec/syntax/byte-size.js';
import type { ContainerRecord } from './container-record.js';

/** max-size in bytes and max-file; a value that does not parse is the user's mistake. */
export function logOptions(service: ServiceConfig, keyPath = 'logging.options'): ContainerRecord['log'] {
  const options = service.logging?.options ?? {};
  try {
    const maxSize = options['max-size'] !== undefined ? parseByteSize(options['max-size']) : undefined;
    const maxFiles = options['max-file'] !== undefined ? Number(options['max-file']) : undefined;
    if (maxFiles !== undefined && (!Number.isInteger(maxFiles) || maxFiles < 1)) {
      throw new ValueError(`invalid max-file "${options['max-file']}": expected a whole number ≥ 1`);
    }
    return { maxSize: maxSize !== undefined && maxSize > 0 ? maxSize : undefined, maxFiles };
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { keyPath, hint: error.hint });
    throw error;
  }
}
