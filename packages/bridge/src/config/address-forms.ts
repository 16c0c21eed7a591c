import type { AdapterDescriptor } from '@polybus/core';
import { z } from 'zod';

/** A JSON Schema (object form). */
export type JsonSchema = Record<string, unknown>;

/** One way an adapter's address is written as native keys (a `{ queue }`, an `{ exchange, routingKey }`...). */
export interface AddressForm {
  /** Each native key and its JSON Schema. */
  readonly properties: Readonly<Record<string, JsonSchema>>;
  /** The keys this form requires. */
  readonly required: readonly string[];
}

/** What an adapter accepts as an address, read from its descriptor's `addressSchema`. */
export interface AddressShape {
  /** The adapter's schemes (primary first, then aliases). */
  readonly schemes: readonly string[];
  /** True when a plain string is an address (written as the endpoint's `address`). */
  readonly acceptsString: boolean;
  /** The native-key forms, in the order the schema lists them. */
  readonly forms: readonly AddressForm[];
}

const cache = new WeakMap<AdapterDescriptor, AddressShape>();

/**
 * The address shape of an adapter, from the JSON Schema of its `addressSchema` (input side): each
 * object branch is a form, a string branch means string addresses. Cached per descriptor; pure.
 */
export function addressShape(descriptor: AdapterDescriptor): AddressShape {
  const known = cache.get(descriptor);
  if (known) return known;
  const json = z.toJSONSchema(descriptor.addressSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  const branches = (json.anyOf ?? json.oneOf ?? [json]) as JsonSchema[];
  const forms: AddressForm[] = [];
  let acceptsString = false;
  for (const branch of branches) {
    if (branch.type === 'string' || Array.isArray(branch.enum)) acceptsString = true;
    else if (branch.type === 'object')
      forms.push({
        properties: (branch.properties ?? {}) as Record<string, JsonSchema>,
        required: (branch.required ?? []) as string[],
      });
  }
  const shape = { schemes: [descriptor.scheme, ...(descriptor.aliases ?? [])], acceptsString, forms };
  cache.set(descriptor, shape);
  return shape;
}
