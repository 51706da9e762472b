/**
 * The bare transport floor of bench/transport-floor.ts, run as its own process: a `node:http` server answering
 * JSON and a `node:http2` server answering gRPC unary calls, with no auth, no validation and no search. Each
 * answers every request with the reply it was given on stdin (a real Quiver reply to the same query), either as
 * stored bytes (`transport` mode: the cost of the protocol alone) or through the codec a server must run (`codec`
 * mode: JSON.parse of the request and JSON.stringify of the reply; protobuf decode of `QueryPoints` and encode of
 * `QueryResponse` with the same proto-loader codec Quiver's gRPC server uses).
 *
 *   node --import tsx bench/floor-servers.ts <http port> <http2 port> <transport|codec>   (stdin: {"json": "...", "grpc": "<base64 message>"})
 */
import { createServer } from 'node:http';
import { createServer as createHttp2Server, type ServerHttp2Stream } from 'node:http2';
import type { MethodDefinition } from '@grpc/grpc-js';
import { contract } from '../src/api/grpc/proto.js';

const [httpPort, http2Port, mode] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const codec = mode === 'codec';

const input: Buffer[] = [];
for await (const chunk of process.stdin) input.push(chunk as Buffer);
const replies = JSON.parse(Buffer.concat(input).toString('utf8')) as { json: string; grpc: string };
const jsonReply = Buffer.from(replies.json);
const jsonValue: unknown = JSON.parse(replies.json);
const query = (contract().packageDefinition['qdrant.Points'] as Record<string, MethodDefinition<unknown, unknown>>)['Query']!;
const grpcMessage = Buffer.from(replies.grpc, 'base64');
const grpcValue = query.responseDeserialize(grpcMessage);

/** A gRPC length-prefixed message frame (uncompressed). */
function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}
const grpcReply = frame(grpcMessage);

const http = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = codec ? Buffer.from(JSON.stringify((JSON.parse(Buffer.concat(chunks).toString('utf8')), jsonValue))) : jsonReply;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
http.keepAliveTimeout = 60_000;

const http2 = createHttp2Server();
http2.on('stream', (stream: ServerHttp2Stream) => {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    let reply = grpcReply;
    if (codec) {
      query.requestDeserialize(Buffer.concat(chunks).subarray(5));
      reply = frame(query.responseSerialize(grpcValue));
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-accept-encoding': 'identity,deflate,gzip', 'grpc-encoding': 'identity' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }));
    stream.end(reply);
  });
  stream.on('error', () => {});
});

await Promise.all([new Promise<void>((r) => http.listen(httpPort, '127.0.0.1', r)), new Promise<void>((r) => http2.listen(http2Port, '127.0.0.1', r))]);
console.log('ready');
