// `berth pull|push` (service images of the project), `berth image pull|push REF`, `berth login`, `berth logout`.
import { type Command, Option } from 'commander';
import { UserError, ValueError } from '../../errors.js';
import type { ImageCommitter, ImageRecord } from '../../image/image-store-interface.js';
import { openImageStore } from '../../image/image-store.js';
import type { Platform } from '../../image/media-types.js';
import { familiarImageReference, formatImageReference, type ImageReference, parseImageReference } from '../../image/reference.js';
import { mapBounded } from '../../image/registry/bounded-parallel.js';
import { dockerConfigPath, removeDockerCredentials, storeDockerCredentials } from '../../image/registry/docker-credentials.js';
import { pullImage, type PullProgressEvent } from '../../image/registry/pull-image.js';
import { pushImage, type PushProgressEvent } from '../../image/registry/push-image.js';
import { RegistryClient, type RegistryClientOptions, registryOptionsFromEnv } from '../../image/registry/registry-client.js';
import { closeIdleRegistryConnections } from '../../image/registry/registry-http.js';
import { formatTransfer, TransferTotals } from '../../image/registry/transfer-progress.js';
import { loadProject } from '../../spec/load-project.js';
import { statePathsFromEnv, type StatePaths } from '../../state/paths.js';
import type { CommandContext } from '../command-context.js';
import { type GlobalOptions, toLoadOptions } from '../global-options.js';
import { reportWarnings } from '../report.js';

export interface RegistryCommandDependencies {
  /** The image store the commands pull into and push from (default: the store under BERTH_ROOT). */
  readonly openCommitter?: (paths: StatePaths) => Promise<ImageCommitter>;
}

interface TransferOptions {
  quiet?: boolean;
  platform?: string;
}

