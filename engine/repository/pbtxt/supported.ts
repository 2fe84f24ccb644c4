/**
 * @module Checks a raw model config against the tables of field-tables.ts: finds the refused
 * fields that ask for something (errors), those without effect in Braid (warnings), and what is
 * left for the config schema to validate.
 */
import protobuf from 'protobufjs';
import {
  EMPTY_CONTAINERS,
  noEffectReason,
  PRESENCE_MATTERS,
  refusalReason,
} from './field-tables.js';
import { modelConfigType } from './schema.js';

// The tables are this module's to name: the check and what it checks against, in one import.
export {
  EMPTY_CONTAINERS,
  noEffectReason,
  refusalReason,
  SUPPORTED_FIELDS,
} from './field-tables.js';

/** One refused field found in a config. */
export interface RefusedField {
  /** Path into the config object, indices and map keys included, for positions. */
  readonly path: readonly PropertyKey[];
  /** Field names joined by dots, as messages name it. */
  readonly field: string;
  readonly reason: string;
}

/** What {@link checkServedFields} found. */
export interface ServedCheck {
  /** Refused fields that ask for something: each is an error. */
  readonly refused: RefusedField[];
  /** Fields without effect in Braid that ask for something: each is a warning. */
  readonly ignored: RefusedField[];
  /**
   * The config without the refused fields that ask for nothing, nor the containers they leave
   * empty (`model_metrics { }`): what the config schema validates.
   */
  readonly served: unknown;
}

/**
 * Finds every field of a raw config (YAML, JSON or pbtxt, before validation) that Braid refuses
 * and that asks for something (not a proto3 default). Keys that are no field of the .proto are
 * left to schema validation. Pure: `raw` is not changed.
 *
 * @example
 * checkServedFields({ batch_input: [{}] }).refused[0]?.field; // 'batch_input'
 * checkServedFields({ model_repository_agents: { agents: [] } }).served; // {}
 */
export function checkServedFields(raw: unknown): ServedCheck {
  const found: Found = { refused: [], ignored: [] };
  const served = walk(raw, modelConfigType(), [], '', found);
  return { ...found, served };
}

interface Found {
  readonly refused: RefusedField[];
  readonly ignored: RefusedField[];
}

/** The refused fields of {@link checkServedFields} alone. */
export function refusedFields(raw: unknown): RefusedField[] {
  return checkServedFields(raw).refused;
}

function walk(
  value: unknown,
  type: protobuf.Type,
  path: readonly PropertyKey[],
  dotted: string,
  out: Found,
): unknown {
  if (!isObject(value)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) {
      kept[key] = v;
      continue;
    }
    field.resolve();
    const name = dotted === '' ? key : `${dotted}.${key}`;
    const here = [...path, key];
    const reason = refusalReason(name);
    if (reason !== undefined) {
      if (PRESENCE_MATTERS.has(name) || !carriesNothing(v, field))
        out.refused.push({ path: here, field: name, reason });
      continue;
    }
    const noEffect = noEffectReason(name);
    if (noEffect !== undefined) {
      if (!carriesNothing(v, field))
        out.ignored.push({ path: here, field: name, reason: noEffect });
      continue;
    }
    const child = walkField(v, field, here, name, out);
    if (!(EMPTY_CONTAINERS.has(name) && isObject(child) && Object.keys(child).length === 0))
      kept[key] = child;
  }
  return kept;
}

function walkField(
  v: unknown,
  field: protobuf.FieldBase,
  here: readonly PropertyKey[],
  name: string,
  out: Found,
): unknown {
  const sub = field.resolvedType;
  if (!(sub instanceof protobuf.Type)) return v;
  if (field.map && isObject(v))
    return Object.fromEntries(
      Object.entries(v).map(([k, item]) => [k, walk(item, sub, [...here, k], name, out)]),
    );
  if (field.repeated && Array.isArray(v))
    return v.map((item, i) => walk(item, sub, [...here, i], name, out));
  return walk(v, sub, here, name, out);
}

/** Whether a value asks for nothing: absent, empty, or a proto3 default all the way down. */
function carriesNothing(v: unknown, field: protobuf.FieldBase): boolean {
  if (v === undefined || v === null) return true;
  if (field.map) return isObject(v) && Object.keys(v).length === 0;
  if (field.repeated) return Array.isArray(v) && v.length === 0;
  const sub = field.resolvedType;
  if (sub instanceof protobuf.Type) {
    return (
      isObject(v) &&
      Object.entries(v).every(([k, x]) => {
        const f = sub.fields[k];
        if (!f) return false;
        f.resolve();
        return carriesNothing(x, f);
      })
    );
  }
  if (sub instanceof protobuf.Enum) return v === Object.keys(sub.values)[0] || v === 0;
  return v === false || v === 0 || v === '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
