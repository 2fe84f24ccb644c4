/**
 * @module A model config written in protobuf's JSON mapping, as Triton's clients send load
 * overrides (Triton parses them with protobuf's JSON parser, src/model_config_utils.cc
 * `JsonToModelConfig`), turned into the plain object a config.json with the same content is:
 * lowerCamelCase names (`maxBatchSize`) become the proto's names, 64-bit and other integers
 * written as strings (`"16"`) become numbers, enums written as numbers become their names, and
 * `null` means the field is absent. Anything else is left as it came, so the config schema still
 * reports a misspelt key or a wrong value by name.
 */
import protobuf from 'protobufjs';
import { modelConfigType } from './schema.js';

const INTEGER = new Set([
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
]);
const FLOAT = new Set(['float', 'double']);

/**
 * Normalizes `raw` (parsed JSON) against Triton's ModelConfig message.
 *
 * @example
 * fromProtoJson({ maxBatchSize: '16', input: [{ name: 'x', dataType: 11, dims: ['4'] }] });
 * // { max_batch_size: 16, input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [4] }] }
 */
export function fromProtoJson(raw: unknown): unknown {
  return message(raw, modelConfigType());
}

function message(raw: unknown, type: protobuf.Type): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null) continue;
    const field = type.fields[key] ?? byJsonName(type).get(key);
    if (!field) {
      out[key] = value;
      continue;
    }
    field.resolve();
    out[field.name] = fieldValue(value, field);
  }
  return out;
}

function fieldValue(value: unknown, field: protobuf.Field): unknown {
  if (field instanceof protobuf.MapField) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, single(v, field)]));
  }
  if (field.repeated && Array.isArray(value)) return value.map(v => single(v, field));
  return single(value, field);
}

function single(value: unknown, field: protobuf.FieldBase): unknown {
  const sub = field.resolvedType;
  if (sub instanceof protobuf.Type) return message(value, sub);
  if (sub instanceof protobuf.Enum) {
    return typeof value === 'number' && Number.isInteger(value)
      ? (sub.valuesById[value] ?? value)
      : value;
  }
  if (typeof value !== 'string') return value;
  if (INTEGER.has(field.type) && /^-?\d+$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (FLOAT.has(field.type)) {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity' || value === '-Infinity')
      return value.startsWith('-') ? -Infinity : Infinity;
    if (value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  }
  return value;
}

const jsonNames = new WeakMap<protobuf.Type, ReadonlyMap<string, protobuf.Field>>();

/** The type's fields by protobuf's JSON name: the proto name in lowerCamelCase. */
function byJsonName(type: protobuf.Type): ReadonlyMap<string, protobuf.Field> {
  let names = jsonNames.get(type);
  if (!names) {
    names = new Map(
      type.fieldsArray.map(f => [
        f.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
        f,
      ]),
    );
    jsonNames.set(type, names);
  }
  return names;
}
