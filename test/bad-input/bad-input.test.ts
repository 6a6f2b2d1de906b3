// Hostile and mistaken input through the whole CLI: exit code, the first `error:` line, the hint,
// no stack trace, nothing on stdout — one row per mistake a user (or an attacker) can make.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import test from 'ava';
import { main } from '../../src/cli/main.js';

const FIXTURES = new URL('../fixtures/bad-input/', import.meta.url).pathname;
const fixture = (name: string): Uint8Array => readFileSync(join(FIXTURES, name));

interface BadInputCase {
  name: string;
  /** Files written into a fresh temporary directory, which is also the working directory. */
  files?: Record<string, string | Uint8Array>;
  /** Defaults to `['config']`. */
  args?: string[];
  exit: number;
  /** The first line of stderr, whole (`<dir>` stands for the temporary directory). */
  error: RegExp;
  /** The line after it. */
  hint?: RegExp;
  /** Wall time of `main`, for inputs built to be slow. */
  maxMs?: number;
  /** Set when berth is known to answer wrongly: why, in one line. */
  knownBug?: string;
}

const svc = (body: string): string => `services:\n  web:\n    image: nginx\n${body}`;

const cases: BadInputCase[] = [
  // --- malformed YAML
  { name: 'a tab used as indentation', files: { 'compose.yaml': 'services:\n\tweb:\n    image: x\n' }, exit: 15,
    error: /^error: compose\.yaml:2:1: invalid YAML: tabs are not allowed as indentation$/i },
  { name: 'an unclosed double quote', files: { 'compose.yaml': 'services:\n  web:\n    image: "nginx\n' }, exit: 15,
    error: /^error: compose\.yaml:\d+:\d+: invalid YAML: missing closing "quote$/i },
  { name: 'a key indented one column off', files: { 'compose.yaml': svc('   ports: []\n') }, exit: 15,
    error: /^error: compose\.yaml:4:1: invalid YAML: all mapping items must start at the same column$/i },
  { name: 'an unclosed flow sequence', files: { 'compose.yaml': 'services:\n  web:\n    ports: [80:80\n' }, exit: 15,
    error: /^error: compose\.yaml:\d+:\d+: invalid YAML: .*end with a \]$/i },
  { name: 'a second colon in a plain value', files: { 'compose.yaml': 'services:\n  web:\n    image: x: y\n' }, exit: 15,
    error: /^error: compose\.yaml:3:12: invalid YAML: nested mappings are not allowed in compact mappings$/i },
  { name: 'a duplicate key in a service', files: { 'compose.yaml': svc('    image: httpd\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: duplicate key/, hint: /^ {2}hint: each key may appear once in a map/ },
  { name: 'a duplicate service name', files: { 'compose.yaml': 'services:\n  a:\n    image: x\n  a:\n    image: y\n' }, exit: 15,
    error: /^error: compose\.yaml:4:3: duplicate key/, hint: /^ {2}hint: each key may appear once/ },
  { name: 'a YAML alias bomb', files: { 'compose.yaml': fixture('alias-bomb.yaml') }, exit: 15, maxMs: 100,
    error: /^error: compose\.yaml:\d+:\d+: YAML aliases expand to too many nodes/, hint: /^ {2}hint: expansion is limited to \d+ nodes/ },
  { name: 'an unknown YAML tag', files: { 'compose.yaml': 'services:\n  web:\n    image: !frob x\n' }, exit: 15,
    error: /^error: compose\.yaml:3:\d+: unknown YAML tag !frob$/, hint: /^ {2}hint: .*!reset and !override/ },
  // --- not a compose document
  { name: 'a list as the document', files: { 'compose.yaml': '- web\n- db\n' }, exit: 15,
    error: /^error: compose\.yaml:1:1: top-level object must be a map, got a list$/, hint: /^ {2}hint: start the file with `services:`$/ },
  { name: 'a scalar as the document', files: { 'compose.yaml': 'hello\n' }, exit: 15,
    error: /^error: compose\.yaml:1:1: top-level object must be a map, got a scalar$/, hint: /services:/ },
  { name: 'an empty file', files: { 'compose.yaml': '' }, exit: 15,
    error: /^error: compose\.yaml:1:1: empty compose file$/, hint: /^ {2}hint: .*services:/ },
  { name: 'a file of comments only', files: { 'compose.yaml': '# TODO: services\n\n# later\n' }, exit: 15,
    error: /^error: compose\.yaml:1:1: empty compose file$/, hint: /services:/ },
  { name: 'a file that is not UTF-8 (Latin-1)', files: { 'compose.yaml': fixture('latin1.yaml') }, exit: 15,
    error: /^error: compose\.yaml:5:\d+: file is not valid UTF-8$/, hint: /^ {2}hint: save it as UTF-8/ },
  { name: 'a UTF-16 file', files: { 'compose.yaml': fixture('utf16.yaml') }, exit: 15,
    error: /^error: compose\.yaml:1:1: file is UTF-16 encoded$/, hint: /^ {2}hint: save it as UTF-8$/ },
  { name: 'a 17 MiB file', files: { 'compose.yaml': `${svc('    environment:\n')}      BLOB: "${'x'.repeat(17 * 1024 * 1024)}"\n` },
    exit: 15, maxMs: 2000,
    error: /^error: compose\.yaml:1:1: file is 17\.0 MiB; compose files are limited to 16 MiB$/, hint: /^ {2}hint: split it with include:/ },
  // --- wrong types and unknown keys
  { name: 'ports as a number', files: { 'compose.yaml': svc('    ports: 80\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.ports: must be a list, got a number$/ },
  { name: 'environment as a number', files: { 'compose.yaml': svc('    environment: 5\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.environment: must be a map or a list of strings, got a number$/ },
  { name: 'privileged as a word', files: { 'compose.yaml': svc('    privileged: maybe\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.privileged: expected a boolean, found "maybe"$/, hint: /true or false/ },
  { name: 'command as a map', files: { 'compose.yaml': svc('    command: {a: 1}\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.command: must be null, a string or a list of strings, got a map$/ },
  { name: 'cpus as a word', files: { 'compose.yaml': svc('    cpus: lots\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.cpus: expected a number, found "lots"$/, hint: /0\.5/ },
  { name: '`prots` instead of `ports`', files: { 'compose.yaml': svc('    prots: ["80:80"]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.prots: unknown key$/, hint: /^ {2}hint: did you mean "ports"\?$/ },
  { name: 'top-level `service` instead of `services`', files: { 'compose.yaml': 'service:\n  web:\n    image: x\n' }, exit: 15,
    error: /^error: compose\.yaml:1:1: service: unknown top-level key$/, hint: /^ {2}hint: did you mean "services"\?/ },
  { name: 'a typo inside healthcheck', files: { 'compose.yaml': svc('    healthcheck:\n      test: ["CMD", "true"]\n      intervall: 5s\n') }, exit: 15,
    error: /^error: compose\.yaml:6:7: services\.web\.healthcheck\.intervall: unknown key$/, hint: /did you mean "interval"\?/ },
  // --- bad values
  { name: 'restart: sometimes', files: { 'compose.yaml': svc('    restart: sometimes\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.restart: must be one of "no", "always", .*got "sometimes"$/ },
  { name: 'a depends_on condition that does not exist', files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    depends_on:\n      b:\n        condition: service_ready\n  b:\n    image: x\n' }, exit: 15,
    error: /^error: compose\.yaml:6:9: services\.a\.depends_on\.b\.condition: must be one of .*got "service_ready"$/, hint: /did you mean "service_healthy"\?/ },
  { name: 'a duration written in words', files: { 'compose.yaml': svc('    healthcheck:\n      test: ["CMD", "true"]\n      interval: 10 seconds\n') }, exit: 15,
    error: /^error: compose\.yaml:6:7: services\.web\.healthcheck\.interval: must be a duration .*got "10 seconds"$/, hint: /units are ns, us, ms, s, m, h/ },
  { name: 'a duration with an unknown unit', files: { 'compose.yaml': svc('    stop_grace_period: 5x\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.stop_grace_period: must be a duration .*got "5x"$/, hint: /units/ },
  { name: 'a host port out of range', files: { 'compose.yaml': svc('    ports: ["70000:80"]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:13: services\.web\.ports\[0\]: invalid port "70000:80": host port 70000 is out of range$/, hint: /1 to 65535/ },
  { name: 'a port with an unknown protocol', files: { 'compose.yaml': svc('    ports: ["80:80/tcpx"]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:13: services\.web\.ports\[0\]: invalid port "80:80\/tcpx": unknown protocol "tcpx"$/, hint: /tcp, udp or sctp/ },
  { name: 'port ranges of different lengths', files: { 'compose.yaml': svc('    ports: ["8000-8002:80-81"]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:13: services\.web\.ports\[0\]: invalid port .*has 3 ports but container range 80-81 has 2$/, hint: /same length/ },
  { name: 'a byte size with an unknown unit', files: { 'compose.yaml': svc('    mem_limit: 12xb\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.mem_limit: invalid size "12xb": unknown unit "xb"$/, hint: /512m, 1g/ },
  { name: 'a byte size that is a word', files: { 'compose.yaml': svc('    shm_size: lots\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.shm_size: invalid size "lots": expected a number$/, hint: /512m/ },
  { name: 'a soft ulimit above the hard one', files: { 'compose.yaml': svc('    ulimits:\n      nofile:\n        soft: 20000\n        hard: 10000\n') }, exit: 15,
    error: /^error: compose\.yaml:5:7: services\.web\.ulimits\.nofile: invalid ulimit: soft limit 20000 is greater than hard limit 10000$/, hint: /less than or equal/ },
  { name: 'a volume spec of empty sections', files: { 'compose.yaml': svc('    volumes: ["::"]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:\d+: services\.web\.volumes\[0\]: .*empty/,
    knownBug: 'berth reads "::" as an anonymous volume with target "::"; compose rejects it (empty section between colons)' },
  // --- interpolation
  { name: '${X:?message} with X unset', files: { 'compose.yaml': 'services:\n  web:\n    image: ${IMG:?set IMG to the image}\n' }, exit: 15,
    error: /^error: compose\.yaml:3:5: services\.web\.image: required variable IMG is missing a value: set IMG to the image$/, hint: /set IMG in the environment or in the \.env file/ },
  { name: '${X?} with X unset and no message', files: { 'compose.yaml': 'services:\n  web:\n    image: ${IMG?}\n' }, exit: 15,
    error: /^error: compose\.yaml:3:5: services\.web\.image: required variable IMG is missing a value$/, hint: /set IMG/ },
  { name: 'an unterminated ${X', files: { 'compose.yaml': 'services:\n  web:\n    image: ${IMG\n' }, exit: 15,
    error: /^error: compose\.yaml:3:5: services\.web\.image: invalid interpolation format in "\$\{IMG"$/, hint: /escape any \$ with another \$/ },
  // --- files that are missing or go round in circles
  { name: 'a missing env_file', files: { 'compose.yaml': svc('    env_file: ./web.env\n') }, exit: 14,
    error: /^error: compose\.yaml:4:5: services\.web\.env_file: env file <dir>\/web\.env not found$/, hint: /required: false/ },
  { name: 'a missing extends file', files: { 'compose.yaml': 'services:\n  web:\n    extends:\n      file: base.yaml\n      service: base\n' }, exit: 14,
    error: /^error: compose\.yaml:3:5: services\.web\.extends: extends file <dir>\/base\.yaml not found$/, hint: /relative to the file that contains it/ },
  { name: 'extends of an unknown service in the same file', files: { 'compose.yaml': 'services:\n  web:\n    extends:\n      service: nothere\n' }, exit: 15,
    error: /^error: compose\.yaml:3:5: services\.web\.extends: cannot extend service "web": service "nothere" not found in this file$/, hint: /services there: web/ },
  { name: 'extends of an unknown service in another file', files: { 'compose.yaml': 'services:\n  web:\n    extends:\n      file: base.yaml\n      service: bse\n', 'base.yaml': 'services:\n  base:\n    image: x\n' }, exit: 15,
    error: /^error: compose\.yaml:3:5: services\.web\.extends: cannot extend service "web": service "bse" not found in <dir>\/base\.yaml$/, hint: /services there: base/ },
  { name: 'extends without a service', files: { 'compose.yaml': 'services:\n  web:\n    image: x\n    extends:\n      file: b.yaml\n', 'b.yaml': 'services: {}\n' }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.extends: missing required key "service"$/ },
  { name: 'a missing include file', files: { 'compose.yaml': `include:\n  - ./db/compose.yaml\n${svc('')}` }, exit: 14,
    error: /^error: compose\.yaml:2:5: include\[0\]: included file <dir>\/db\/compose\.yaml not found$/, hint: /relative to the file that includes them/ },
  { name: 'an extends cycle', files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n' }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.a\.extends: extends cycle: a \(.*\) → b \(.*\) → a /, hint: /cannot extend itself/ },
  { name: 'an include cycle', files: { 'compose.yaml': 'include:\n  - b.yaml\nservices:\n  a:\n    image: x\n', 'b.yaml': 'include:\n  - compose.yaml\nservices:\n  b:\n    image: x\n' }, exit: 15,
    error: /^error: b\.yaml:2:5: include\[0\]: include cycle: <dir>\/compose\.yaml → <dir>\/b\.yaml → <dir>\/compose\.yaml$/, hint: /cannot include itself/ },
  { name: 'a missing -f file', args: ['-f', 'nope.yaml', 'config'], exit: 14,
    error: /^error: compose file <dir>\/nope\.yaml not found$/, hint: /-f or COMPOSE_FILE/ },
  { name: 'no compose file in the directory or its parents', exit: 14,
    error: /^error: no configuration file provided: not found in <dir> or its parents$/, hint: /create compose\.yaml, or name a file with -f/ },
  { name: 'a bad --env-file', files: { 'compose.yaml': svc('') }, args: ['--env-file', 'prod.env', 'config'], exit: 14,
    error: /^error: env file <dir>\/prod\.env not found$/ },
  { name: 'a .env with a syntax error', files: { 'compose.yaml': svc(''), '.env': 'OK=1\nBAD LINE\n' }, exit: 15,
    error: /^error: (<dir>\/)?\.env:2:1: variable name "BAD LINE" cannot contain a space$/, hint: /KEY=VALUE/ },
  // --- project checks
  { name: 'a depends_on cycle', files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n' }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.a\.depends_on\.b: dependency cycle detected: a -> b -> a$/, hint: /remove one of these dependencies/ },
  { name: 'depends_on an unknown service', files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    depends_on: [ghost]\n' }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.a\.depends_on\.ghost: service "a" depends on undefined service "ghost"/ },
  { name: 'depends_on a service of a disabled profile', files: { 'compose.yaml': 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    profiles: [tools]\n' }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.a\.depends_on\.b: service "a" depends on undefined service "b"/, hint: /enable it with --profile tools/ },
  { name: 'a service with neither image nor build', files: { 'compose.yaml': 'services:\n  a:\n    command: ["true"]\n' }, exit: 15,
    error: /^error: compose\.yaml:2:3: services\.a: service "a" has neither an image nor a build context specified/, hint: /add `image:`.*or `build:`/ },
  { name: 'an undefined network', files: { 'compose.yaml': svc('    networks: [front]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.networks\.front: service "web" refers to undefined network front/, hint: /top-level `networks:`/ },
  { name: 'an undefined volume', files: { 'compose.yaml': svc('    volumes: ["data:/data"]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:15: services\.web\.volumes\[0\]: service "web" refers to undefined volume data/, hint: /top-level `volumes:`/ },
  { name: 'an undefined secret', files: { 'compose.yaml': svc('    secrets: [token]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:15: services\.web\.secrets\[0\]: service "web" refers to undefined secret token/, hint: /top-level `secrets:`/ },
  { name: 'scale and deploy.replicas that disagree', files: { 'compose.yaml': svc('    scale: 2\n    deploy:\n      replicas: 3\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.scale: .*can't set distinct values on 'scale' and 'deploy\.replicas'/, hint: /set only one of them/ },
  { name: 'network_mode together with networks', files: { 'compose.yaml': svc('    network_mode: host\n    networks: [default]\n') }, exit: 15,
    error: /^error: compose\.yaml:4:5: services\.web\.network_mode: service web declares mutually exclusive `network_mode` and `networks`/, hint: /remove one of the two/ },
  // --- command line
  { name: 'an invalid -p name', files: { 'compose.yaml': svc('') }, args: ['-p', 'Bad Name!', 'config'], exit: 15,
    error: /^error: invalid project name "Bad Name!" \(from -p\)$/, hint: /lowercase letters, digits.*"badname"/ },
  { name: 'an invalid top-level name:', files: { 'compose.yaml': `name: Not Valid\n${svc('')}` }, exit: 15,
    error: /^error: compose\.yaml:1:1: name: invalid project name "Not Valid"/, hint: /"notvalid"/ },
  { name: 'an unknown flag', args: ['config', '--frobnicate'], exit: 2, error: /^error: unknown option '--frobnicate'$/ },
  { name: 'an unknown command', args: ['confgi'], exit: 2, error: /^error: unknown command 'confgi'$/, hint: /Did you mean config\?/ },
  { name: 'an unknown --format', files: { 'compose.yaml': svc('') }, args: ['config', '--format', 'toml'], exit: 2,
    error: /^error: option '--format <format>' argument 'toml' is invalid\. Allowed choices are yaml, json\.$/ },
  { name: '--hash of an unknown service', files: { 'compose.yaml': svc('') }, args: ['config', '--hash', 'wbe'], exit: 15,
    error: /^error: no such service: wbe$/, hint: /services: web/ },
];

// Timed rows run first and alone (ava runs serial tests before the others), after one warm-up run
// so that loading modules and compiling the schema validator are not counted.
test.before(async () => {
  const dir = mkdtempSync('/tmp/berth-bad-input-');
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: nginx\n');
  await main(['config', '-q'], { cwd: dir, env: {}, stdout: { write: () => {} }, stderr: { write: () => {} } });
  rmSync(dir, { recursive: true, force: true });
});

for (const row of cases) {
  const define = row.knownBug ? test.failing : row.maxMs !== undefined ? test.serial : test;
  define(`bad input: ${row.name}`, async (t) => {
    const dir = mkdtempSync('/tmp/berth-bad-input-');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, content] of Object.entries(row.files ?? {})) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    let stdout = '';
    let stderr = '';
    const started = performance.now();
    const code = await main(row.args ?? ['config'], {
      cwd: dir,
      env: { HOME: '/home/test' },
      stdout: { write: (text: string) => void (stdout += text) },
      stderr: { write: (text: string) => void (stderr += text) },
    });
    const elapsed = performance.now() - started;
    const lines = stderr.replaceAll(dir, '<dir>').split('\n');
    t.is(code, row.exit, stderr);
    t.is(stdout, '');
    t.notRegex(stderr, /^\s+at /m, 'no stack trace');
    t.regex(lines[0] ?? '', row.error);
    if (row.hint) t.regex(lines[1] ?? '', row.hint);
    if (row.maxMs !== undefined) t.true(elapsed < row.maxMs, `took ${elapsed.toFixed(0)} ms`);
  });
}

test('the table covers at least 40 mistakes', (t) => {
  t.true(cases.length >= 40, `${cases.length} cases`);
});
