import test from 'ava';
import { formatBytes, formatTransfer, TransferTotals } from '../../../src/image/registry/transfer-progress.js';

test('totals sum the latest event of each blob', (t) => {
  const totals = new TransferTotals();
  totals.update({ digest: 'a', done: 0, total: 20_000_000 });
  totals.update({ digest: 'b', done: 11_000_000, total: 11_000_000 });
  totals.update({ digest: 'a', done: 2_020_000, total: 20_000_000 });
  t.is(totals.done, 13_020_000);
  t.is(totals.total, 31_000_000);
  t.is(formatTransfer('Pulling', totals), 'Pulling 42 % of 31 MB');
});

test('100 % only when every byte is there; nothing to do is 100 %', (t) => {
  const totals = new TransferTotals();
  t.is(totals.percent, 100);
  totals.update({ digest: 'a', done: 999, total: 1000 });
  t.is(totals.percent, 99);
  totals.update({ digest: 'a', done: 1000, total: 1000 });
  t.is(totals.percent, 100);
});

test('sizes print in decimal units', (t) => {
  t.is(formatBytes(512), '512 B');
  t.is(formatBytes(1500), '1.5 kB');
  t.is(formatBytes(31_000_000), '31 MB');
  t.is(formatBytes(2_500_000_000), '2.5 GB');
});
