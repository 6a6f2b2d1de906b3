// Hostile and broken input across the whole stack, one row each: compose files that validate but
// cannot run, env files, image archives, registry answers, command lines and API calls. Every row
// asserts the error's class (a UserError prints a hint, a SystemError names its operation, nothing
// is an "internal error"), the shape of its message, that `down` works afterwards, and that nothing
// of ours is left on the host. (The `config`-only table of compose mistakes is test/bad-input/.)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { up } from '../../src/api/index.js';
import { ServiceNotReadyError } from '../../src/api/service-not-ready-error.js';
import { main } from '../../src/cli/main.js';
import { stopDaemon } from '../../src/daemon/daemon-process.js';
import { SystemError, UserError } from '../../src/errors.js';
import { closeIdleRegistryConnections } from '../../src/image/registry/registry-http.js';
import type { StatePaths } from '../../src/state/paths.js';
import { daemonCommandFromSource } from '../integration/daemon/fixtures/daemon-command.js';
import { buildBusyboxDockerArchive, buildBusyboxOciLayout, writeHostileLayer } from '../helpers/test-image.js';
import { unmountEverythingUnder } from '../helpers/temp-state.js';
import { type HostileRegistry, startHostileRegistry } from './hostile-registry-server.js';
import { assertNothingLeft } from './leftovers.js';

/** What a row has to work with: its own directory, project name, subnet and host port. */
interface RowContext {
  readonly dir: string;
  readonly project: string;
  /** `10.242.<row>.0/24` */
  readonly subnet: string;
  readonly port: number;
  readonly registry: string;
}

interface BadInputRow {
  readonly name: string;
  /** compose.yaml; `{project}`, `{subnet}`, `{net}` (first three octets), `{port}`, `{registry}` are filled in. */
  readonly compose?: string;
  /** More files in the project directory (same placeholders), or a function that writes them. */
  readonly files?: Readonly<Record<string, string>> | ((ctx: RowContext) => void);
  /** After `-f compose.yaml -p <project>` unless `bare`. Placeholders as above, and `{dir}`. */
  readonly args?: readonly string[];
  readonly bare?: boolean;
  /** An API call that must throw, instead of a command line. */
  readonly api?: (ctx: RowContext) => Promise<unknown>;
  /** Something the row needs while it runs (a port held by another program); returns its undoing. */
  readonly setup?: (ctx: RowContext) => Promise<() => Promise<void>>;
  /** `user`: a UserError (its hint printed); `system`: a SystemError (`error: <operation>: ...`). */
  readonly kind: 'user' | 'system' | 'not-ready';
  /** CLI exit code (default 1). */
  readonly exit?: number;
  /** The first line of stderr (CLI), or the error's message (API). */
  readonly error: RegExp;
  /** The hint line (CLI) or the error's hint (API). */
  readonly hint?: RegExp;
}

const BASE_PORT = 18810;
const dataDir = mkdtempSync(path.join(tmpdir(), 'berth-bad-stack-'));
const paths: StatePaths = { root: path.join(dataDir, 'root'), run: path.join(dataDir, 'run') };
const env = { ...process.env, BERTH_ROOT: paths.root, BERTH_RUN: paths.run, BERTH_DNS_UPSTREAMS: '', NO_COLOR: '1', HOME: path.join(dataDir, 'home') };
let registry: HostileRegistry | undefined;

/** The service `web` on the row's own network, with `extra` under it and `tail` at the top level. */
const stack = (extra = '', tail = ''): string => `services:
  web:
    image: busybox
    command: ["sleep", "3600"]
${extra}networks:
  default:
    ipam:
      config: [{ subnet: "{subnet}" }]
${tail}`;

const hardNofile = (): number => Number(/^Max open files\s+\d+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);

async function holdPort(port: number): Promise<() => Promise<void>> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

const pullOf = (kind: string): Partial<BadInputRow> => ({ compose: stack().replace('image: busybox', `image: {registry}/bad/${kind}:1`), args: ['pull'] });

