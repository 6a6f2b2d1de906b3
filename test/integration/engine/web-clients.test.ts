import test from 'ava';
import { engineFixture, waitForState } from '../../helpers/engine-fixture.js';

test('a web server and N clients that resolve it by name and fetch its page', async (t) => {
  const { engine, project: load } = await engineFixture(t);
  const clients = 4;
  const project = await load(`
name: eng-web
services:
  web:
    image: busybox
    init: true
    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
    volumes:
      - ./www:/www:ro
  client:
    image: busybox
    scale: ${clients}
    command: ["sh", "-c", "wget -q -O - http://web:8080/index.html | grep -q 'hello from web'"]
    depends_on: [web]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.9.0/24 }]
`, { 'www/index.html': '<p>hello from web</p>\n' });
  await engine.up(project);
  const done = await waitForState(engine, 'eng-web', (state) => {
    const finished = state.observed.containers.filter((c) => c.service === 'client' && c.status === 'exited');
    return finished.length === clients;
  });
  const exitCodes = done.observed.containers.filter((c) => c.service === 'client').map((c) => c.exitCode);
  t.deepEqual(exitCodes, Array.from({ length: clients }, () => 0));
  t.is(done.decision?.services['client']?.state, 'completed');
});
