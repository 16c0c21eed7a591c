import { ConnectionError } from '@polybus/core';
import type { Producer } from 'rocketmq-client-nodejs';
import definitionPb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import servicePb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_pb.js';
import { fromRocketmqConnectError } from './rocketmq-errors.js';

const { Resource } = definitionPb;
const { QueryRouteRequest } = servicePb;

/** RocketMQ's status code for a request whose credentials the proxy did not accept (ACL). */
export const UNAUTHORIZED = 40100;

/** A topic name nobody creates: the probe only needs the proxy to authenticate the request. */
export const PROBE_TOPIC = 'polybus-credential-probe';

/**
 * Verdict on the status of the probe's route query (pure): `UNAUTHORIZED` (40100: unknown user,
 * wrong signature, or no credentials where the proxy requires them) rejects the credentials; any
 * other answer — the topic not found, forbidden by authorization, or found — means the proxy
 * accepted who we are. Returns the status message for a refusal, else undefined.
 */
export function credentialsRefused(
  status: { code?: number; message?: string } | undefined,
): string | undefined {
  return status?.code === UNAUTHORIZED ? (status.message ?? 'unauthorized') : undefined;
}

/**
 * Asks the proxy, with the producer's credentials, for the route of {@link PROBE_TOPIC} (one request,
 * nothing cached in the producer) and rejects with a not-retriable {@link ConnectionError}
 * (`details.reason: 'auth'`) when the proxy refuses the credentials — the RocketMQ client's own
 * startup makes no request when it has no topics, so a wrong secret would otherwise surface only
 * at the first publish. The message names the proxy `where` and the proxy's reason, never a key.
 * A failure to ask at all is mapped by {@link fromRocketmqConnectError} (retriable when the proxy is
 * gone, not when its TLS certificate does not verify).
 */
export async function probeCredentials(
  producer: Producer,
  where: string,
  timeoutMs: number,
  connection: { tls: boolean },
): Promise<void> {
  const endpoints = producer.getEndpoints();
  const request = new QueryRouteRequest()
    .setTopic(new Resource().setName(PROBE_TOPIC))
    .setEndpoints(endpoints.toProtobuf());
  let status: { code?: number; message?: string } | undefined;
  try {
    const response = await producer.getRpcClientManager().queryRoute(endpoints, request, timeoutMs);
    status = response.getStatus()?.toObject();
  } catch (error) {
    throw fromRocketmqConnectError(error, `rocketmq: cannot ask ${where} for a route`, connection);
  }
  const refused = credentialsRefused(status);
  if (refused !== undefined)
    throw new ConnectionError(
      `rocketmq: ${where} refused the credentials (authentication failed): ${refused}`,
      {
        retriable: false,
        details: { reason: 'auth', rocketmqCode: UNAUTHORIZED },
      },
    );
}
