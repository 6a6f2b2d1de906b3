import test from 'ava';
import { transportPolicyFromEnv, usesPlainHttp } from '../../../src/image/registry/registry-endpoint.js';

test('loopback names on any port speak plain http', (t) => {
  for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.0.0.1', '[::1]:5000']) t.true(usesPlainHttp(host, []), host);
});

test('other hosts, other loopback addresses included, use TLS unless listed as insecure', (t) => {
  t.false(usesPlainHttp('registry.example.com', []));
  t.false(usesPlainHttp('127.0.0.2:5000', []));
  t.true(usesPlainHttp('registry.lan:5000', ['registry.lan:5000']));
  t.true(usesPlainHttp('registry.lan:5000', ['registry.lan']), 'a host without port covers every port');
  t.false(usesPlainHttp('registry.lan:5001', ['registry.lan:5000']));
});

test('the policy comes from BERTH_INSECURE_REGISTRIES, BERTH_REGISTRY_CA and BERTH_REGISTRY_CERTS_DIR', (t) => {
  t.deepEqual(transportPolicyFromEnv({ BERTH_INSECURE_REGISTRIES: 'a:5000, b', BERTH_REGISTRY_CA: '/x/ca.pem:/y/ca.pem' }), {
    insecureRegistries: ['a:5000', 'b'],
    caFiles: ['/x/ca.pem', '/y/ca.pem'],
    certsDir: '/etc/docker/certs.d',
  });
  t.is(transportPolicyFromEnv({ BERTH_REGISTRY_CERTS_DIR: '/certs' }).certsDir, '/certs');
});
