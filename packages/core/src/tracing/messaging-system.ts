/** The OpenTelemetry `messaging.system` value of a polybus URL scheme (the scheme itself when unknown). */
export function messagingSystemOf(scheme: string): string {
  switch (scheme) {
    case 'amqp':
    case 'amqps':
      return 'rabbitmq';
    case 'amqp1':
    case 'amqps1':
      return 'activemq';
    case 'kafka':
    case 'kafkas':
      return 'kafka';
    case 'mqtt':
    case 'mqtts':
      return 'mqtt';
    case 'zmq+tcp':
    case 'zmq+ipc':
      return 'zeromq';
    default:
      return scheme;
  }
}
