/*
 * --http-restricted-api / --grpc-restricted-protocol parsing as Triton's
 * src/command_line_parser.cc `ParseRestrictedFeatureOption` does it, and the start-up warning for
 * control APIs left open beyond loopback (issue #10, access control).
 */
import { describe, expect, it } from 'vitest';
import { parseServeFlags } from '../../../engine/cli/args.js';
import type { ServeFlags } from '../../../engine/cli/args.js';
import {
  exposureWarnings,
  parseRestrictedFlags,
  RESTRICTED_HELP,
} from '../../../engine/cli/restricted-flags.js';
import { isLoopback, RESTRICTED_CATEGORIES } from '../../../engine/server/restricted-api.js';

const serve = (...args: string[]) =>
  parseServeFlags(['--model-repository', 'models', ...args]) as ServeFlags;
const restricted = (http: string[], grpc: string[] = []) =>
  parseRestrictedFlags({ 'http-restricted-api': http, 'grpc-restricted-protocol': grpc });

describe('--http-restricted-api and --grpc-restricted-protocol', () => {
  it('restrict each listed category with the header and value; several flags add up', () => {
    const flags = serve(
      '--http-restricted-api',
      'model-repository,trace:admin-key=s3=cret',
      '--http-restricted-api=inference:infer-key=i',
    );
    const http = flags.restricted.http;
    expect([...http.keys()]).toEqual(['model-repository', 'trace', 'inference']);
    expect(http.get('trace')).toMatchObject({ header: 'admin-key', lookup: 'admin-key' });
    // The value is everything after the first '=' following the ':'.
    expect(http.get('model-repository')!.value.toString()).toBe('s3=cret');
    expect(http.get('inference')!.header).toBe('infer-key');
    expect(flags.restricted.grpc.size).toBe(0);
  });

  it("give gRPC keys Triton's triton-grpc-protocol- prefix", () => {
    const grpc = serve('--grpc-restricted-protocol', 'health:Infer-Key=v').restricted.grpc;
    expect(grpc.get('health')).toMatchObject({
      header: 'triton-grpc-protocol-Infer-Key',
      lookup: 'triton-grpc-protocol-infer-key',
    });
  });

  it('list every category in the help', () => {
    for (const c of RESTRICTED_CATEGORIES)
      expect(RESTRICTED_HELP).toMatch(new RegExp(`[ ,]${c}(,|\n|$)`));
  });

  it('restrict nothing by default', () => {
    const flags = serve();
    expect(flags.restricted.http.size + flags.restricted.grpc.size).toBe(0);
  });

  it.each([
    [
      'model-repository',
      "--http-restricted-api option format is '<api>[,<api>...]:<header>=<value>', got 'model-repository'",
    ],
    [
      'model-repository:admin-key',
      "--http-restricted-api option format is '<api>[,<api>...]:<header>=<value>', got 'model-repository:admin-key'",
    ],
    [
      ':k=v',
      "--http-restricted-api option format is '<api>[,<api>...]:<header>=<value>', got ':k=v'",
    ],
    [
      'health:=v',
      "--http-restricted-api option format is '<api>[,<api>...]:<header>=<value>', got 'health:=v'",
    ],
    [
      'health:k=',
      "--http-restricted-api option format is '<api>[,<api>...]:<header>=<value>', got 'health:k='",
    ],
    [
      'model-reposit:k=v',
      "--http-restricted-api: unknown restricted api 'model-reposit' (expected one of health, metadata, inference, " +
        'shared-memory, model-config, model-repository, statistics, trace, logging, console)',
    ],
    ['health,:k=v', "--http-restricted-api: unknown restricted api ''"],
    [
      'inference,inference:k=v',
      "--http-restricted-api: restricted api 'inference' can not be specified in multiple config groups",
    ],
    [
      'health:bad header=v',
      "--http-restricted-api: header 'bad header' in 'health:bad header=v' is not a valid header name",
    ],
    [
      'health:k= v',
      "--http-restricted-api: the value in 'health:k= v' must be printable ASCII without leading or trailing spaces",
    ],
    ['health:k=caf\u00e9', 'must be printable ASCII'],
  ])('refuses %j naming the flag', (arg, message) => {
    expect(() => restricted([arg])).toThrow(message);
  });

  it('refuses a category restricted in two flags, as Triton does', () => {
    expect(() =>
      serve(
        '--http-restricted-api',
        'model-repository,health:k1=v1',
        '--http-restricted-api',
        'metadata,health:k2=v2',
      ),
    ).toThrow(
      "--http-restricted-api: restricted api 'health' can not be specified in multiple config groups",
    );
    expect(() =>
      restricted([], ['model-repository,health:k1=v1', 'metadata,health:k2=v2']),
    ).toThrow(
      "--grpc-restricted-protocol: restricted protocol 'health' can not be specified in multiple config groups",
    );
    expect(() => restricted([], ['model-reposit:k=v'])).toThrow(
      "--grpc-restricted-protocol: unknown restricted protocol 'model-reposit'",
    );
  });

  it('refuses a gRPC key that gRPC would treat as binary metadata', () => {
    expect(() => restricted([], ['health:key-bin=v'])).toThrow(
      "--grpc-restricted-protocol: key 'key-bin' in 'health:key-bin=v' ends in -bin",
    );
    expect(restricted(['health:key-bin=v']).http.size).toBe(1);
  });
});

