// One stack for this file: up before the tests (ready when web answers and the worker said so), down after them.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { useStack } from 'berth/ava';

const stack = useStack(test, {
  files: fileURLToPath(new URL('../compose.yaml', import.meta.url)),
  wait: {
    web: { http: { port: 8080, path: '/', status: 200 } },
    worker: { log: /worker ready/ },
  },
});

test('the home page is served on the published port', async (t) => {
  const response = await fetch(`http://127.0.0.1:${stack.service('web').hostPort(8080)}/`);
  t.is(response.status, 200);
  t.regex(await response.text(), /Hello from berth/);
});

test('web reaches the store by its service name', async (t) => {
  const { exitCode, stdout } = await stack.service('web').exec(['sh', '-c', 'echo PING | nc store 6379']);
  t.is(exitCode, 0);
  t.is(stdout.trim(), 'PONG');
});

test('the test process reaches each service at its address', async (t) => {
  const response = await fetch(`http://${stack.service('web').ip}:8080/`);
  t.is(response.status, 200);
  t.is(stack.service('store').containers[0]?.health, 'healthy');
});

test('the worker logged its start', async (t) => {
  t.regex(await stack.service('worker').logs(), /^worker starting\nworker ready$/m);
});
