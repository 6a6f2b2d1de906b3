import test from 'ava';
import { normalizeWeb as service } from './normalize-helpers.js';


test('a short port range with a host IP expands to one long entry per port', async (t) => {
  const web = await service(`
services:
  web:
    image: nginx
    ports: ["127.0.0.1:8080-8081:80-81/udp"]
`);
  t.deepEqual(web.ports, [
    { mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'udp' },
    { mode: 'ingress', host_ip: '127.0.0.1', target: 81, published: '8081', protocol: 'udp' },
  ]);
});

test('a bare number port has no published port and defaults to tcp', async (t) => {
  const web = await service('services: {web: {image: nginx, ports: [3000]}}');
  t.deepEqual(web.ports, [{ mode: 'ingress', target: 3000, protocol: 'tcp' }]);
});

test('long syntax gets mode ingress and protocol tcp, published as text, keys in compose order', async (t) => {
  const web = await service(`
services:
  web:
    image: nginx
    ports:
      - {target: 80, published: 8080, name: http, app_protocol: http, x-note: kept}
`);
  t.deepEqual(web.ports, [
    {
      name: 'http',
      mode: 'ingress',
      target: 80,
      published: '8080',
      protocol: 'tcp',
      app_protocol: 'http',
      'x-note': 'kept',
    },
  ]);
  t.deepEqual(Object.keys(web.ports![0]!), [
    'name',
    'mode',
    'target',
    'published',
    'protocol',
    'app_protocol',
    'x-note',
  ]);
});

test('long syntax with a host_ip that is not an IP fails at that key', async (t) => {
  const error = await t.throwsAsync(
    service('services: {web: {image: nginx, ports: [{target: 80, host_ip: localhost}]}}'),
  );
  t.regex(error.message, /invalid ip address: localhost/);
  t.is((error as { keyPath?: string }).keyPath, 'services.web.ports[0].host_ip');
});

test('a bad short port names the item in the error', async (t) => {
  const error = await t.throwsAsync(service('services: {web: {image: nginx, ports: ["80:80:80:80/tcpx"]}}'));
  t.is((error as { keyPath?: string }).keyPath, 'services.web.ports[0]');
});

test('expose numbers become text', async (t) => {
  const web = await service('services: {web: {image: nginx, expose: [80, "9000-9001"]}}');
  t.deepEqual(web.expose, ['80', '9000-9001']);
});
