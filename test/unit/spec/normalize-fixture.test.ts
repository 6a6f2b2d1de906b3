import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Warning } from '../../../src/errors.js';
import { normalizeProject } from '../../../src/spec/normalize/normalize-project.js';
import { parseComposeText } from '../../../src/spec/parse-yaml.js';

const dir = fileURLToPath(new URL('../../fixtures/normalize/every-key', import.meta.url));

test('a file using every service key normalises to the hand-checked canonical project, key order included', async (t) => {
  const [document] = parseComposeText(readFileSync(`${dir}/compose.yaml`, 'utf8'), 'compose.yaml');
  const environment: Record<string, string> = { FROM_SHELL: 'shell', FROM_ENV: 'env' };
  const warnings: Warning[] = [];
  const project = await normalizeProject(document!, {
    projectName: 'every-key',
    projectDir: dir,
    lookup: (name) => environment[name],
    warnings,
    homeDir: '/home/test',
  });
  const actual = JSON.stringify(project, null, 2).replaceAll(dir, '<projectDir>');
  const expected = readFileSync(`${dir}/expected.json`, 'utf8').trimEnd();
  t.is(actual, expected);
  t.deepEqual(
    warnings.map((warning) => warning.keyPath),
    [
      'services.web.cgroup_parent',
      ...['annotations', 'cgroup', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota', 'cpu_rt_period', 'cpu_rt_runtime'].map((key) => `services.web.${key}`),
      ...['device_cgroup_rules', 'external_links', 'pre_start', 'uts'].map((key) => `services.web.${key}`),
    ],
  );
});
