import { randomUUID } from 'node:crypto';
import { nkeys } from 'nats';

/** An nkey pair as nats.js's nkeys exposes it (the parts these helpers use). */
interface KeyPair {
  getPublicKey(): string;
  getSeed(): Uint8Array;
  sign(input: Uint8Array): Uint8Array;
}

const b64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

/** A NATS JWT (v2) with `claims`, issued and signed by `issuer`. */
function encodeJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims = b64url(
    JSON.stringify({
      jti: randomUUID().replace(/-/g, '').toUpperCase(),
      iat: Math.floor(Date.now() / 1000),
      iss: issuer.getPublicKey(),
      name,
      sub: subject,
      nats: { ...nats, version: 2 },
    }),
  );
  const signature = b64url(issuer.sign(new TextEncoder().encode(`${header}.${claims}`)));
  return `${header}.${claims}.${signature}`;
}

/** What an operator-mode (JWT) test server and its one user need. */
export interface NatsOperatorSetup {
  readonly operatorJwt: string;
  readonly accountPublicKey: string;
  readonly accountJwt: string;
  /** The user's `.creds` file content (user JWT + seed). */
  readonly userCreds: string;
}

/**
 * Creates an operator, one account without limits and one user of it, as JWTs signed with fresh nkeys
 * (what `nsc` would write), for a nats-server with `resolver: MEMORY`. Test use only.
 */
export function natsOperatorSetup(): NatsOperatorSetup {
  const operator = nkeys.createOperator() as KeyPair;
  const account = nkeys.createAccount() as KeyPair;
  const user = nkeys.createUser() as KeyPair;
  const unlimited = {
    subs: -1,
    data: -1,
    payload: -1,
    imports: -1,
    exports: -1,
    wildcards: true,
    conn: -1,
    leaf: -1,
  };
  const operatorJwt = encodeJwt(operator, operator.getPublicKey(), 'polybus-test-operator', {
    type: 'operator',
  });
  const accountJwt = encodeJwt(operator, account.getPublicKey(), 'polybus-test-account', {
    type: 'account',
    limits: unlimited,
    default_permissions: { pub: {}, sub: {} },
  });
  const userJwt = encodeJwt(account, user.getPublicKey(), 'polybus-test-user', {
    type: 'user',
    pub: {},
    sub: {},
    subs: -1,
    data: -1,
    payload: -1,
  });
  const seed = new TextDecoder().decode(user.getSeed());
  const userCreds = [
    '-----BEGIN NATS USER JWT-----',
    userJwt,
    '------END NATS USER JWT------',
    '',
    '-----BEGIN USER NKEY SEED-----',
    seed,
    '------END USER NKEY SEED------',
    '',
  ].join('\n');
  return { operatorJwt, accountPublicKey: account.getPublicKey(), accountJwt, userCreds };
}
