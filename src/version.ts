/** Quiver's own version (the `quiver_version` field of `GET /`); Qdrant compatibility is reported separately. */
export const QUIVER_VERSION = '0.1.0';
