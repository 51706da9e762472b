/**
 * The process as started by `main.ts`: the gRPC port comes up with REST (and goes down with it on SIGTERM);
 * `service.grpc_port: null` disables it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { execFileSync } from 'node:child_process';
import { QdrantClient } from '@qdrant/js-client-grpc';
import { freePort, removeDir, startChildServer, tempDir } from '../support/app.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** TCP ports the process listens on (`ss`, Linux). */
function listeningPorts(pid: number): number[] {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => Number(/:(\d+)\s/.exec(line.split(/\s+/)[3] + ' ')?.[1]))
    .filter((p) => Number.isInteger(p))
    .sort((a, b) => a - b);
}

describe('gRPC port of the server process', () => {
  it('serves service.grpc_port next to REST and closes it on shutdown', async () => {
    const dir = tempDir();
    const grpcPort = await freePort();
    const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__SERVICE__GRPC_PORT: String(grpcPort) });
    try {
      const client = new QdrantClient({ host: '127.0.0.1', port: grpcPort, checkCompatibility: false });
      const health = await client.api('service').healthCheck({});
      assert.equal(health.title, 'qdrant - vector search engine');
      await client.api('collections').create({ collectionName: 'g', vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: 3 } } } });
      const rest = await fetch(`${server.url}/collections/g`);
      assert.equal(rest.status, 200);
      assert.deepEqual(listeningPorts(server.proc.pid!), [server.port, grpcPort].sort((a, b) => a - b));
    } finally {
      await server.stop();
      removeDir(dir);
    }
    assert.equal(await accepts(grpcPort), false);
  });

  it('does not listen for gRPC when service.grpc_port is null', async () => {
    const dir = tempDir();
    const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage`, QDRANT__SERVICE__GRPC_PORT: 'null' });
    try {
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      assert.deepEqual(listeningPorts(server.proc.pid!), [server.port]);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
