import { describe, expect, it } from 'vitest';
import { parsePbtxtConfig, pbtxtLocator } from '../../../../engine/repository/pbtxt/config.js';
import { PbtxtSyntaxError, tokenize } from '../../../../engine/repository/pbtxt/lexer.js';

const raw = (text: string) => parsePbtxtConfig(text).raw;

function syntaxError(text: string): PbtxtSyntaxError {
  try {
    parsePbtxtConfig(text);
  } catch (e) {
    if (e instanceof PbtxtSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a syntax error for: ${text}`);
}

describe('tokenize', () => {
  it('reads identifiers, numbers, strings and punctuation with positions, and keeps comments apart', () => {
    const { tokens, comments } = tokenize('dims: [ -16, 0x1F ]  # per request\n  name: "a\\tb"');
    expect(tokens.map(t => t.text)).toEqual([
      'dims',
      ':',
      '[',
      '-',
      '16',
      ',',
      '0x1F',
      ']',
      'name',
      ':',
      '"a\\tb"',
      '',
    ]);
    expect(tokens[8]!.pos).toMatchObject({ line: 2, col: 3 });
    expect(tokens[10]!.value).toBe('a\tb');
    expect(comments).toEqual([
      { text: ' per request', pos: { line: 1, col: 22, offset: 21 }, ownLine: false },
    ]);
  });

  it('decodes C escapes: octal and hex bytes as UTF-8, \\u and \\U code points, quotes', () => {
    const { tokens } = tokenize(String.raw`'it\'s' "\303\251\x41\u00e9\U0001F600\"\?"`);
    expect(tokens[0]!.value).toBe("it's");
    expect(tokens[1]!.value).toBe('éAé😀"?');
  });

  it('fails on a string left open at the end of its line, and on a stray character', () => {
    expect(() => tokenize('name: "abc\nx: 1')).toThrow('1:7: string is not terminated on its line');
    expect(() => tokenize('name: @')).toThrow("1:7: unexpected character '@'");
    expect(() => tokenize('name: "\\q"')).toThrow("1:8: invalid escape '\\q' in string");
  });
});

describe('parsePbtxtConfig', () => {
  it('reads scalar, repeated, message and map fields into the plain object a YAML config gives', () => {
    const text = `
      name: "simple"  # the model
      max_batch_size: 8
      input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 16 ] }, { name: "INPUT1", data_type: TYPE_FP32; dims: 16 } ]
      instance_group { kind: KIND_CPU count: 2 gpus: [] }
      parameters { key: "execution_thread" value { string_value: "main" } }
      parameters: [ { key: "b" value: < string_value: 'x' "y" > } ]
      dynamic_batching { priority_queue_policy { key: 1 value { timeout_action: DELAY } } }
    `;
    expect(raw(text)).toEqual({
      name: 'simple',
      max_batch_size: 8,
      input: [
        { name: 'INPUT0', data_type: 'TYPE_FP32', dims: [16] },
        { name: 'INPUT1', data_type: 'TYPE_FP32', dims: [16] },
      ],
      instance_group: [{ kind: 'KIND_CPU', count: 2 }],
      parameters: { execution_thread: { string_value: 'main' }, b: { string_value: 'xy' } },
      dynamic_batching: { priority_queue_policy: { '1': { timeout_action: 'DELAY' } } },
    });
  });

  it('takes `< >` for messages, an optional colon before them, and `,` or `;` between fields', () => {
    expect(raw('version_policy: < latest: { num_versions: 2 } >;\nmax_batch_size: 4,')).toEqual({
      version_policy: { latest: { num_versions: 2 } },
      max_batch_size: 4,
    });
  });

  it('reads negative, hexadecimal, octal and float numbers, enums by number and bools in every spelling', () => {
    const text = `
      input { dims: [ -1, 0x10, 010 ] data_type: 11 optional: t allow_ragged_batch: False }
      optimization { graph { level: -1 } }
      dynamic_batching { preserve_ordering: 1 }
    `;
    expect(raw(text)).toEqual({
      input: [
        { dims: [-1, 16, 8], data_type: 'TYPE_FP32', optional: true, allow_ragged_batch: false },
      ],
      optimization: { graph: { level: -1 } },
      dynamic_batching: { preserve_ordering: true },
    });
  });

  it('names the field and the message type of an unknown field, with its line and column', () => {
    const e = syntaxError('name: "m"\ninput { name: "x" dimz: [1] }');
    expect(e.message).toBe("2:19: message type inference.ModelInput has no field named 'dimz'");
  });

  it('refuses what protobuf refuses: a wrong type, a value out of range, two members of a oneof, a field given twice', () => {
    expect(syntaxError('input { dims: [ 1.5 ] }').message).toBe(
      "1:17: expected an integer for field 'dims', found 1.5",
    );
    expect(syntaxError('max_batch_size: "8"').message).toBe(
      "1:17: expected an integer for field 'max_batch_size', found '\"8\"'",
    );
    expect(syntaxError('max_batch_size: 2147483648').reason).toContain(
      "field 'max_batch_size' is int32: expected a value in [-2147483648, 2147483647]",
    );
    expect(syntaxError('input { data_type: FP32 }').reason).toContain(
      "unknown value 'FP32' for field 'data_type': expected one of TYPE_INVALID,",
    );
    expect(syntaxError('version_policy { all {} latest {} }').message).toBe(
      "1:25: field 'latest' is given along with 'all' (at 1:18); only one member of oneof 'policy_choice' of inference.ModelVersionPolicy may be set",
    );
    expect(syntaxError('name: "a"\nname: "b"').message).toBe(
      "2:1: non-repeated field 'name' is given more than once (first at 1:1)",
    );
    expect(syntaxError('max_batch_size 8').message).toBe(
      "1:16: expected ':' after field 'max_batch_size', found '8'",
    );
    expect(syntaxError('input { name: "x"').message).toBe(
      "1:18: expected '}' to close inference.ModelInput, found the end of the file",
    );
    expect(syntaxError('max_batch_size: [8]').message).toBe(
      "1:17: field 'max_batch_size' is not repeated: a list [...] does not fit it",
    );
    expect(syntaxError('[ext.field]: 1').message).toContain('extension and Any fields');
  });

  it('refuses a map key given twice rather than keeping the last', () => {
    const e = syntaxError(
      'parameters { key: "a" value { string_value: "1" } }\nparameters { key: "a" value { string_value: "2" } }',
    );
    expect(e.message).toBe("2:19: map field 'parameters' has key 'a' twice (first at 1:19)");
  });

  it('reads an empty document as an empty config', () => {
    expect(raw('# nothing but a comment\n')).toEqual({});
  });
});

describe('pbtxtLocator', () => {
  const text =
    'name: "m"\ninput [\n  { name: "x" dims: [ 4 ] },\n  { name: "y" dims: [ 8 ] }\n]\nparameters { key: "k" value { string_value: "v" } }\n';
  const at = pbtxtLocator(parsePbtxtConfig(text).positions);

  it('points at values, or at keys when asked, of fields, list elements and map entries', () => {
    expect(at(['name'])).toEqual({ line: 1, col: 7 });
    expect(at(['name'], { key: true })).toEqual({ line: 1, col: 1 });
    expect(at(['input', 1, 'dims', 0])).toEqual({ line: 4, col: 23 });
    expect(at(['input', 1])).toEqual({ line: 4, col: 3 });
    expect(at(['parameters', 'k'], { key: true })).toEqual({ line: 6, col: 19 });
    expect(at(['parameters', 'k', 'string_value'])).toEqual({ line: 6, col: 45 });
  });

  it('resolves a path past what the file holds to the deepest part that exists', () => {
    expect(at(['input', 0, 'data_type'])).toEqual({ line: 3, col: 3 });
    expect(at(['output', 0])).toBeUndefined();
  });
});
