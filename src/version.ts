/** Quiver's own version (the `x-quiver-version` header of `GET /` and `app.quiver_version` in /telemetry); Qdrant compatibility is reported separately. */
export const QUIVER_VERSION = '0.1.0';
