import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { cliFixture } from '../../helpers/cli-fixture.js';

const berth = path.resolve('bin/berth.js');

/** A private tmux server (its own socket file) running detached sessions of a fixed size; killed and removed in teardown. */
function tmuxTerminal(t: ExecutionContext, name: string, size = { columns: 110, rows: 40 }) {
  const socket = path.join(tmpdir(), `pg-tmux-${name}-${process.pid}.sock`);
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  t.teardown(async () => {
    try {
      tmux('kill-server');
    } catch {
      // No server left: every session had ended.
    }
    await rm(socket, { force: true });
  });
  let sessions = 0;
  return {
    /** Runs a shell script in a new session; the session stays open after it, so its screen can be read. */
    run(script: string): { screen: () => string; session: string } {
      const session = `s${++sessions}`;
      tmux('new-session', '-d', '-s', session, '-x', String(size.columns), '-y', String(size.rows), `${script}; exec sleep 300`);
      return { session, screen: () => tmux('capture-pane', '-p', '-t', session) };
    },
  };
}

/** The command line in the pane, with the test's private state roots (tmux starts panes in its own environment). */
async function berthScript(dir: string, env: Record<string, string | undefined>, args: string, exitFile: string): Promise<string> {
  const script = path.join(dir, `run-${path.basename(exitFile)}.sh`);
  const exports = ['BERTH_ROOT', 'BERTH_RUN', 'BERTH_DNS_UPSTREAMS', 'PATH', 'NO_COLOR']
    .map((key) => `export ${key}='${env[key] ?? ''}'`)
    .join('\n');
  await writeFile(script, `${exports}\nexport TERM=xterm-256color\ncd '${dir}'\n'${process.execPath}' '${berth}' ${args}\necho $? > '${exitFile}'\n`);
  return `sh '${script}'`;
}

async function exitCodeOf(file: string, screen: () => string, timeoutMs = 40_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined && text.trim() !== '') return Number(text.trim());
    if (Date.now() > deadline) throw new Error(`berth did not finish; the screen shows:\n${screen()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The screen's lines that mention a name, with runs of spaces squeezed (columns are aligned with padding). */
function rowsOf(screen: string, name: string): string[] {
  return screen
    .split('\n')
    .filter((line) => line.includes(name))
    .map((line) => line.trim().replace(/ {2,}/g, ' '));
}

test('in a terminal, up shows a row per container with its final state and time and names the failed service; stop --progress json; down removes every row', async (t) => {
  const { dir, file, env, run } = await cliFixture(
    t,
    `
name: pg-tty
services:
  db:
    image: busybox
    init: true
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      start_period: 5s
      start_interval: 100ms
  web:
    image: busybox
    init: true
    command: ["sleep", "3600"]
    depends_on:
      db: { condition: service_healthy }
  broken:
    image: busybox
    command: ["sh", "-c", "echo boom; exit 3"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.60.0/24 }]
