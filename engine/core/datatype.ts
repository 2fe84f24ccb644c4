/**
 * @module The protocol's tensor datatypes, their element sizes and their names in model configs.
 */
/**
 * Tensor datatypes of the Open Inference Protocol and their Triton model-config names.
 * BYTES is variable-sized; every other type has a fixed element size.
 */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BF16',
  'BYTES',
] as const;

/** A protocol datatype string such as `FP32` or `BYTES`. */
export type DataType = (typeof DATATYPES)[number];

/** A model-config datatype such as `TYPE_FP32`; BYTES is `TYPE_STRING` as in Triton. */
export type ConfigDataType = `TYPE_${Exclude<DataType, 'BYTES'>}` | 'TYPE_STRING';

const BYTE_SIZE: Readonly<Record<Exclude<DataType, 'BYTES'>, number>> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
  BF16: 2,
};

/**
 * Size of one element in bytes, or `undefined` for BYTES.
 *
 * @example
 * dataTypeSize('FP32'); // 4
 */
export function dataTypeSize(dt: DataType): number | undefined {
  return dt === 'BYTES' ? undefined : BYTE_SIZE[dt];
}

/** Whether `s` names a protocol datatype. */
export function isDataType(s: string): s is DataType {
  return (DATATYPES as readonly string[]).includes(s);
}

/**
 * Converts a protocol datatype to its model-config name.
 *
 * @example
 * toConfigDataType('BYTES'); // 'TYPE_STRING'
 */
export function toConfigDataType(dt: DataType): ConfigDataType {
  return dt === 'BYTES' ? 'TYPE_STRING' : `TYPE_${dt}`;
}

/**
 * Converts a model-config datatype (`TYPE_FP32`) to the protocol name (`FP32`).
 * Returns `undefined` for an unknown name.
 */
export function fromConfigDataType(s: string): DataType | undefined {
  if (s === 'TYPE_STRING') return 'BYTES';
  if (!s.startsWith('TYPE_')) return undefined;
  const dt = s.slice(5);
  return dt !== 'BYTES' && isDataType(dt) ? dt : undefined;
}

/** The config datatype names accepted in model configs, in enum order. */
export const CONFIG_DATATYPES: readonly ConfigDataType[] = DATATYPES.map(toConfigDataType);