const SERVICE_CONCURRENCY = 3;
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function registerRegistryCommands(program: Command, context: CommandContext, dependencies: RegistryCommandDependencies = {}): void {
  const openCommitter = dependencies.openCommitter ?? openStoreCommitter;
  const clientOptions = (): RegistryClientOptions => registryOptionsFromEnv(context.env);
  const withConnections = <A extends unknown[]>(action: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await action(...args);
      } finally {
        closeIdleRegistryConnections();
      }
    };
  // The image command group may already exist (image load/save/ls are registered by the store's commands).
  const image = program.commands.find((command) => command.name() === 'image') ?? program.command('image').description('Manage images');

  image
    .command('pull')
    .description('Download an image from a registry')
    .argument('<name>', 'image reference: NAME[:TAG|@DIGEST]')
    .option('-q, --quiet', 'print only the image reference')
    .option('--platform <platform>', 'os/arch[/variant] to pick from a multi-platform image', 'linux/amd64')
    .action(withConnections(async (name: string, options: TransferOptions) => {
      const committer = await openCommitter(statePathsFromEnv(context.env));
      await pullOne(parseReference(name), committer, { ...clientOptions(), platform: parsePlatform(options.platform) }, context, options.quiet === true);
    }));

  image
    .command('push')
    .description('Upload an image to a registry')
    .argument('<name>', 'image reference: NAME[:TAG]')
    .option('-q, --quiet', 'print only the pushed digest line')
    .action(withConnections(async (name: string, options: TransferOptions) => {
      const committer = await openCommitter(statePathsFromEnv(context.env));
      await pushOne(parseReference(name), committer, clientOptions(), context, options.quiet === true);
    }));

  program
    .command('pull')
    .description('Pull the images of the services (all, or those named)')
    .argument('[services...]', 'only these services')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--ignore-pull-failures', 'pull what can be pulled and report the failures as warnings')
    .addOption(new Option('--policy <policy>', 'pull only missing images, or always').choices(['missing', 'always']).default('always'))
    .action(withConnections(async (services: string[], options: TransferOptions & { ignorePullFailures?: boolean; policy: string }, command: Command) => {
      const images = await serviceImages(services, command, context);
      const committer = await openCommitter(statePathsFromEnv(context.env));
      await forEachImage(images, options.ignorePullFailures === true, context, async ({ ref, platform }) => {
        if (options.policy === 'missing' && (await committer.find(formatImageReference(ref))) !== undefined) return;
        await pullOne(ref, committer, { ...clientOptions(), ...(platform !== undefined ? { platform } : {}) }, context, options.quiet === true);
      });
    }));

  program
    .command('push')
    .description('Push the images of the services (all, or those named) to their registries')
    .argument('[services...]', 'only these services')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--ignore-push-failures', 'push what can be pushed and report the failures as warnings')
    .action(withConnections(async (services: string[], options: TransferOptions & { ignorePushFailures?: boolean }, command: Command) => {
      const images = await serviceImages(services, command, context);
      const committer = await openCommitter(statePathsFromEnv(context.env));
      await forEachImage(images, options.ignorePushFailures === true, context, ({ ref }) => pushOne(ref, committer, clientOptions(), context, options.quiet === true));
    }));

  program
    .command('login')
    .description('Log in to a registry; the credentials go to the docker config file (DOCKER_CONFIG)')
    .argument('[server]', 'registry host[:port] (default: Docker Hub)')
    .option('-u, --username <name>', 'user name')
    // No -p: it is the project name (-p, --project-name) for every berth command.
    .option('--password <password>', 'password (visible in the process list; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(withConnections(async (server: string | undefined, options: { username?: string; password?: string; passwordStdin?: boolean }) => {
      const host = serverHost(server);
      if (options.username === undefined || options.username === '') {
        throw new UserError('berth login needs a user name', { hint: `berth login ${server ?? ''} -u NAME --password-stdin`.replace('  ', ' ') });
      }
      if (options.password !== undefined && options.passwordStdin) throw new UserError('--password and --password-stdin are mutually exclusive');
      const password = options.passwordStdin ? await readStdinPassword() : options.password;
      if (password === undefined || password === '') throw new UserError('berth login needs a password', { hint: 'give it with --password-stdin (or --password)' });
      const credentials = { username: options.username, password };
      // Check them as docker does, before anything is written.
      const client = await RegistryClient.connect(host, { ...clientOptions(), credentials: async () => credentials });
      await client.ping();
      await storeDockerCredentials(host, credentials, dockerConfigPath(context.env));
      context.stdout.write('Login Succeeded\n');
    }));

  program
    .command('logout')
    .description('Remove the stored credentials of a registry')
    .argument('[server]', 'registry host[:port] (default: Docker Hub)')
    .action(async (server: string | undefined) => {
      const host = serverHost(server);
      const removed = await removeDockerCredentials(host, dockerConfigPath(context.env));
      context.stdout.write(removed ? `Removing login credentials for ${host}\n` : `Not logged in to ${host}\n`);
    });
}

async function pullOne(
  ref: ImageReference,
  committer: ImageCommitter,
  options: RegistryClientOptions & { platform?: Platform },
  context: CommandContext,
  quiet: boolean,
): Promise<void> {
  const name = familiarImageReference(ref);
  const progress = quiet ? undefined : progressPrinter(context, `Pulling ${name}`, (event: PullProgressEvent) =>
    event.status === 'exists' ? 'Already exists' : event.status === 'done' ? 'Pull complete' : undefined);
  const { fetched } = await pullImage(ref, committer, { ...options, ...(progress ? { onProgress: progress.onEvent } : {}) });
  progress?.finish();
  if (!quiet) {
    context.stderr.write(`Digest: ${fetched.repoDigest.slice(fetched.repoDigest.indexOf('@') + 1)}\n`);
    context.stderr.write(fetched.downloadedBytes > 0 ? `Status: Downloaded newer image for ${name}\n` : `Status: Image is up to date for ${name}\n`);
  }
  context.stdout.write(`${formatImageReference(ref)}\n`);
}

async function pushOne(ref: ImageReference, committer: ImageCommitter, options: RegistryClientOptions, context: CommandContext, quiet: boolean): Promise<void> {
  const name = formatImageReference(ref);
  const image: ImageRecord | undefined = await committer.find(name);
  if (image === undefined) throw new UserError(`no local image ${familiarImageReference(ref)}`, { hint: 'pull, load or tag it first; berth image ls lists the images' });
  const progress = quiet ? undefined : progressPrinter(context, `Pushing ${familiarImageReference(ref)}`, (event: PushProgressEvent) =>
    event.status === 'exists' ? 'Layer already exists' : event.status === 'mounted' ? 'Mounted' : event.status === 'done' ? 'Pushed' : undefined);
  const result = await pushImage(image, ref, committer.blobs, { ...options, ...(progress ? { onProgress: progress.onEvent } : {}) });
  progress?.finish();
  const manifestSize = (await committer.blobs.read(image.manifestDigest)).length;
  context.stdout.write(`${ref.tag ?? 'latest'}: digest: ${result.digest} size: ${manifestSize}\n`);
}

