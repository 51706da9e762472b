/** A gRPC length-prefixed message frame, for tests that speak HTTP/2 directly: flag (0 = not compressed), length, bytes. */
export function grpcFrame(message: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flag;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}
