import { describe, expect, it } from 'vitest';
import { SequenceBatchingSchema } from '../../../../engine/core/sequence-config.js';
import { controlSpecs, controlTensors } from '../../../../engine/scheduling/sequence/controls.js';

const sb = (control_input: unknown) => SequenceBatchingSchema.parse({ control_input });
const row = { start: true, end: false, ready: true, corrid: 1000 };

describe('sequence control tensors', () => {
  it('carry START, END and READY as int32, fp32 or bool false/true values', () => {
    const specs = controlSpecs(
      sb([
        { name: 'S', control: [{ kind: 'CONTROL_SEQUENCE_START', fp32_false_true: [0, 1] }] },
        { name: 'E', control: [{ kind: 'CONTROL_SEQUENCE_END', bool_false_true: [false, true] }] },
        { name: 'R', control: [{ kind: 'CONTROL_SEQUENCE_READY', int32_false_true: [5, 9] }] },
      ]),
      'm',
    );
    const t = controlTensors(specs, row, true, 'm');
    expect(t.get('S')).toEqual({ datatype: 'FP32', shape: [1, 1], data: Float32Array.of(1) });
    expect(t.get('E')).toEqual({ datatype: 'BOOL', shape: [1, 1], data: Uint8Array.of(0) });
    expect(t.get('R')).toEqual({ datatype: 'INT32', shape: [1, 1], data: Int32Array.of(9) });
    const notReady = controlTensors(specs, { ...row, ready: false }, false, 'm');
    expect(notReady.get('S')!.data).toEqual(Float32Array.of(0));
    expect(notReady.get('R')).toEqual({ datatype: 'INT32', shape: [1], data: Int32Array.of(5) });
  });

  it('carry CORRID as UINT64, INT64, UINT32, INT32 or STRING', () => {
    const corrid = (data_type: string) =>
      controlSpecs(
        sb([{ name: 'C', control: [{ kind: 'CONTROL_SEQUENCE_CORRID', data_type }] }]),
        'm',
      );
    expect(controlTensors(corrid('TYPE_UINT64'), row, true, 'm').get('C')!.data).toEqual(
      BigUint64Array.of(1000n),
    );
    expect(controlTensors(corrid('TYPE_INT32'), row, true, 'm').get('C')!.data).toEqual(
      Int32Array.of(1000),
    );
    expect(
      controlTensors(corrid('TYPE_STRING'), { ...row, corrid: 'abc' }, true, 'm').get('C'),
    ).toEqual({
      datatype: 'BYTES',
      shape: [1, 1],
      data: [new TextEncoder().encode('abc')],
    });
    expect(() =>
      controlTensors(corrid('TYPE_UINT64'), { ...row, corrid: 'abc' }, true, 'm'),
    ).toThrow(
      "model 'm' takes numeric correlation IDs (control input 'C' is UINT64), got the string sequence_id 'abc'",
    );
    expect(() => corrid('TYPE_FP32')).toThrow(
      /data_type must be one of TYPE_UINT64, .*got TYPE_FP32/,
    );
  });

  it('are refused without exactly one false/true pair, naming model and tensor', () => {
    expect(() =>
      controlSpecs(
        sb([{ name: 'S', control: [{ kind: 'CONTROL_SEQUENCE_START', int32_false_true: [1] }] }]),
        'm',
      ),
    ).toThrow(
      "model 'm': sequence_batching control input 'S' (CONTROL_SEQUENCE_START): expected exactly one of",
    );
    expect(() =>
      controlSpecs(
        sb([
          { name: 'S', control: [{ kind: 'CONTROL_SEQUENCE_START', int32_false_true: [0, 1] }] },
          { name: 'T', control: [{ kind: 'CONTROL_SEQUENCE_START', int32_false_true: [0, 1] }] },
        ]),
        'm',
      ),
    ).toThrow(/'T' \(CONTROL_SEQUENCE_START\): CONTROL_SEQUENCE_START is given more than once/);
  });
});
