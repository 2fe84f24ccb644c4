/**
 * @module Triton's model configuration schema (model_config.proto beside this file), loaded
 * once with protobufjs for its reflection: the text-format parser and the converter walk it.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

let modelConfig: protobuf.Type | undefined;

/**
 * The resolved `inference.ModelConfig` message type. The .proto is read on first use.
 *
 * @example
 * modelConfigType().fields['max_batch_size']?.type; // 'int32'
 */
export function modelConfigType(): protobuf.Type {
  if (!modelConfig) {
    const text = readFileSync(new URL('./model_config.proto', import.meta.url), 'utf8');
    const root = protobuf.parse(text, { keepCase: true }).root;
    root.resolveAll();
    modelConfig = root.lookupType('inference.ModelConfig');
  }
  return modelConfig;
}

/**
 * Every field of `type` and of the messages it contains, with its dotted path of field names
 * (`input.dims`); map values count as their map field's contents (`parameters.string_value`).
 *
 * @example
 * [...fieldPaths(modelConfigType())].includes('instance_group.rate_limiter.priority'); // true
 */
export function* fieldPaths(type: protobuf.Type, prefix = ''): Generator<string> {
  for (const field of type.fieldsArray) {
    const path = prefix === '' ? field.name : `${prefix}.${field.name}`;
    yield path;
    field.resolve();
    if (field.resolvedType instanceof protobuf.Type) yield* fieldPaths(field.resolvedType, path);
  }
}
