import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'ava';
import { isProcessRunning } from '../../../src/state/process-alive.js';

test('this process runs; a pid that does not exist does not', (t) => {
  t.true(isProcessRunning(process.pid));
  t.false(isProcessRunning(2 ** 22 + 12345));
});

test('a killed process that its parent has not reaped yet (a zombie) counts as gone', async (t) => {
  // perl forks a child, SIGKILLs it and does not reap it for 5 s: the child is a zombie meanwhile.
  const parent = spawn('perl', ['-e', '$| = 1; my $p = fork; if (!$p) { sleep 30; exit } kill 9, $p; print "$p\\n"; sleep 5'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  t.teardown(() => parent.kill('SIGKILL'));
  const [chunk] = (await once(parent.stdout, 'data')) as [Buffer];
  const zombie = Number(chunk.toString().trim());
  t.true(Number.isInteger(zombie) && zombie > 0);
  // SIGKILL is delivered asynchronously: give the child a moment to die.
  for (let i = 0; i < 100 && isProcessRunning(zombie); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  t.false(isProcessRunning(zombie));
  let exists = true;
  try {
    process.kill(zombie, 0);
  } catch {
    exists = false;
  }
  t.true(exists, 'kill(pid, 0) still succeeds: the child is a zombie, not reaped');
});
