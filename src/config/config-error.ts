/**
 * The one error type of the config module. Anything wrong with the configuration (an unreadable or invalid file,
 * a value of the wrong type or out of range, contradictory settings) stops startup with a `ConfigError` whose
 * message starts with the key path or the file it is about:
 *
 * - `service.http_port: expected an integer between 0 and 65535, got "abc" (from environment variable QDRANT__SERVICE__HTTP_PORT)`
 * - `config file /etc/quiver/config.yaml: cannot read (ENOENT)`
 */
export class ConfigError extends Error {
  override name = 'ConfigError';

  /** The dotted key path (`service.http_port`) or the file path the problem is about. */
  readonly key: string;

  /**
   * @param key - dotted key path or file path; the message is prefixed with it
   * @param problem - what is wrong, e.g. `expected a boolean, got "maybe"`
   */
  constructor(key: string, problem: string, options?: { cause?: unknown }) {
    super(`${key}: ${problem}`, options);
    this.key = key;
  }
}
