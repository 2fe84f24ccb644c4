/** The part of JSON Schema draft-07 the generated schemas use. */
export interface JsonSchema {
  /** One type, or several (zod writes a union of plain types as a list). */
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly minItems?: number;
  readonly minLength?: number;
  readonly pattern?: string;
}

/**
 * Validates a value against the subset of JSON Schema the generated files use and returns one
 * `path: problem` line per violation (empty when valid). Enough to check that the schema accepts
 * and rejects what the server does, without a validator dependency.
 */
export function validate(schema: JsonSchema, value: unknown, path = '$'): string[] {
  if (schema.anyOf) {
    return schema.anyOf.some(s => validate(s, value, path).length === 0)
      ? []
      : [`${path}: matches no alternative`];
  }
  if (schema.enum && !schema.enum.includes(value))
    return [`${path}: ${JSON.stringify(value)} is not one of the allowed values`];
  const typeError = checkType(schema, value, path);
  if (typeError) return [typeError];
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum)
    return [`${path}: below ${schema.minimum}`];
  if (typeof value === 'string') return checkString(schema, value, path);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      return [`${path}: fewer than ${schema.minItems} items`];
    return schema.items
      ? value.flatMap((v, i) => validate(schema.items as JsonSchema, v, `${path}[${i}]`))
      : [];
  }
  if (value !== null && typeof value === 'object')
    return checkObject(schema, value as Record<string, unknown>, path);
  return [];
}

function checkType(schema: JsonSchema, value: unknown, path: string): string | undefined {
  const ok: Record<string, (v: unknown) => boolean> = {
    object: v => v !== null && typeof v === 'object' && !Array.isArray(v),
    array: Array.isArray,
    string: v => typeof v === 'string',
    integer: Number.isInteger,
    number: v => typeof v === 'number',
    boolean: v => typeof v === 'boolean',
  };
  if (schema.type === undefined) return undefined;
  const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
  const unknown = types.find(t => !ok[t]);
  if (unknown) return `${path}: the validator does not know type ${unknown}`;
  return types.some(t => ok[t]!(value)) ? undefined : `${path}: expected ${types.join(' or ')}`;
}

function checkString(schema: JsonSchema, value: string, path: string): string[] {
  if (schema.minLength !== undefined && value.length < schema.minLength)
    return [`${path}: shorter than ${schema.minLength}`];
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
    return [`${path}: does not match ${schema.pattern}`];
  return [];
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, path: string): string[] {
  const errors = (schema.required ?? [])
    .filter(k => !(k in value))
    .map(k => `${path}: missing required '${k}'`);
  for (const [key, v] of Object.entries(value)) {
    if (schema.propertyNames)
      errors.push(...validate(schema.propertyNames, key, `${path} key '${key}'`));
    const prop = schema.properties?.[key];
    if (prop) errors.push(...validate(prop, v, `${path}.${key}`));
    else if (schema.additionalProperties === false) errors.push(`${path}: unknown key '${key}'`);
    else if (typeof schema.additionalProperties === 'object')
      errors.push(...validate(schema.additionalProperties, v, `${path}.${key}`));
  }
  return errors;
}
