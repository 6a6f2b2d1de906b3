import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { execInContainer } from '../../../src/runtime/container-exec.js';
import { ContainerRuntime } from '../../../src/runtime/container-runtime.js';
import { cliFixture } from '../../helpers/cli-fixture.js';

test('secrets and configs are bound read-only where compose puts them: /run/secrets/<name>, a config target, content written by berth', async (t) => {
  const { paths, dir, run } = await cliFixture(t, `
name: eng-files
services:
  app:
    image: busybox
    command: ["sleep", "3600"]
    secrets: [db_password]
    configs:
      - source: settings
        target: /etc/app/settings.ini
      - inline
secrets:
  db_password:
    file: ./db_password.txt
configs:
  settings:
    file: ./settings.ini
  inline:
    content: "level=debug"
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.29.0/24 }]
`);
  await writeFile(path.join(dir, 'db_password.txt'), 's3cret\n');
  await writeFile(path.join(dir, 'settings.ini'), '[app]\nport=80\n');
  const up = await run('up', '-d');
  t.is(up.code, 0, up.stderr);
  const runtime = new ContainerRuntime(paths);
  t.teardown(() => runtime.close());
  const [app] = await runtime.list();
  const inApp = (args: string[]) => execInContainer(runtime, app?.record.id ?? '', { args });
  t.is((await inApp(['cat', '/run/secrets/db_password'])).stdout, 's3cret\n');
  t.is((await inApp(['cat', '/etc/app/settings.ini'])).stdout, '[app]\nport=80\n');
  t.is((await inApp(['cat', '/inline'])).stdout, 'level=debug');
  const write = await inApp(['sh', '-c', 'echo x > /run/secrets/db_password']);
  t.not(write.exitCode, 0, 'read-only');
});
