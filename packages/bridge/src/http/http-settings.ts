import type { BridgeConfig } from '../config/schema.js';
import { adminTokenOf } from './admin-routes.js';
import type { HttpHardeningOptions } from './server.js';

/**
 * The `startHttpServer` settings of a config's `http` block: bind address, the admin token
 * (`POLYBUS_ADMIN_TOKEN` first, see `adminTokenOf`) and the hardening limits. Pure but for reading
 * the environment.
 */
export function httpServerSettings(
  http: BridgeConfig['http'],
): { host: string; port: number } & HttpHardeningOptions {
  return {
    host: http.host,
    port: http.port,
    allowedHosts: http.allowedHosts,
    adminToken: adminTokenOf(http),
    maxConnections: http.maxConnections,
    headersTimeoutMs: http.headersTimeout,
    requestTimeoutMs: http.requestTimeout,
    keepAliveTimeoutMs: http.keepAliveTimeout,
  };
}