`,
    'pg-tty',
  );
  const terminal = tmuxTerminal(t, 'up');

  const upExit = path.join(dir, 'up.exit');
  const up = terminal.run(await berthScript(dir, env, `-f '${file}' up --wait`, upExit));
  // Screens read while up runs, until it ends.
  let seen = '';
  const watching = (async () => {
    while (!(await readFile(upExit, 'utf8').catch(() => ''))) {
      seen += `${up.screen()}\n`;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  t.is(await exitCodeOf(upExit, up.screen), 1, up.screen());
  await watching;
  const screen = up.screen();
  t.log(screen);

  // What a person sees: the header with the count and total time, then a row per object with its final state and time.
  t.regex(screen, /✖ Running 4\/4 +\d+\.\ds/);
  t.regex(rowsOf(screen, 'Network').join('\n'), /^✔ Network pg-tty_default Created \d+\.\ds$/);
  t.regex(rowsOf(screen, 'pg-tty-db-1').join('\n'), /^✔ Container pg-tty-db-1 Healthy \d+\.\ds$/);
  t.regex(rowsOf(screen, 'pg-tty-web-1').join('\n'), /^✔ Container pg-tty-web-1 Started \d+\.\ds$/);
  t.regex(rowsOf(screen, 'pg-tty-broken-1').join('\n'), /^✖ Container pg-tty-broken-1 Exited \(3\) \d+\.\ds$/);
  // db's row counts from its creation to its first healthy probe, past its 1 s sleep.
  const seconds = (name: string): number => Number(/(\d+\.\d)s$/.exec(rowsOf(screen, name)[0] ?? '')?.[1]);
  t.true(seconds('pg-tty-db-1') >= 1, screen);
  // While it ran, the live display showed web waiting for db, with a spinner.
  t.regex(seen, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Container pg-tty-web-1 +Waiting for db to be healthy +\d+\.\ds/, seen);
  // The summary names the failed service and why; the error line follows; no spinner frame is left behind.
  t.regex(screen, /1 of 3 services failed:\n +✘ broken +exited with code 3\n/);
  t.regex(screen, /error: up failed: service broken: exited with code 3/);
  t.notRegex(screen, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);

  // --progress json, off a terminal: every line one object; the running containers stop.
  const stopped = await run('--progress', 'json', 'stop', '-t', '1');
  t.is(stopped.code, 0, stopped.stderr);
  const events = stopped.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; status: string; text: string; elapsed: number });
  for (const name of ['pg-tty-db-1', 'pg-tty-web-1']) {
    t.like(events.filter((event) => event.id === `Container ${name}`).at(-1), { status: 'done', text: 'Stopped' });
  }
  t.true(events.every((event) => typeof event.elapsed === 'number'));

  const downExit = path.join(dir, 'down.exit');
  const down = terminal.run(await berthScript(dir, env, `-f '${file}' down -t 1`, downExit));
  t.is(await exitCodeOf(downExit, down.screen), 0, down.screen());
  const after = down.screen();
  t.log(after);
  t.regex(after, /✔ Removing \d+\/\d+ +\d+\.\ds/);
  for (const name of ['pg-tty-db-1', 'pg-tty-web-1', 'pg-tty-broken-1']) t.regex(rowsOf(after, name).join('\n'), new RegExp(`^✔ Container ${name} Removed \\d+\\.\\ds$`));
  t.regex(rowsOf(after, 'Network').join('\n'), /^✔ Network pg-tty_default Removed \d+\.\ds$/);
  t.notRegex(after, /failed/);
});


test('in a terminal, up of a service with build: shows the build step by step, then "Built", then the container', async (t) => {
  const { dir, file, env } = await cliFixture(
    t,
    `
name: pg-build
services:
  app:
    build:
      context: .
      dockerfile_inline: |
        FROM busybox
        RUN echo one > /one
        RUN sleep 2
        RUN echo three > /three
    command: ["sleep", "3600"]
networks:
  default:
    ipam:
      config: [{ subnet: 10.240.61.0/24 }]
`,
    'pg-build',
  );
  const terminal = tmuxTerminal(t, 'build');
  const upExit = path.join(dir, 'up.exit');
  const up = terminal.run(await berthScript(dir, env, `-f '${file}' up -d`, upExit));
  let seen = '';
  const watching = (async () => {
    while (!(await readFile(upExit, 'utf8').catch(() => ''))) {
      seen += `${up.screen()}\n`;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  t.is(await exitCodeOf(upExit, up.screen, 120_000), 0, up.screen());
  await watching;
  const screen = up.screen();
  t.log(screen);
  // While the 2-second step ran, its row said which step of how many, with a spinner.
  t.regex(seen, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Image +pg-build-app +Building 3\/4 RUN sleep 2 +\d+\.\ds/, seen);
  // At the end: the image row says Built (not Pulled), then the container started.
  t.regex(rowsOf(screen, 'Image').join('\n'), /^✔ Image pg-build-app Built \d+\.\ds$/);
  t.regex(rowsOf(screen, 'pg-build-app-1').join('\n'), /^✔ Container pg-build-app-1 Started \d+\.\ds$/);
  t.notRegex(screen, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
});
