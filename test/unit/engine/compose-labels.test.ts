import test from 'ava';
import { LABEL, composeLabels, identityFromLabels } from '../../../src/engine/compose-labels.js';

test('compose labels round-trip and win over service labels of the same name', (t) => {
  const labels = composeLabels(
    { project: 'shop', service: 'web', number: 2, configHash: 'abc', oneoff: false },
    { [LABEL.service]: 'spoofed', team: 'a' },
  );
  t.is(labels[LABEL.service], 'web');
  t.is(labels.team, 'a');
  t.is(labels[LABEL.oneoff], 'False');
  t.deepEqual(identityFromLabels(labels), { project: 'shop', service: 'web', number: 2, configHash: 'abc', oneoff: false });
});

test('containers without compose labels have no identity', (t) => {
  t.is(identityFromLabels({ team: 'a' }), undefined);
  t.is(identityFromLabels({ [LABEL.project]: 'p', [LABEL.service]: 's', [LABEL.number]: 'x' }), undefined);
});
