/** Quiver's own version (the `quiver_version` field of `GET /`); Qdrant compatibility is reported separately. */
export const QUIVER_VERSION = '0.1.0';

/** The Qdrant version whose API Quiver serves (`GET /` `version`, telemetry, metrics); clients check it. */
export const QDRANT_COMPAT_VERSION = '1.19.0';
