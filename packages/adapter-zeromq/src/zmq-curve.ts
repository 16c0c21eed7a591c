import { ConfigError } from '@polybus/core';
import { readOptionFile } from '@polybus/core/adapter-kit';
import { curveKeyPair } from 'zeromq';
import { z } from 'zod';

/** A CURVE key in Z85 text: 40 characters of the Z85 alphabet (32 bytes). */
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Z85 public key option. */
const z85Key = z.string().regex(Z85_KEY, 'a CURVE key in Z85 (40 characters)');

/**
 * CURVE (ZMTP CurveZMQ) settings of every socket of a transport: encryption, and authentication of
 * the server by its public key. Without `serverPublicKey` this side is the CURVE **server** (usually
 * the side that binds) and needs `secretKeyFile`; with it this side is a **client** that accepts
 * only that server, using its own key pair (`publicKey` + `secretKeyFile`) or a fresh one per
 * transport. Clients are not authenticated by the server (that needs a ZAP handler): any client that
 * knows the server's public key may connect.
 */
export const curveOptionsSchema = z.strictObject({
  /** Client: the server's public key (Z85). Absent: this side is the server. */
  serverPublicKey: z85Key.optional(),
  /** This side's public key (Z85): needed by a client that has a `secretKeyFile`. */
  publicKey: z85Key.optional(),
  /** File holding this side's secret key (Z85, one trailing newline removed). Never logged. */
  secretKeyFile: z.string().min(1).optional(),
});

/** Validated CURVE settings. */
export type CurveOptions = z.output<typeof curveOptionsSchema>;

/** The zeromq.js socket options for CURVE. */
export interface CurveSocketOptions {
  curveServer?: boolean;
  curvePublicKey?: string;
  curveSecretKey?: string;
  curveServerKey?: string;
}

/**
 * zeromq.js socket options for `curve` (reads `secretKeyFile`); `{}` without CURVE. Throws
 * {@link ConfigError} naming the option (never a key) when the file cannot be read, does not hold a
 * Z85 key, a server has no secret key, or a client has a secret key but no public key.
 */
export function curveSocketOptions(curve: CurveOptions | undefined): CurveSocketOptions {
  if (curve === undefined) return {};
  const secret =
    curve.secretKeyFile === undefined
      ? undefined
      : readOptionFile(curve.secretKeyFile, 'curve.secretKeyFile').replace(/\r?\n$/, '');
  if (secret !== undefined && !Z85_KEY.test(secret))
    throw new ConfigError(
      `curve.secretKeyFile: ${curve.secretKeyFile} does not hold a Z85 key (40 characters)`,
    );
  if (curve.serverPublicKey === undefined) {
    if (secret === undefined) throw new ConfigError('curve: a CURVE server needs secretKeyFile');
    return { curveServer: true, curveSecretKey: secret };
  }
  if (secret !== undefined && curve.publicKey === undefined)
    throw new ConfigError('curve: a client with secretKeyFile needs its publicKey');
  const pair = secret === undefined ? curveKeyPair() : { publicKey: curve.publicKey!, secretKey: secret };
  return {
    curveServerKey: curve.serverPublicKey,
    curvePublicKey: pair.publicKey,
    curveSecretKey: pair.secretKey,
  };
}
