import { expect } from 'vitest';
import type { Address } from '../address.js';
import { DataError } from '../errors.js';
import { createMessage } from '../message.js';
import type { Transport } from '../transport.js';

/** The secret-looking text {@link expectCrlfHeaderRefused} plants in the refused header value. */
const PLANTED = 's3cret-after-crlf';

/**
 * Publishes one batch to `address` — a plain message, then one whose header `x-evil` has CR/LF in
 * its value — and asserts the publish rejects with a not-retriable {@link DataError} that names the
 * header and not its value (the core header policy). Whether anything of the batch arrived is the
 * caller's to check (its subscription should see nothing of it). Resolves with the error.
 */
export async function expectCrlfHeaderRefused(transport: Transport, address: Address): Promise<DataError> {
  const refused = await transport
    .publish(address, [
      createMessage({ id: 'good-first', body: 'never sent' }),
      createMessage({ id: 'evil', body: 'x', headers: { 'x-evil': `a\r\nSet-Cookie: ${PLANTED}` } }),
    ])
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(refused).toBeInstanceOf(DataError);
  const error = refused as DataError;
  expect(error.retriable).toBe(false);
  expect(error.message).toContain('"x-evil"');
  expect(error.message).not.toContain(PLANTED);
  return error;
}
