import { type AdapterDescriptor, memoryAdapter } from '@polybus/core';
import { z } from 'zod';
import { stdioAdapter } from '../stdio/stdio-adapter.js';
import { addressShape, type JsonSchema } from './address-forms.js';
import { configSchema, showStringForms } from './schema.js';

/**
 * The endpoint's JSON Schema as one branch per way of writing it: per adapter and address form, the
 * bridge's keys plus exactly that form's native keys (titled `<schemes>: <keys>`), and one branch for
 * a string `address`. Unknown keys match no branch. Branches that are the same for several adapters
 * are listed once, with every scheme in the title.
 */
function endpointVariants(base: JsonSchema, adapters: readonly AdapterDescriptor[]): JsonSchema {
  const { address, ...bridgeKeys } = (base.properties ?? {}) as Record<string, JsonSchema>;
  const branches = new Map<string, { schemes: string[]; schema: JsonSchema }>();
  const stringSchemes: string[] = [];
  for (const adapter of adapters) {
    const shape = addressShape(adapter);
    if (shape.acceptsString) stringSchemes.push(...shape.schemes);
    for (const form of shape.forms) {
      const key = JSON.stringify([form.properties, form.required]);
      const known = branches.get(key);
      if (known) {
        known.schemes.push(...shape.schemes);
        continue;
      }
      branches.set(key, {
        schemes: [...shape.schemes],
        schema: {
          type: 'object',
          properties: { ...bridgeKeys, ...form.properties },
          required: ['connection', ...form.required],
          additionalProperties: false,
        },
      });
    }
  }
  const anyOf: JsonSchema[] = [...branches.values()].map(({ schemes, schema }) => {
    const keys = Object.keys(schema.properties as object).filter((k) => !(k in bridgeKeys));
    return {
      title: `${schemes.join(' | ')}: ${keys.length > 0 ? keys.join(', ') : 'no address keys'}`,
      ...schema,
    };
  });
  if (address && stringSchemes.length > 0)
    anyOf.push({
      title: `${stringSchemes.join(' | ')}: address (a string)`,
      type: 'object',
      properties: { ...bridgeKeys, address },
      required: ['connection', 'address'],
      additionalProperties: false,
    });
  // Every branch is a whole object schema: nothing stays beside `anyOf` but the description.
  return base.description === undefined ? { anyOf } : { description: base.description, anyOf };
}

/**
 * The JSON Schema of the config format (input side: what a user writes), with the address keys of
 * `memory://`, `stdio://` and each of `adapters` shown per connection kind on every `from`, `to` entry
 * and `deadLetter`. Pure.
 */
export function configJsonSchema(adapters: readonly AdapterDescriptor[] = []): Record<string, unknown> {
  const all = [memoryAdapter, stdioAdapter as AdapterDescriptor, ...adapters];
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: showStringForms,
  }) as JsonSchema;
  const route = ((schema.properties as Record<string, JsonSchema>).routes as JsonSchema).items as JsonSchema;
  const parts = route.properties as Record<string, JsonSchema>;
  parts.from = endpointVariants(parts.from as JsonSchema, all);
  const to = parts.to as JsonSchema;
  to.items = endpointVariants(to.items as JsonSchema, all);
  parts.deadLetter = endpointVariants(parts.deadLetter as JsonSchema, all);
  return schema;
}
