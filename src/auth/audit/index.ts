/**
 * The audit log (**Quiver**: lossless, tamper-evident, queryable): what the server and the CLI import.
 * See `file-sink.ts` (writing), `chain.ts` (the hash chain), `verify.ts`, `query.ts`, `key.ts`.
 */
export { createAuditSink, type AuditSinkConfig, type AuditSinkDeps, type AuditSinkHandle } from './factory.js';
export { AUDIT_UNAVAILABLE_MESSAGE, AuditWriteError, JsonlFileSink, type JsonlFileSinkConfig } from './file-sink.js';
export { StdoutSink, TeeSink, type StdoutSinkConfig } from './stdout-sink.js';
export { configuredAuditKey, deriveAuditKey, keyFromFile, readDirectoryKey, type AuditKeyConfig } from './key.js';
export { queryAuditLogs, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT, type AuditLogQuery, type AuditQueryOptions } from './query.js';
export { verifyAuditDir, type AuditVerifyResult } from './verify.js';
