import test from 'ava';
import { ValueError } from '../../../src/errors.js';
import { familiarImageReference, formatImageReference, parseImageReference } from '../../../src/image/reference.js';

const canonical = (text: string): string => formatImageReference(parseImageReference(text));

test('a short official name gets docker.io/library and the latest tag', (t) => {
  t.is(canonical('busybox'), 'docker.io/library/busybox:latest');
  t.is(canonical('busybox:1.36'), 'docker.io/library/busybox:1.36');
});

test('a user repository on the Hub gets only docker.io', (t) => {
  t.is(canonical('bitnami/redis'), 'docker.io/bitnami/redis:latest');
});

test('a first component with a dot, a port or localhost is a registry host', (t) => {
  t.is(canonical('localhost/app'), 'localhost/app:latest');
  t.is(canonical('127.0.0.1:5000/team/app:v2'), '127.0.0.1:5000/team/app:v2');
  t.is(canonical('registry.example.com/app'), 'registry.example.com/app:latest');
  t.is(canonical('localhost:5000/app'), 'localhost:5000/app:latest');
});

test('index.docker.io is the Hub', (t) => {
  t.is(canonical('index.docker.io/busybox'), 'docker.io/library/busybox:latest');
});

test('a digest pins the image and no tag is implied', (t) => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const ref = parseImageReference(`busybox@${digest}`);
  t.is(ref.tag, undefined);
  t.is(ref.digest, digest);
  t.is(canonical(`busybox:1@${digest}`), `docker.io/library/busybox:1@${digest}`);
});

test('the familiar form drops docker.io/library', (t) => {
  t.is(familiarImageReference(parseImageReference('busybox')), 'busybox:latest');
  t.is(familiarImageReference(parseImageReference('docker.io/bitnami/redis:7')), 'bitnami/redis:7');
  t.is(familiarImageReference(parseImageReference('localhost:5000/app')), 'localhost:5000/app:latest');
});

test('uppercase repository names are refused with the lowercase form as the fix', (t) => {
  const error = t.throws(() => parseImageReference('busyBox'), { instanceOf: ValueError });
  t.regex(error.message, /must be lowercase/);
  t.is(error.hint, 'use "busybox"');
});

test('malformed references name what is wrong', (t) => {
  t.throws(() => parseImageReference(''), { message: /empty/ });
  t.throws(() => parseImageReference('busybox:-bad'), { message: /invalid tag "-bad"/ });
  t.throws(() => parseImageReference('busybox@sha256:abc'), { message: /invalid digest/ });
  t.throws(() => parseImageReference('a//b'), { message: /not a valid repository name component/ });
  t.throws(() => parseImageReference('app-'), { message: /"app-" is not a valid/ });
  t.throws(() => parseImageReference(`x/${'a'.repeat(260)}`), { message: /longer than 255/ });
});