describe('exposureWarnings', () => {
  const base = { httpAddress: '0.0.0.0', grpcAddress: '0.0.0.0', allowGrpc: true };

  it('warns once per endpoint beyond loopback, naming the open control APIs and the flag', () => {
    const warnings = exposureWarnings({ ...base, restricted: restricted([]) });
    expect(warnings.map(w => w.msg)).toEqual([
      'HTTP endpoint on 0.0.0.0 lets any client that reaches it use the model-repository, trace, logging APIs; restrict with ' +
        '--http-restricted-api=model-repository,trace,logging:<header>=<secret> or bind --http-address 127.0.0.1',
      // The gRPC service has no trace or logging RPCs.
      'gRPC endpoint on 0.0.0.0 lets any client that reaches it use the model-repository API; restrict with ' +
        '--grpc-restricted-protocol=model-repository:<header>=<secret> or bind --grpc-address 127.0.0.1',
    ]);
    expect(warnings[0]!.fields).toEqual({
      address: '0.0.0.0',
      apis: ['model-repository', 'trace', 'logging'],
      restrict: '--http-restricted-api=model-repository,trace,logging:<header>=<secret>',
    });
  });

  it('names only what is still open, and is silent when all is restricted', () => {
    const partly = exposureWarnings({
      ...base,
      allowGrpc: false,
      restricted: restricted(['model-repository,logging:k=v']),
    });
    expect(partly.map(w => w.fields['apis'])).toEqual([['trace']]);
    expect(partly[0]!.msg).toContain('use the trace API;');
    const all = restricted(
      ['model-repository,trace:k=v', 'logging:k2=v'],
      ['model-repository:k=v'],
    );
    expect(exposureWarnings({ ...base, restricted: all })).toEqual([]);
  });

  it('is silent on loopback addresses and without gRPC', () => {
    expect(
      exposureWarnings({
        httpAddress: '127.0.0.1',
        grpcAddress: '::1',
        allowGrpc: true,
        restricted: restricted([]),
      }),
    ).toEqual([]);
    expect(
      exposureWarnings({
        httpAddress: 'localhost',
        grpcAddress: '10.0.0.5',
        allowGrpc: false,
        restricted: restricted([]),
      }),
    ).toEqual([]);
    expect(
      exposureWarnings({
        httpAddress: '127.0.0.1',
        grpcAddress: '10.0.0.5',
        allowGrpc: true,
        restricted: restricted([]),
      }),
    ).toHaveLength(1);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['LOCALHOST', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.1.2.3', false],
    ['128.0.0.1', false],
    ['example.com', false],
  ])('isLoopback(%j) is %s', (address, loopback) => {
    expect(isLoopback(address)).toBe(loopback);
  });
});