const rows: BadInputRow[] = [
  // --- compose files that validate, and cannot run
  { name: 'an image that is not in the store, with pull_policy: never', compose: stack('    pull_policy: never\n').replace('busybox', 'nosuch/thing:1'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: image nosuch\/thing:1 is not in the local store and pull_policy is "never"$/, hint: /berth image load.*pull_policy: missing/ },
  { name: 'an image on a registry that is not there (a closed loopback port)', compose: stack().replace('busybox', '127.0.0.1:9/nothing:1'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: cannot reach registry 127\.0\.0\.1:9: connection refused$/ },
  { name: 'a host port another program holds', compose: stack('    ports: ["127.0.0.1:{port}:80"]\n'), args: ['up', '-d'], setup: (ctx) => holdPort(ctx.port),
    kind: 'user', error: /^error: up failed: service web: port \d+\/tcp on 127\.0\.0\.1 is already in use$/ },
  { name: 'a ulimit above the hard limit berth runs under', compose: `${stack('    ulimits:\n      nofile: { soft: 1024, hard: HARD }\n')}`, args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: hard limit \d+ is above this host's limit \d+$/ },
  { name: 'a bind mount whose source is missing, with create_host_path: false', compose: stack('    volumes:\n      - type: bind\n        source: ./missing-dir\n        target: /data\n        bind: { create_host_path: false }\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: bind source path does not exist: <dir>\/missing-dir$/, hint: /create_host_path: true/ },
  { name: 'an external network that does not exist', compose: `services:\n  web:\n    image: busybox\n    command: ["sleep", "3600"]\nnetworks:\n  default:\n    name: {project}-nosuch-net\n    external: true\n`, args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: network "bad-stack-\d+-nosuch-net" does not exist$/, hint: /external network must exist/ },
  { name: 'an external volume that does not exist', compose: stack('    volumes: ["data:/data"]\n', 'volumes:\n  data:\n    name: {project}-nosuch-vol\n    external: true\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: external volume "bad-stack-\d+-nosuch-vol" not found$/, hint: /berth volume create bad-stack-\d+-nosuch-vol/ },
  { name: 'a user name the image does not know', compose: stack('    user: nobody-here\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: unable to find user nobody-here: no matching entries in the container's \/etc\/passwd$/, hint: /numeric uid/ },
  { name: 'a command that does not exist in the image', compose: stack().replace('["sleep", "3600"]', '["/no/such/program"]'), args: ['up', '-d'], exit: 1,
    kind: 'user', error: /^error: up failed: service web: failed to create container bad-stack-\d+-web-1: .*exec: "\/no\/such\/program": stat \/no\/such\/program: no such file or directory$/, hint: /command and entrypoint/ },
  { name: 'a capability that does not exist', compose: stack('    cap_add: [CAP_FROBNICATE]\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: unknown capability "CAP_FROBNICATE"$/ },
  { name: 'a device the host does not have', compose: stack('    devices: ["/dev/berth-nosuch:/dev/x"]\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: device \/dev\/berth-nosuch does not exist on this host \(ENOENT\)$/, hint: /existing device node/ },
  { name: 'a static address outside the network\'s subnet', compose: stack('    networks:\n      default:\n        ipv4_address: 192.0.2.10\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: address 192\.0\.2\.10 is outside subnet 10\.242\.\d+\.0\/24$/, hint: /choose an address between/ },
  { name: 'a static address that is the gateway', compose: stack('    networks:\n      default:\n        ipv4_address: {net}.1\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: address 10\.242\.\d+\.1 is reserved as the gateway on subnet 10\.242\.\d+\.0\/24$/, hint: /choose another ipv4_address/ },
  { name: 'two services asking for the same static address', compose: stack('    networks:\n      default:\n        ipv4_address: {net}.20\n  web2:\n    image: busybox\n    command: ["sleep", "3600"]\n    networks:\n      default:\n        ipv4_address: {net}.20\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web2?: address 10\.242\.\d+\.20 is already in use on subnet 10\.242\.\d+\.0\/24$/, hint: /choose another ipv4_address/ },
  { name: 'two networks with overlapping subnets', compose: `services:\n  web:\n    image: busybox\n    command: ["sleep", "3600"]\n    networks: [a, b]\nnetworks:\n  a:\n    ipam: { config: [{ subnet: "{subnet}" }] }\n  b:\n    ipam: { config: [{ subnet: "{net}.128/25" }] }\n`, args: ['up', '-d'],
    kind: 'user', error: /create-network bad-stack-\d+_b: subnet 10\.242\.\d+\.128\/25 overlaps 10\.242\.\d+\.0\/24 of another berth network$/, hint: /choose a subnet that no other network uses/ },
  { name: 'a sysctl that is not namespaced', compose: stack('    sysctls: { vm.swappiness: "10" }\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: sysctl "vm\.swappiness" cannot be set for a container: it is not namespaced: it would change the whole host$/, hint: /may set net\.\*/ },
  { name: 'a secret whose file is missing', compose: stack('    secrets: [token]\n', 'secrets:\n  token:\n    file: ./no-such-secret.txt\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: secrets "token": file <dir>\/no-such-secret\.txt does not exist$/, hint: /create it, or fix the path/ },
  { name: 'a tmpfs with an option tmpfs does not have', compose: stack('    tmpfs: ["/scratch:frobnicate=1"]\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: unknown tmpfs option "frobnicate=1"$/, hint: /tmpfs takes size/ },
  { name: 'a memory limit below what a container needs', compose: stack('    mem_limit: 1k\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: mem_limit of 1024 bytes is below the minimum of 6 MiB$/, hint: /at least 6m/ },
  { name: 'memswap_limit below mem_limit', compose: stack('    mem_limit: 64m\n    memswap_limit: 32m\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: memswap_limit \(33554432 bytes\) is below mem_limit \(67108864 bytes\)$/, hint: /-1 for unlimited/ },
  { name: 'more CPUs than the host has', compose: stack('    cpus: 512\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: cpus 512 is more than the \d+ CPUs this host has$/, hint: /0\.01 to/ },
  { name: 'a security_opt berth does not know', compose: stack('    security_opt: ["frobnicate=1"]\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: unknown security_opt "frobnicate=1"$/, hint: /no-new-privileges/ },
  { name: 'a mac_address that is not one', compose: stack('    mac_address: "zz:zz:zz"\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: expected a MAC address like [0-9a-f:]+, found "zz:zz:zz"$/, hint: /six hex pairs/ },
  { name: 'a dns server that is not an address', compose: stack('    dns: ["not-an-ip"]\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: dns server "not-an-ip" is not an IP address$/, hint: /dns: \[10\.0\.0\.2\]/ },
  { name: 'an extra_hosts entry without an address', compose: stack('    extra_hosts: ["justaname"]\n'), args: ['up', '-d'], exit: 15,
    kind: 'user', error: /^error: compose\.yaml:5:5: services\.web\.extra_hosts: invalid extra host "justaname": no IP address$/, hint: /host=ip/ },
  { name: 'network_mode: container: of a container that does not exist', compose: `services:\n  web:\n    image: busybox\n    command: ["sleep", "3600"]\n    network_mode: "container:{project}-nosuch"\n`, args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: network_mode container:bad-stack-\d+-nosuch: that container has no network namespace$/, hint: /created first/ },
  { name: 'a relative working_dir', compose: stack('    working_dir: relative/dir\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: working_dir "relative\/dir" is not an absolute path$/, hint: /\/relative\/dir/ },
  { name: 'a bind mount over /proc', compose: stack('    volumes: ["/tmp:/proc"]\n'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: cannot mount over \/proc: \/proc belongs to the container runtime$/, hint: /mount somewhere else/ },
  { name: 'an image reference that is not one', compose: stack().replace('busybox', '"Not/A Reference!"'), args: ['up', '-d'],
    kind: 'user', error: /^error: up failed: service web: invalid reference "Not\/A Reference!": .*not a valid repository name component$/, hint: /lowercase letters and digits/ },

  // --- env files
  { name: 'an env_file line whose name has a space', compose: stack('    env_file: app.env\n'), files: { 'app.env': 'GOOD=1\nBAD NAME=2\n' }, args: ['up', '-d'],
    kind: 'user', exit: 15, error: /^error: <dir>\/app\.env:2:1: variable name "BAD NAME" cannot contain a space$/, hint: /KEY=VALUE/ },
  { name: 'an env_file with an unterminated quote', compose: stack('    env_file: app.env\n'), files: { 'app.env': 'A="abc\nB=2\n' }, args: ['up', '-d'],
    kind: 'user', exit: 15, error: /^error: <dir>\/app\.env:1:3: unterminated quoted value "abc$/, hint: /close the value/ },
  { name: 'an env_file that is a directory', compose: stack('    env_file: envdir\n'), files: (ctx) => mkdirSync(path.join(ctx.dir, 'envdir')), args: ['up', '-d'], exit: 15,
    kind: 'user', error: /^error: compose\.yaml:5:5: services\.web\.env_file: env file <dir>\/envdir is a directory$/, hint: /a file, not a folder/ },
  { name: 'an env_file that is not UTF-8', compose: stack('    env_file: app.env\n'), files: { 'app.env': 'NAME=caf\u00e9\n' }, args: ['up', '-d'],
    kind: 'user', exit: 15, error: /^error: <dir>\/app\.env:1:\d+: file is not valid UTF-8$/, hint: /save it as UTF-8/ },
  { name: '--env-file that is a directory', compose: stack(), files: (ctx) => mkdirSync(path.join(ctx.dir, 'envdir')), args: ['--env-file', 'envdir', 'up', '-d'], exit: 15,
    kind: 'user', error: /^error: env file <dir>\/envdir is a directory$/, hint: /--env-file/ },

  // --- image archives (berth image load)
  ...(['dotdot', 'absolute-escape', 'symlink-parent', 'symlink-dotdot-parent', 'hardlink-outside', 'char-device', 'huge-size', 'truncated'] as const).map(
    (kind): BadInputRow => ({
      name: `an archive with a hostile layer: ${kind}`,
      files: (ctx) => void buildBusyboxDockerArchive(path.join(ctx.dir, 'bad.tar'), { tag: `bad-${kind}:1`, extraLayers: [writeHostileLayer(kind)] }),
      args: ['image', 'load', '-i', '{dir}/bad.tar'], bare: true,
      kind: 'user', error: /^error: <dir>\/bad\.tar: layer /, hint: /refused|maximum unpacked/,
    }),
  ),
  { name: 'a file that is not an archive', files: { 'junk.tar': 'this is not a tar file\n' }, args: ['image', 'load', '-i', '{dir}/junk.tar'], bare: true,
    kind: 'user', error: /^error: <dir>\/junk\.tar is not a complete tar archive: it is truncated/, hint: /make the archive again/ },
  { name: 'an empty archive file', files: { 'empty.tar': '' }, args: ['image', 'load', '-i', '{dir}/empty.tar'], bare: true,
    kind: 'user', error: /^error: <dir>\/empty\.tar is empty$/, hint: /make the archive again/ },
  { name: 'an archive whose manifest.json is not JSON', files: (ctx) => {
      const dir = path.join(ctx.dir, 'image');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'manifest.json'), '[{"Config": ');
      execFileSync('tar', ['-C', dir, '-cf', path.join(ctx.dir, 'bad.tar'), 'manifest.json']);
    }, args: ['image', 'load', '-i', '{dir}/bad.tar'], bare: true,
    kind: 'user', error: /^error: <dir>\/bad\.tar: manifest\.json in the archive is not valid JSON/, hint: /nothing of it was loaded/ },
  { name: 'an archive whose manifest names a missing layer', files: (ctx) => {
      buildBusyboxDockerArchive(path.join(ctx.dir, 'bad.tar'), { tag: 'bad-missing-layer:1' });
      execFileSync('tar', ['--delete', '-f', path.join(ctx.dir, 'bad.tar'), '--wildcards', '*/layer.tar']);
    }, args: ['image', 'load', '-i', '{dir}/bad.tar'], bare: true,
    kind: 'user', error: /^error: <dir>\/bad\.tar: the archive does not contain ".*\/layer\.tar", which its manifest names$/, hint: /nothing of it was loaded/ },
  { name: 'a gzip archive cut in half', files: (ctx) => {
      const file = path.join(ctx.dir, 'bad.tar.gz');
      buildBusyboxDockerArchive(file, { tag: 'bad-cut:1', gzipArchive: true });
      truncateSync(file, Math.floor(readFileSync(file).length / 2));
    }, args: ['image', 'load', '-i', '{dir}/bad.tar.gz'], bare: true,
    kind: 'user', error: /^error: <dir>\/bad\.tar\.gz is not a complete tar archive: it is truncated/, hint: /cut short/ },
  { name: 'an OCI layout whose blob does not match its digest', files: (ctx) => {
      const dir = path.join(ctx.dir, 'layout');
      const built = buildBusyboxOciLayout(dir, { tag: 'bad-blob:1' });
      const blob = path.join(dir, 'blobs', 'sha256', (built.layers[0]?.digest ?? '').slice(7));
      writeFileSync(blob, Buffer.alloc(readFileSync(blob).length, 0));
    }, args: ['image', 'load', '-i', '{dir}/layout'], bare: true,
    kind: 'user', error: /^error: <dir>\/layout: blob digest mismatch: expected sha256:[0-9a-f]{64}, content is sha256:[0-9a-f]{64}$/ },
  { name: 'an archive path that does not exist', args: ['image', 'load', '-i', '{dir}/nope.tar'], bare: true,
    kind: 'user', error: /^error: cannot read <dir>\/nope\.tar: no such file or directory$/, hint: /-i\/--input/ },

  // --- registry answers (berth pull of `<registry>/bad/<kind>:1`)
  { name: 'a registry that does not know the image', ...pullOf('not-found'), kind: 'user', error: /^error: manifest 127\.0\.0\.1:\d+\/bad\/not-found:1 not found$/, hint: /repository name and tag/ },
  { name: 'a registry answering 500', ...pullOf('server-error'), kind: 'system', error: /^error: GET manifest 127\.0\.0\.1:\d+\/bad\/server-error:1: registry 127\.0\.0\.1:\d+ answered 500: internal server error \(HTTP_500\)$/ },
  { name: 'a manifest that is not JSON', ...pullOf('bad-json'), kind: 'user', error: /^error: the manifest of 127\.0\.0\.1:\d+\/bad\/bad-json:1 is not valid JSON$/, hint: /skopeo inspect/ },
  { name: 'a manifest of an unknown media type', ...pullOf('unknown-media-type'), kind: 'user', error: /^error: the manifest of .*bad\/unknown-media-type:1 has the unsupported media type "application\/vnd\.frob\.manifest\.v7\+json"$/, hint: /OCI image manifests/ },
  { name: 'an index without linux/amd64', ...pullOf('arm-only'), kind: 'user', error: /^error: 127\.0\.0\.1:\d+\/bad\/arm-only:1 has no image for linux\/amd64$/, hint: /it has: linux\/arm64/ },
  { name: 'a layer whose content does not match its digest', ...pullOf('blob-mismatch'), kind: 'user', error: /^error: blob sha256:[0-9a-f]{64} of .*bad\/blob-mismatch is \d+ bytes, the manifest says \d+$/, hint: /nothing of it was kept/ },
  { name: 'a config blob the registry does not have', ...pullOf('config-missing'), kind: 'user', error: /^error: blob sha256:[0-9a-f]{64} of .*bad\/config-missing not found in the registry$/, hint: /incomplete/ },
  { name: 'a 401 without a WWW-Authenticate challenge', ...pullOf('auth-no-challenge'), kind: 'user', error: /^error: registry 127\.0\.0\.1:\d+ asked for authentication berth does not support: ""$/, hint: /Basic and Bearer/ },
  { name: 'a token service that refuses', ...pullOf('token-refused'), kind: 'user', error: /^error: registry 127\.0\.0\.1:\d+ requires authentication and no credentials are stored for it$/, hint: /berth login 127\.0\.0\.1:\d+/ },
  { name: 'a blob that redirects to itself forever', ...pullOf('redirect-loop'), kind: 'system', error: /^error: GET 127\.0\.0\.1:\d+: 127\.0\.0\.1:\d+ redirected GET \/v2\/bad\/redirect-loop\/blobs\/sha256:[0-9a-f]{64} more than 5 times/ },
  { name: 'a schema 1 manifest', ...pullOf('schema1'), kind: 'user', error: /^error: the manifest of .*bad\/schema1:1 has the unsupported media type "application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws"$/, hint: /schema 1/ },
  { name: 'a registry that dies halfway through a layer', ...pullOf('dies-mid-blob'), kind: 'system', error: /^error: pull: download of blob sha256:[0-9a-f]{64} of .*bad\/dies-mid-blob was truncated: \d+ of \d+ bytes arrived/ },
  { name: 'a manifest larger than any real one', ...pullOf('huge-manifest'), kind: 'user', error: /^error: the manifest of .*bad\/huge-manifest:1 is \d+ bytes, more than the 4194304-byte limit; refusing it$/, hint: /broken or hostile/ },

  // --- command lines
  { name: 'up --scale with a count that is not a number', compose: stack(), args: ['up', '-d', '--scale', 'web=many'], kind: 'user', error: /^error: --scale expects SERVICE=NUMBER, found "web=many"$/, hint: /--scale web=3/ },
  { name: 'up --scale of a service the project does not have', compose: stack(), args: ['up', '-d', '--scale', 'nosuch=2'], kind: 'user', error: /^error: --scale: no such service: nosuch$/, hint: /services: web/ },
  { name: 'up --wait-timeout that is not a duration', compose: stack(), args: ['up', '-d', '--wait', '--wait-timeout', 'soon'], kind: 'user', error: /^error: --wait-timeout expects a number of seconds, found "soon"$/, hint: /--wait-timeout 10/ },
  { name: 'up --pull with a policy that does not exist', compose: stack(), args: ['up', '-d', '--pull', 'sometimes'], exit: 2, kind: 'user', error: /^error: option '--pull <policy>' argument 'sometimes' is invalid\. Allowed choices are always, missing, never\.$/ },
  { name: 'up of a service the project does not have', compose: stack(), args: ['up', '-d', 'nosuch'], exit: 15, kind: 'user', error: /^error: no such service: nosuch$/, hint: /the services are: web/ },
  { name: 'exec in a service that has no running container', compose: stack(), args: ['exec', 'web', 'true'], kind: 'user', error: /^error: service "web" is not running$/, hint: /berth up -d web/ },
  { name: 'logs --since that is not a time', compose: stack(), args: ['logs', '--since', 'yesterdayish'], kind: 'user', error: /^error: --since: expected a time or a duration, found "yesterdayish"$/, hint: /RFC 3339/ },
  { name: 'run of a service the project does not have', compose: stack(), args: ['run', '--rm', 'nosuch'], exit: 15, kind: 'user', error: /^error: no such service: nosuch$/, hint: /the services are: web/ },
  { name: 'stop -t that is not a number', compose: stack(), args: ['stop', '-t', 'abc'], kind: 'user', error: /^error: --timeout expects a number of seconds, found "abc"$/, hint: /--timeout 10/ },
  { name: 'kill -s with a signal that does not exist', compose: stack(), args: ['kill', '-s', 'SIGFROB'], exit: 2, kind: 'user', error: /^error: option '-s, --signal <signal>' argument 'SIGFROB' is invalid\. unknown signal "SIGFROB"; give a signal name/ },
  { name: 'port with a port number out of range', compose: stack(), args: ['port', 'web', '99999'], kind: 'user', error: /^error: expected a port number from 1 to 65535, found "99999"$/, hint: /berth port web 80/ },
  { name: 'cp between two host paths', compose: stack(), args: ['cp', '/etc/hostname', '/tmp/x'], kind: 'user', error: /^error: cp copies between a container and the host: give SERVICE:PATH as exactly one of the two$/, hint: /berth cp web:/ },
  { name: 'up -d together with --abort-on-container-exit', compose: stack(), args: ['up', '-d', '--abort-on-container-exit'], kind: 'user', error: /^error: --abort-on-container-exit and --exit-code-from need an attached up$/, hint: /drop -d/ },
  { name: 'down --rmi with a value that is not local or all', compose: stack(), args: ['down', '--rmi', 'some'], exit: 2, kind: 'user', error: /^error: option '--rmi <type>' argument 'some' is invalid\. Allowed choices are all, local\.$/ },
  { name: 'image rm of an image that does not exist', args: ['image', 'rm', 'nosuch/image:1'], bare: true, kind: 'user', error: /^error: no such image: nosuch\/image:1$/, hint: /berth image ls/ },
  { name: 'volume rm of a volume that does not exist', args: ['volume', 'rm', 'berth-bad-stack-nosuch'], bare: true, kind: 'user', error: /^error: no such volume: berth-bad-stack-nosuch$/, hint: /berth volume ls/ },

  // --- API calls
  { name: 'API: a spec whose services is not a map', api: (ctx) => up({ spec: { services: 'web' } as never, projectName: ctx.project, projectDirectory: ctx.dir, env, daemonCommand: daemonCommandFromSource() }),
    kind: 'user', error: /^services: must be a map, got a string$/, hint: /compose document/ },
  { name: 'API: a project name that is not valid', api: (ctx) => up({ spec: { services: { web: { image: 'busybox' } } }, projectName: 'Not Valid', projectDirectory: ctx.dir, env, daemonCommand: daemonCommandFromSource() }),
    kind: 'user', error: /^invalid project name "Not Valid"/, hint: /"notvalid"/ },
  { name: 'API: a compose file that does not exist', api: (ctx) => up({ files: ['nope.yaml'], projectName: ctx.project, projectDirectory: ctx.dir, env, daemonCommand: daemonCommandFromSource() }),
    kind: 'user', error: /^compose file \/tmp\/berth-bad-stack-\w+\/row-\w+\/nope\.yaml not found$/ },
  { name: 'API: a wait condition for a service the spec does not have', api: (ctx) => up({ spec: { services: { web: { image: 'busybox', command: ['sleep', '3600'] } }, networks: { default: { ipam: { config: [{ subnet: ctx.subnet }] } } } }, projectName: ctx.project, projectDirectory: ctx.dir, env, daemonCommand: daemonCommandFromSource(), wait: { nosuch: { healthy: true } } as never }),
    kind: 'user', error: /^wait\.nosuch: no such service: nosuch$/, hint: /the services are: web/ },
  { name: 'API: an HTTP wait whose status is not a status', api: (ctx) => up({ spec: { services: { web: { image: 'busybox', command: ['sleep', '3600'] } }, networks: { default: { ipam: { config: [{ subnet: ctx.subnet }] } } } }, projectName: ctx.project, projectDirectory: ctx.dir, env, daemonCommand: daemonCommandFromSource(), wait: { web: { http: { port: 80, path: '/', status: 999 } } } as never }),
    kind: 'user', error: /^wait\.web\.http\.status: expected an HTTP status \(100-599\), found 999$/, hint: /docs\/api\.md/ },
  { name: 'API: a timeout that is not a positive number', api: (ctx) => up({ spec: { services: { web: { image: 'busybox' } } }, projectName: ctx.project, projectDirectory: ctx.dir, env, daemonCommand: daemonCommandFromSource(), timeoutMs: -5 }),
    kind: 'user', error: /^timeoutMs must be a positive number of milliseconds, got -5$/, hint: /60_000/ },
  { name: 'API: an image that cannot be had fails as not ready, naming it', api: (ctx) => up({ spec: { services: { web: { image: 'nosuch/api-image:1', pull_policy: 'never' } }, networks: { default: { ipam: { config: [{ subnet: ctx.subnet }] } } } }, projectName: ctx.project, projectDirectory: ctx.dir, env, daemonCommand: daemonCommandFromSource(), timeoutMs: 60_000 }),
    kind: 'not-ready', error: /^project bad-stack-\d+: web not ready\n\s+service web: image nosuch\/api-image:1 is not in the local store and pull_policy is "never"/ },
];

function fill(text: string, ctx: RowContext): string {
  const net = ctx.subnet.replace(/\.0\/24$/, '');
  return text
    .replaceAll('{project}', ctx.project)
    .replaceAll('{subnet}', ctx.subnet)
    .replaceAll('{net}', net)
    .replaceAll('{port}', String(ctx.port))
    .replaceAll('{registry}', ctx.registry)
    .replaceAll('{dir}', ctx.dir)
    .replaceAll('HARD', String(hardNofile() + 1));
}

async function cli(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main([...args], { cwd, env, stdout: { write: (text) => void (stdout += text) }, stderr: { write: (text) => void (stderr += text) } });
  return { code, stdout, stderr };
}

test.before(async () => {
  registry = await startHostileRegistry();
  const archive = path.join(dataDir, 'busybox.tar');
  buildBusyboxDockerArchive(archive);
  const loaded = await cli(['image', 'load', '-q', '-i', archive], dataDir);
  if (loaded.code !== 0) throw new Error(`image load failed: ${loaded.stderr}`);
});

test.after.always(async () => {
  closeIdleRegistryConnections();
  await registry?.close();
  await stopDaemon(paths).catch(() => undefined);
  await unmountEverythingUnder(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

// One berthd and one store for the table: rows run one at a time, so that "nothing left" after a
// row is that row's doing.
rows.forEach((row, index) => {
  test.serial(`bad input across the stack: ${row.name}`, async (t) => {
    const ctx: RowContext = {
      dir: mkdtempSync(path.join(dataDir, 'row-')),
      project: `bad-stack-${index}`,
      subnet: `10.242.${index}.0/24`,
      port: BASE_PORT + (index % 10),
      registry: registry?.host ?? '',
    };
    const file = path.join(ctx.dir, 'compose.yaml');
    writeFileSync(file, fill(row.compose ?? stack(), ctx));
    if (typeof row.files === 'function') row.files(ctx);
    else for (const [name, content] of Object.entries(row.files ?? {})) writeFileSync(path.join(ctx.dir, name), name.endsWith('.env') && /é/.test(content) ? Buffer.from(content, 'latin1') : fill(content, ctx));
    const undo = row.setup ? await row.setup(ctx) : undefined;
    // Assertions throw: the down and the leftover check run whatever the row's own assertions said.
    let failed: unknown;
    try {
      if (row.api) {
        const error = await t.throwsAsync(row.api(ctx));
        if (row.kind === 'not-ready') t.true(error instanceof ServiceNotReadyError, `${error?.name}: ${error?.message}`);
        else t.true(error instanceof (row.kind === 'user' ? UserError : SystemError), `${error?.name}: ${error?.message}`);
        const said = error instanceof UserError && error.keyPath ? `${error.keyPath}: ${error.message}` : (error?.message ?? '');
        if (process.env['BAD_INPUT_SHOW']) t.log(`${error?.name}: ${said}\n${(error as UserError | undefined)?.hint ?? ''}`);
        t.regex(said, row.error);
        if (row.hint) t.regex((error as UserError | undefined)?.hint ?? '', row.hint);
        if (row.kind === 'user') t.truthy((error as UserError).hint, 'a UserError says what to do');
      } else {
        const args = (row.args ?? ['up', '-d']).map((arg) => fill(arg, ctx));
        const result = await cli(row.bare ? args : ['-f', file, '-p', ctx.project, ...args], ctx.dir);
        const lines = result.stderr.replaceAll(ctx.dir, '<dir>').split('\n').filter((line) => !/^(warning:|\s*(Container|Network|Volume|Image) )/.test(line));
        t.is(result.code, row.exit ?? 1, result.stderr);
        t.notRegex(result.stderr, /internal error|^\s+at /m, 'no internal error, no stack trace');
        const first = lines.find((line) => line.startsWith('error:')) ?? '';
        if (process.env['BAD_INPUT_SHOW']) t.log(`${first}\n${lines[lines.indexOf(first) + 1] ?? ''}`);
        t.regex(first, row.error, result.stderr);
        const hint = lines[lines.indexOf(first) + 1] ?? '';
        if (row.kind === 'user' && row.exit !== 2 && first !== '') t.regex(hint, /^ {2}hint: /, `a UserError says what to do:\n${result.stderr}`);
        // A SystemError prints `error: <operation>: <message>` and no hint (nothing the user did wrong).
        if (row.kind === 'system') t.false(hint.startsWith('  hint:'), `a SystemError has no hint:\n${result.stderr}`);
        if (row.hint) t.regex(hint, row.hint);
      }
    } catch (error) {
      failed = error;
    } finally {
      await undo?.();
    }
    // Whatever failed, `down` works afterwards and takes everything of the row away.
    const down = await cli(['-f', file, '-p', ctx.project, 'down', '-v', '-t', '0', '--remove-orphans'], ctx.dir);
    t.is(down.code, 0, down.stderr);
    await assertNothingLeft(t, { paths, subnetPrefixes: [`${ctx.subnet.replace(/0\/24$/, '')}`], projects: [ctx.project] }, 'after the row and down');
    rmSync(ctx.dir, { recursive: true, force: true });
    if (failed !== undefined) throw failed;
  });
});

test.serial('the table covers at least 60 inputs, and the store is sound after all of them', async (t) => {
  t.true(rows.length >= 60, `${rows.length} rows`);
  const check = await cli(['image', 'check'], dataDir);
  t.is(check.code, 0, check.stderr + check.stdout);
  t.deepEqual(readdirSync(path.join(paths.root, 'containers')).length, 0);
});
