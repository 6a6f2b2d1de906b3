import test from 'ava';
import { progressPrinter } from '../../../src/cli/progress-lines.js';
import type { ObservedContainer } from '../../../src/plan/plan-types.js';
import { EMPTY_OBSERVED, type LoopState } from '../../../src/reconcile/loop-state.js';

const desired: LoopState['desired'] = {
  project: 'p', goal: 'up', services: [], networks: [], volumes: [], recreate: 'diverged', requested: [], knownServices: [], removeOrphans: false, removeVolumes: false,
};
const container = (status: ObservedContainer['status'], extra: Partial<ObservedContainer> = {}): ObservedContainer => ({
  name: 'p-db-1', service: 'db', number: 1, configHash: 'h', status, restartCount: 0, ...extra,
});
const loop = (observed: Partial<LoopState['observed']>): LoopState => ({
  desired, observed: { ...EMPTY_OBSERVED, ...observed }, decision: undefined, launch: [], failures: {}, abandoned: [],
});

test('prints one line per change, compose-style, and nothing for what existed before', (t) => {
  const lines: string[] = [];
  const print = progressPrinter((line) => lines.push(line.replace(/\s+[\d.]+s\n$/, '')));
  print(loop({ networks: ['p_default'] }));
  print(loop({ networks: ['p_default'], volumes: ['p_data'], containers: [container('created')] }));
  print(loop({ networks: ['p_default'], volumes: ['p_data'], containers: [container('running', { health: 'starting' })] }));
  print(loop({ networks: ['p_default'], volumes: ['p_data'], containers: [container('running', { health: 'healthy' })] }));
  print(loop({ networks: ['p_default'], volumes: ['p_data'], containers: [container('exited', { exitCode: 137 })] }));
  print(loop({ networks: [], volumes: ['p_data'], containers: [] }));
  t.deepEqual(lines, [
    ' Volume p_data  Created',
    ' Container p-db-1  Created',
    ' Container p-db-1  Started',
    ' Container p-db-1  Healthy',
    ' Container p-db-1  Exited (137)',
    ' Network p_default  Removed',
    ' Container p-db-1  Removed',
  ]);
});

test('a container already running when the request begins is reported as Running', (t) => {
  const lines: string[] = [];
  progressPrinter((line) => lines.push(line.trim().replace(/\s+[\d.]+s$/, '')))(loop({ containers: [container('running')] }));
  t.deepEqual(lines, ['Container p-db-1  Running']);
});
