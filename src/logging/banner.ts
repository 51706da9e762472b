/**
 * The startup banner: what an operator needs to see once the server listens — version, where the configuration
 * came from, where it listens, which protections are on, what was loaded and what startup recovered.
 */
import type { Config } from '../config/schema.js';

export interface BannerFacts {
  readonly version: string;
  readonly apiVersion: string;
  readonly configFiles: readonly string[];
  /** Names of the `QDRANT__*` variables that were set (never their values). */
  readonly envVariables: readonly string[];
  readonly listen: readonly string[];
  readonly collections: ReadonlyArray<{ name: string; points: number; indexed: number }>;
  readonly recovery: readonly string[];
}

const onOff = (on: boolean): string => (on ? 'on' : 'off');

/** The banner's lines. */
export function bannerLines(config: Config, facts: BannerFacts): string[] {
  const s = config.service;
  const keys = [s.api_key, s.alt_api_key].some((k) => k !== null && k !== '');
  const security = [
    `api key ${onOff(keys)}`,
    `read-only key ${onOff(s.read_only_api_key !== null && s.read_only_api_key !== '')}`,
    `named keys ${s.api_keys_file === null ? 'off' : `on (${s.api_keys_file})`}`,
    `JWT ${onOff(s.jwt_rbac)}`,
    `TLS ${onOff(s.enable_tls)}`,
    `mTLS ${onOff(s.verify_https_client_certificate)}`,
    `audit ${config.audit.enabled ? `on (${config.audit.dir})` : 'off'}`,
    `IP allow-list ${s.allowed_client_ips.length === 0 ? 'off' : `on (${s.allowed_client_ips.length} entr${s.allowed_client_ips.length === 1 ? 'y' : 'ies'})`}`,
  ];
  const collections = facts.collections.map((c) => `${c.name} (${c.points} points, ${c.indexed} indexed)`);
  return [
    `Quiver ${facts.version} (Qdrant API ${facts.apiVersion}), Node ${process.version}, pid ${process.pid}`,
    `config: ${facts.configFiles.length === 0 ? 'no config file (built-in defaults)' : `files ${facts.configFiles.join(', ')}`}` +
      (facts.envVariables.length === 0 ? '' : `; environment ${facts.envVariables.join(', ')}`),
    `listening on ${facts.listen.join(', ')}`,
    `security: ${security.join(', ')}`,
    `storage ${config.storage.storage_path}: ${facts.collections.length} collection(s)${collections.length === 0 ? '' : `: ${collections.join(', ')}`}`,
    ...facts.recovery.map((r) => `recovery: ${r}`),
  ];
}
