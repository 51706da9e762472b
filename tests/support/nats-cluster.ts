/**
 * NATS servers with JetStream for distributed-mode tests: `nats-server` (the Debian package; `.ci/run` installs
 * it) started on free loopback ports, each with its own store directory, routed into one JetStream cluster.
 * Servers can be killed (SIGKILL) and restarted on the same ports and store.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, removeDir, tempDir } from './app.js';
import { pollUntil } from './poll.js';

/** Why distributed-mode tests cannot run here, or undefined when nats-server is installed. */
export function natsServerMissing(): string | undefined {
  const r = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'nats-server is not installed (apt-get install nats-server)';
}

export interface NatsServer {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  proc: ChildProcess | undefined;
}

export interface NatsCluster {
  readonly servers: readonly NatsServer[];
  /** Every client URL, comma-separated (for `QDRANT__CLUSTER__NATS__SERVERS`). */
  readonly urls: string;
  kill(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

async function portOpen(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts `size` routed JetStream servers (size 1: a standalone JetStream server) and waits until each listens. */
export async function startNatsCluster(size: number, extraArgs: (i: number) => string[] = () => []): Promise<NatsCluster> {
  const dir = tempDir('quiver-nats-');
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const servers: NatsServer[] = ports.map((port, i) => ({ name: `n${i}`, port, url: `nats://127.0.0.1:${port}`, proc: undefined }));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const launch = async (i: number): Promise<void> => {
    const s = servers[i]!;
    const args = ['-a', '127.0.0.1', '-p', String(s.port), '-n', s.name, '-js', '-sd', join(dir, s.name), ...extraArgs(i)];
    if (size > 1) args.push('--cluster_name', 'quiver-test', '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes);
    let out = '';
    const proc = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    s.proc = proc;
    await pollUntil(`nats-server ${s.name} listening on ${s.port}`, async () => {
      if (proc.exitCode !== null) throw new Error(`nats-server ${s.name} exited: ${out}`);
      return portOpen(s.port);
    });
  };
  await Promise.all(servers.map((_, i) => launch(i)));
  const kill = async (i: number): Promise<void> => {
    const proc = servers[i]!.proc;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
    servers[i]!.proc = undefined;
  };
  return {
    servers,
    urls: servers.map((s) => s.url).join(','),
    kill,
    restart: launch,
    async stop() {
      for (let i = 0; i < size; i++) await kill(i);
      removeDir(dir);
    },
  };
}

/**
 * Settings of an in-process cluster node (`startTestApp`) joined to `nats` under `deployment`, with an admin API key
 * and JWT RBAC on (for tenant-token tests).
 */
export function jwtClusterNodeEnv(nats: NatsCluster, deployment: string, i: number, apiKey: string): Record<string, string> {
  return {
    QDRANT__CLUSTER__ENABLED: 'true',
    QDRANT__CLUSTER__NATS__SERVERS: nats.urls,
    QDRANT__CLUSTER__DEPLOYMENT: deployment,
    QDRANT__CLUSTER__NODE_ID: `node-${i}`,
    QDRANT__CLUSTER__TIMEOUT_MS: '20000',
    QDRANT__SERVICE__API_KEY: apiKey,
    QDRANT__SERVICE__JWT_RBAC: 'true',
  };
}
