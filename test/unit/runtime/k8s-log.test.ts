import test from 'ava';
import { parseK8sLog } from '../../../src/runtime/k8s-log.js';
import { parseHardLimits } from '../../../src/runtime/host-limits.js';
import { rotationThreshold } from '../../../src/runtime/log-rotation.js';
import { splitDeviceNumber } from '../../../src/runtime/host-devices.js';

test('k8s-file lines parse into stream, time and text; partial pieces are joined', (t) => {
  const text = [
    '2024-01-01T00:00:00.000000001+00:00 stdout F hello world',
    '2024-01-01T00:00:00.000000002+00:00 stderr P par',
    '2024-01-01T00:00:00.000000003+00:00 stdout F other',
    '2024-01-01T00:00:00.000000004+00:00 stderr F tial',
    '2024-01-01T00:00:00.000000005+00:00 stdout F ',
    '',
  ].join('\n');
  t.deepEqual(parseK8sLog(text), [
    { time: '2024-01-01T00:00:00.000000001+00:00', stream: 'stdout', text: 'hello world' },
    { time: '2024-01-01T00:00:00.000000003+00:00', stream: 'stdout', text: 'other' },
    { time: '2024-01-01T00:00:00.000000002+00:00', stream: 'stderr', text: 'partial' },
    { time: '2024-01-01T00:00:00.000000005+00:00', stream: 'stdout', text: '' },
  ]);
});

test('/proc/self/limits hard limits, unlimited as Infinity', (t) => {
  const limits = parseHardLimits(
    'Limit                     Soft Limit           Hard Limit           Units     \n' +
      'Max open files            1024                 20000                files     \n' +
      'Max core file size        0                    unlimited            bytes     \n',
  );
  t.is(limits['RLIMIT_NOFILE'], 20000);
  t.is(limits['RLIMIT_CORE'], Infinity);
});

test('log rotation starts a little before conmon\'s cap', (t) => {
  t.is(rotationThreshold(1024 * 1024), 1024 * 1024 - 32 * 1024);
  t.is(rotationThreshold(10_000), 5_000);
});

test('device numbers split as the kernel encodes them', (t) => {
  t.deepEqual(splitDeviceNumber((10 << 8) | 229), { major: 10, minor: 229 });
  t.deepEqual(splitDeviceNumber((1 << 8) | 3), { major: 1, minor: 3 });
});
