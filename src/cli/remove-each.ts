// `rm NAME...` as docker does it: each name is tried, the removed ones are printed, the refusals are reported together.
import { UserError } from '../errors.js';

export async function removeEach(names: readonly string[], remove: (name: string) => Promise<void>, stdout: { write(text: string): unknown }): Promise<void> {
  const failures: UserError[] = [];
  for (const name of names) {
    try {
      await remove(name);
      stdout.write(`${name}\n`);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      failures.push(error);
    }
  }
  if (failures.length) throw UserError.combine(failures);
}