/**
 * Progress on stderr: on a terminal one line rewritten in place ("Pulling busybox 42 % of 31 MB");
 * otherwise one line per blob when it is settled, as docker prints them.
 */
function progressPrinter<E extends { digest: string; done: number; total: number }>(
  context: CommandContext,
  title: string,
  settledText: (event: E) => string | undefined,
): { onEvent: (event: E) => void; finish: () => void } {
  const tty = (context.stderr as { isTTY?: boolean }).isTTY === true;
  const totals = new TransferTotals();
  let lastDraw = 0;
  return {
    onEvent: (event) => {
      totals.update(event);
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        context.stderr.write(`\r${formatTransfer(title, totals)}\u001b[K`);
        return;
      }
      const text = settledText(event);
      if (text !== undefined) context.stderr.write(`${event.digest.slice(7, 19)}: ${text}\n`);
    },
    finish: () => {
      if (tty) context.stderr.write(`\r${formatTransfer(title, totals)}\u001b[K\n`);
    },
  };
}

interface ServiceImage {
  readonly ref: ImageReference;
  /** The service's `platform:`, when it names one. */
  readonly platform: Platform | undefined;
}

async function serviceImages(services: string[], command: Command, context: CommandContext): Promise<ServiceImage[]> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const loaded = await loadProject({ ...toLoadOptions(globals, context.cwd), env: context.env, ...(services.length ? { services } : {}) });
  reportWarnings(loaded.warnings, context.stderr);
  const wanted = services.length > 0 ? services : Object.keys(loaded.project.services);
  const images = new Map<string, ServiceImage>();
  for (const name of wanted) {
    const service = loaded.project.services[name];
    if (service?.image === undefined) continue; // build-only services have nothing to pull or push
    const ref = parseReference(service.image, `services.${name}.image`);
    images.set(formatImageReference(ref), { ref, platform: parsePlatform(service.platform, `services.${name}.platform`) });
  }
  return [...images.values()];
}

async function forEachImage(images: ServiceImage[], ignoreFailures: boolean, context: CommandContext, work: (image: ServiceImage) => Promise<void>): Promise<void> {
  const failures: UserError[] = [];
  await mapBounded(images, SERVICE_CONCURRENCY, async (image) => {
    const { ref } = image;
    try {
      await work(image);
    } catch (error) {
      if (!ignoreFailures) throw error;
      failures.push(new UserError(`${familiarImageReference(ref)}: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
  reportWarnings(failures.map((failure) => ({ message: failure.message })), context.stderr);
}

function parseReference(text: string, keyPath?: string): ImageReference {
  try {
    return parseImageReference(text);
  } catch (error) {
    if (error instanceof ValueError) throw new UserError(error.message, { hint: error.hint, keyPath });
    throw error;
  }
}

function parsePlatform(text: string | undefined, keyPath?: string): Platform | undefined {
  if (text === undefined) return undefined;
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) throw new UserError(`invalid platform "${text}": expected os/arch[/variant]`, { hint: 'for example linux/amd64 or linux/arm64/v8', keyPath });
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** `https://host:5000/v2/` → `host:5000`; nothing (or any Hub alias) → `docker.io`. */
export function serverHost(server: string | undefined): string {
  if (server === undefined || server === '') return 'docker.io';
  const host = server.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  if (host === '') throw new UserError(`invalid registry server "${server}"`, { hint: 'give host[:port], e.g. registry.example.com:5000' });
  return HUB_HOSTS.has(host) ? 'docker.io' : host;
}

async function readStdinPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The image store under BERTH_ROOT. */
function openStoreCommitter(paths: StatePaths): Promise<ImageCommitter> {
  return openImageStore(paths);
}
