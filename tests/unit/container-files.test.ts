/**
 * No Docker engine runs here, so the Dockerfile, .dockerignore and docker-compose.yml are checked by parsing them:
 * the security properties of issue 6, and that every QDRANT__* variable they set is a real config key with a valid
 * value (so they stay in step with src/config/schema.ts). The HEALTHCHECK command is run against a stub server.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string): string => readFileSync(join(REPO, file), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Dockerfile → stages of instructions (comments dropped, `\` continuations joined, global ARG defaults applied). */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
    } else {
      logical.push(pending + line);
      pending = '';
    }
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.indexOf(' ');
    const keyword = line.slice(0, space).toUpperCase();
    const rest = line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const [image = '', as, name] = rest.split(/\s+/);
      const resolved = image.replace(/\$\{(\w+)\}/g, (_, v: string) => args.get(v) ?? '');
      stages.push({ from: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [name = '', value = ''] = rest.split('=');
        args.set(name, value);
      }
    } else {
      stages.at(-1)?.instructions.push({ keyword, args: rest });
    }
  }
  return { args, stages };
}

/** `ENV A=1 B=2` → entries (values unquoted). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const match of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[match[1] ?? ''] = (match[2] ?? '').replace(/^"|"$/g, '');
  }
  return env;
}

function all(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** Loads a config from these variables alone; returns it and the warnings (unknown keys warn). */
function configFromEnv(env: Record<string, string>): { config: ReturnType<typeof loadConfig>; warnings: string[] } {
  const cwd = mkdtempSync(join(tmpdir(), 'quiver-container-'));
  const warnings: string[] = [];
  try {
    return { config: loadConfig({ cwd, env, warn: (m) => warnings.push(m) }), warnings };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Minimal .dockerignore matching: exact paths / directory prefixes, and `**\/*.ext`. */
function ignoredBy(patterns: readonly string[], path: string): boolean {
  return patterns.some((pattern) => {
    if (pattern.startsWith('**/*.')) return path.endsWith(pattern.slice(4));
    if (pattern.startsWith('**/')) return path.split('/').includes(pattern.slice(3));
    return path === pattern || path.startsWith(`${pattern}/`);
  });
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const runtime = dockerfile.stages.at(-1)!;
const build = dockerfile.stages.find((s) => s.name === 'build');

void describe('Dockerfile', () => {
  void it('is multi-stage: builds with npm ci + npm run build, prunes dev dependencies', () => {
    assert.ok(dockerfile.stages.length >= 2);
    assert.ok(build !== undefined, 'a stage named build');
    const runs = all(build, 'RUN').join(' && ');
    assert.match(runs, /\bnpm ci --ignore-scripts\b/, 'installs from the lockfile without compiling anything');
    assert.match(runs, /\bnpm run build\b/);
    assert.match(runs, /\bnpm prune --omit=dev\b/);
    assert.equal(runtime.from, 'node:20-bookworm-slim');
  });

  void it('runs as the non-root user 1000:1000, set after the last RUN', () => {
    const users = all(runtime, 'USER');
    assert.deepEqual(users, ['1000:1000']);
    const lastRun = runtime.instructions.findLastIndex((i) => i.keyword === 'RUN');
    const user = runtime.instructions.findIndex((i) => i.keyword === 'USER');
    assert.ok(user > lastRun, 'USER comes after every RUN');
  });

  void it('keeps the code owned by root (no --chown on COPY), so the server cannot modify it', () => {
    for (const copy of all(runtime, 'COPY')) assert.doesNotMatch(copy, /--chown/);
  });

  void it('uses /qdrant with the storage and snapshots volumes, owned by 1000', () => {
    assert.deepEqual(all(runtime, 'WORKDIR'), ['/qdrant']);
    const volumes = all(runtime, 'VOLUME').flatMap((v) => JSON.parse(v) as string[]);
    assert.deepEqual(volumes.sort(), ['/qdrant/snapshots', '/qdrant/storage']);
    assert.match(all(runtime, 'RUN').join(' '), /chown 1000:1000 \/qdrant\/storage \/qdrant\/snapshots/);
  });

  void it('exposes 6333 and 6334', () => {
    assert.deepEqual(all(runtime, 'EXPOSE').flatMap((e) => e.split(/\s+/)), ['6333', '6334']);
  });

  void it('starts through ./entrypoint.sh, which execs dist/src/main.js (the file npm run build produces) with the arguments', () => {
    assert.deepEqual(all(runtime, 'ENTRYPOINT').map((e) => JSON.parse(e)), [['./entrypoint.sh']]);
    assert.ok(all(runtime, 'COPY').includes('--chmod=0755 entrypoint.sh ./entrypoint.sh'));
    const entry = read('entrypoint.sh');
    assert.match(entry, /^#!\/bin\/sh\n/);
    assert.match(entry, /^exec node \/qdrant\/dist\/src\/main\.js "\$@"$/m);
    const pkg = JSON.parse(read('package.json'));
    assert.equal(pkg.scripts.start, 'node dist/src/main.js');
    assert.equal(pkg.scripts.prestart, 'node --import tsx scripts/ensure-built.ts', 'npm start builds only a stale dist/');
    assert.equal(pkg.bin.quiver, 'dist/src/main.js');
    const buildConfig = JSON.parse(read('tsconfig.build.json'));
    assert.deepEqual(buildConfig.include, ['src']);
    assert.equal(JSON.parse(read('tsconfig.json')).compilerOptions.outDir, 'dist');
  });

  void it('sets only QDRANT__ variables that are config keys, with valid values and no secrets', () => {
    const env = envOf(runtime);
    const qdrant = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('QDRANT__')));
    assert.deepEqual(Object.keys(qdrant).sort(), [
      'QDRANT__SERVICE__HOST', 'QDRANT__SERVICE__HTTP_PORT', 'QDRANT__STORAGE__SNAPSHOTS_PATH', 'QDRANT__STORAGE__STORAGE_PATH',
    ]);
    const { config, warnings } = configFromEnv(qdrant);
    assert.deepEqual(warnings, []);
    assert.equal(config.service.host, '0.0.0.0');
    assert.equal(config.service.http_port, 6333);
    assert.equal(config.storage.storage_path, '/qdrant/storage');
    assert.equal(config.storage.snapshots_path, '/qdrant/snapshots');
    // Relative defaults resolve against the working directory: audit files and temp files land in the storage volume.
    assert.deepEqual(all(runtime, 'WORKDIR'), ['/qdrant']);
    assert.ok(resolve('/qdrant', DEFAULT_CONFIG.audit.dir).startsWith('/qdrant/storage/'), 'audit.dir is in the storage volume');
    assert.equal(config.storage.temp_path, null, 'temp files go to <storage_path>/snapshots_temp');
    for (const name of Object.keys(env)) assert.doesNotMatch(name, /KEY|SECRET|PASSWORD|TOKEN/);
  });

  void it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const ignore = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const sources = dockerfile.stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.startsWith('--from'))
      .flatMap((c) => c.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
    assert.ok(sources.includes('src') && sources.includes('package-lock.json') && sources.includes('entrypoint.sh') && sources.includes('static'));
    for (const source of sources) {
      assert.ok(existsSync(join(REPO, source)), `${source} exists`);
      assert.ok(!ignoredBy(ignore, source), `${source} is not excluded by .dockerignore`);
    }
    for (const secret of ['node_modules', '.git', 'storage', 'snapshots', 'secrets', 'tls/key.pem', 'config/server.key', '.env']) {
      assert.ok(ignoredBy(ignore, secret), `.dockerignore excludes ${secret}`);
    }
  });

  void it('has a HEALTHCHECK on /healthz that passes on 200 and fails otherwise', async () => {
    const [check] = all(runtime, 'HEALTHCHECK');
    assert.ok(check !== undefined);
    const command = JSON.parse(check.slice(check.indexOf('CMD') + 3).trim()) as string[];
    assert.equal(command[0], 'node');
    let status = 200;
    const paths: string[] = [];
    const stub = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = status;
      res.end();
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const port = (stub.address() as AddressInfo).port;
    const run = (): Promise<number | null> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, command.slice(1), { env: { QDRANT__SERVICE__HTTP_PORT: String(port) }, stdio: 'ignore' });
        child.on('exit', resolve);
      });
    try {
      assert.equal(await run(), 0);
      status = 503;
      assert.equal(await run(), 1);
      assert.deepEqual(paths, ['/healthz', '/healthz']);
    } finally {
      await new Promise((resolve) => stub.close(resolve));
    }
    assert.equal(await run(), 1, 'fails when nothing listens');
  });
});

void describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'));
  const quiver = compose.services.quiver;

  void it('runs as 1000:1000 with a read-only root, tmpfs /tmp, no capabilities, no privilege escalation', () => {
    assert.equal(quiver.user, '1000:1000');
    assert.equal(quiver.read_only, true);
    assert.ok(quiver.tmpfs.some((t: string) => t.split(':')[0] === '/tmp'));
    assert.deepEqual(quiver.cap_drop, ['ALL']);
    assert.equal(quiver.cap_add, undefined);
    assert.ok(quiver.security_opt.includes('no-new-privileges:true'));
    assert.equal(quiver.privileged, undefined);
    assert.equal(quiver.network_mode, undefined);
  });

  void it('is only on internal networks and publishes no port', () => {
    assert.ok(quiver.networks.length > 0);
    for (const name of quiver.networks) assert.equal(compose.networks[name].internal, true, `${name} is internal`);
    assert.equal(quiver.ports, undefined);
  });

  void it('reads its configuration (and keys) from a Docker secret, never from the environment', () => {
    assert.ok(quiver.secrets.includes('quiver_config'));
    assert.equal(typeof compose.secrets.quiver_config.file, 'string');
    assert.deepEqual(quiver.command, ['--config-path', '/run/secrets/quiver_config']);
    assert.match(read('src/cli/program.ts'), /'--config-path <file>'/);
    for (const name of Object.keys(quiver.environment)) assert.doesNotMatch(name, /KEY|SECRET|PASSWORD|TOKEN/);
  });

  void it('sets only valid config keys in the environment', () => {
    const env = Object.fromEntries(Object.entries(quiver.environment as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    const { config, warnings } = configFromEnv(env);
    assert.deepEqual(warnings, []);
    assert.equal(config.storage.storage_path, '/qdrant/storage');
    assert.equal(config.storage.snapshots_path, '/qdrant/snapshots');
  });

  void it('mounts the image volumes and gives shutdown time to drain', () => {
    const targets = quiver.volumes.map((v: string) => v.split(':')[1]).sort();
    assert.deepEqual(targets, ['/qdrant/snapshots', '/qdrant/storage']);
    const grace = Number(/^(\d+)s$/.exec(quiver.stop_grace_period)?.[1]);
    assert.ok(grace > DEFAULT_CONFIG.service.shutdown_timeout_sec, 'stop_grace_period exceeds service.shutdown_timeout_sec');
    assert.equal(quiver.build, '.');
  });
});

