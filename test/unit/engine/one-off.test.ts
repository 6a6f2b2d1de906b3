import test from 'ava';
import { oneOffService } from '../../../src/engine/one-off.js';
import type { ServiceConfig } from '../../../src/spec/model.js';

const app: ServiceConfig = {
  image: 'busybox',
  command: ['serve'],
  entrypoint: ['/entry'],
  environment: { FOO: 'bar' },
  ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }],
  restart: 'always',
  container_name: 'fixed',
};

test('a one-off publishes no ports, has no restart policy and no fixed name; env and labels are added to', (t) => {
  const run = oneOffService(app, { service: 'app', environment: { EXTRA: 'x' }, labels: { job: '1' } });
  t.is(run.ports, undefined);
  t.is(run.restart, 'no');
  t.is(run.container_name, undefined);
  t.deepEqual(run.environment, { FOO: 'bar', EXTRA: 'x' });
  t.deepEqual(run.labels, { job: '1' });
  t.deepEqual(run.command, ['serve']);
});

test('--service-ports keeps the ports; a command replaces the command; --entrypoint resets it', (t) => {
  t.deepEqual(oneOffService(app, { service: 'app', servicePorts: true }).ports, app.ports);
  t.deepEqual(oneOffService(app, { service: 'app', command: ['ls'] }).command, ['ls']);
  const entry = oneOffService(app, { service: 'app', entrypoint: ['/bin/sh'] });
  t.deepEqual([entry.entrypoint, entry.command], [['/bin/sh'], []]);
  const both = oneOffService(app, { service: 'app', entrypoint: ['/bin/sh'], command: ['-c', 'true'], user: '1000', workingDir: '/tmp' });
  t.deepEqual([both.entrypoint, both.command, both.user, both.working_dir], [['/bin/sh'], ['-c', 'true'], '1000', '/tmp']);
});
