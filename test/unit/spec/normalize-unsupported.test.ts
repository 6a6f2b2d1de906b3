import test from 'ava';
import type { Warning } from '../../../src/errors.js';
import { normalizeProject } from '../../../src/spec/normalize/normalize-project.js';
import { parseComposeText } from '../../../src/spec/parse-yaml.js';

test('each unsupported key present gives one warning with its position', async (t) => {
  const text = `services:
  web:
    image: x
    gpus: all
    runtime: runc
    deploy:
      placement: {constraints: [a]}
      replicas: 1
  api:
    image: y
    build: {context: ., ssh: [default]}
`;
  const [document] = parseComposeText(text, 'compose.yaml');
  const warnings: Warning[] = [];
  await normalizeProject(document!, {
    projectName: 'demo',
    projectDir: '/srv',
    lookup: () => undefined,
    warnings,
  });
  t.deepEqual(
    warnings.map((warning) => [`${warning.keyPath}: ${warning.message}`, warning.position?.line]),
    [
      ['services.web.gpus: berth does not run this key yet; it is ignored', 4],
      ['services.web.runtime: berth does not run this key yet; it is ignored', 5],
      ['services.web.deploy.placement: berth does not run this key yet; it is ignored', 7],
      ['services.api.build.ssh: berth does not run this key yet; it is ignored', 11],
    ],
  );
});

test('supported keys give no warning', async (t) => {
  const [document] = parseComposeText(
    'services:\n  web:\n    image: x\n    deploy: {replicas: 2}\n',
    'c.yaml',
  );
  const warnings: Warning[] = [];
  await normalizeProject(document!, {
    projectName: 'demo',
    projectDir: '/srv',
    lookup: () => undefined,
    warnings,
  });
  t.deepEqual(warnings, []);
});