void describe('Qdrant Helm chart compatibility', () => {
  void it('sets RUN_MODE=production, so the chart\'s config/production.yaml is read from /qdrant', () => {
    assert.equal(envOf(runtime)['RUN_MODE'], 'production');
    assert.deepEqual(all(runtime, 'WORKDIR'), ['/qdrant']);
  });

  void it('ships static/ at /qdrant/static', () => {
    assert.ok(all(runtime, 'COPY').includes('static ./static'));
    assert.ok(existsSync(join(REPO, 'static', 'index.html')));
  });

  void it('accepts the chart\'s initialize.sh arguments (--uri, --bootstrap, --snapshot) on the entrypoint', () => {
    const program = read('src/cli/program.ts');
    for (const flag of ['--uri <uri>', '--bootstrap <uri>', '--snapshot <path:collection>']) assert.ok(program.includes(`'${flag}'`), flag);
  });
});

void describe('npm install', () => {
  void it('installs no benchmark-only native addon: hnswlib-node is in bench/package.json only', () => {
    const pkg = JSON.parse(read('package.json'));
    for (const deps of [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies ?? {}]) assert.equal(deps['hnswlib-node'], undefined);
    assert.doesNotMatch(read('package-lock.json'), /hnswlib-node/);
    assert.equal(JSON.parse(read('bench/package.json')).dependencies['hnswlib-node'], '3.0.0');
    assert.match(read('bench/package-lock.json'), /"node_modules\/hnswlib-node"/);
    assert.match(pkg.scripts.bench, /^npm run bench:deps && /);
    assert.equal(pkg.scripts['bench:deps'], 'npm --prefix bench ci --no-audit --no-fund');
  });

  void it('pins every dependency exactly', () => {
    const pkg = JSON.parse(read('package.json'));
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      assert.match(String(version), /^(npm:(@[^@/]+\/)?[^@]+@)?\d+\.\d+\.\d+$/, `${name}@${String(version)}`);
    }
  });
});
