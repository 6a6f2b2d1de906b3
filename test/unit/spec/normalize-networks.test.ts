import test from 'ava';
import { normalizeYaml as project } from './normalize-helpers.js';


test('a service without networks joins the implicit default network, which the project gains', async (t) => {
  const result = await project('services: {web: {image: x}}');
  t.deepEqual(result.services.web!.networks, { default: null });
  t.deepEqual(result.networks, { default: { name: 'demo_default' } });
});

test('no default network when no service uses it', async (t) => {
  const result = await project('services: {web: {image: x, networks: [front]}}\nnetworks: {front: }');
  t.deepEqual(result.services.web!.networks, { front: null });
  t.deepEqual(result.networks, { front: { name: 'demo_front' } });
});

test('network_mode means no implicit network', async (t) => {
  const result = await project('services: {web: {image: x, network_mode: host}}');
  t.false('networks' in result.services.web!);
  t.deepEqual(result.networks, {});
});

test('network_mode with networks keeps both so the project check can report the conflict', async (t) => {
  const result = await project(
    'services: {web: {image: x, network_mode: host, networks: [front]}}\nnetworks: {front: }',
  );
  t.deepEqual(result.services.web!.networks, { front: null });
});

test('service network options in long form', async (t) => {
  const result = await project(`
services:
  web:
    image: x
    networks:
      back: {aliases: [api], ipv4_address: 10.5.0.5, priority: 0, gw_priority: 10}
      front:
networks:
  back: {internal: true, attachable: false, ipam: {config: [{subnet: 10.5.0.0/16}]}, enable_ipv6: false}
  front: {external: true}
  named: {name: shared}
`);
  t.deepEqual(result.services.web!.networks, {
    back: { aliases: ['api'], gw_priority: 10, ipv4_address: '10.5.0.5' },
    front: null,
  });
  t.deepEqual(result.networks, {
    back: {
      name: 'demo_back',
      ipam: { config: [{ subnet: '10.5.0.0/16' }] },
      internal: true,
      enable_ipv6: false,
    },
    front: { name: 'front', external: true },
    named: { name: 'shared' },
  });
});
